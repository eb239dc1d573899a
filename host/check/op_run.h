/* Shared by the op-case files of host/check (not installed): one case on one
 * backend (op_run.c) and the per-op descriptors that say what a case of
 * each op builds and runs (op_descs_tensor.c, op_descs_nn.c). See
 * clcnn/op_cases.h. */
#ifndef CLCNN_OP_RUN_H
#define CLCNN_OP_RUN_H

#include "clcnn/op_cases.h"
#include "core/try.h"

#define RUN_MAX_TENSORS 12

struct clcnn_op_run {
    const clcnn_op_case *cs;
    clcnn_backend *be;
    uint32_t seed;
    clcnn_window win;                 /* window ops (cs->k > 0) */
    int n0, nb;                       /* images taking part (chunked ops) */
    clcnn_tensor t[RUN_MAX_TENSORS];  /* slots; roles by op family (below, op_descs_*.c) */
    int outputs[RUN_MAX_TENSORS];     /* indices into t */
    int output_count;
    float *mean, *std;                /* normalize_u8 parameters, C each */
};

/* Tolerance classes (normalized error), by what the op computes:
 * - EXACT: data movement, selection (max, argmax, dropout mask) and short
 *   sums taken in the reference's order; only a contracted multiply-add or a
 *   division rounded differently (OpenCL allows 2.5 ulp) can differ, i.e.
 *   a few 1e-7 relative per element.
 * - ELEMENT: a few transcendental functions per element (OpenCL's exp and
 *   log may be 3 ulp off), as in sigmoid, the losses and the optimizers.
 * - GEMM: float dot products of up to k = 8192 terms summed in another order
 *   than the reference's blocked GEMM: relative error ~ eps * sqrt(k) ~ 5e-6.
 * - REDUCE: per-channel float sums of up to 131072 terms on the device
 *   against sums accumulated in double by the reference. Compensated (Kahan)
 *   sums per work-item, then a tree: <= 2e-7 measured with work-groups of
 *   1, 64 and 256, 2e-6 allowed. */
#define TOL_EXACT 1e-6
#define TOL_ELEMENT 2e-6
#define TOL_GEMM 2e-5
#define TOL_REDUCE 2e-6

/* Bit of slot i in a descriptor's reads / writes. */
#define SLOT(i) (1u << (i))

/* What a case of one op does. */
typedef struct clcnn_op_desc {
    const char *name;       /* "maxpool_fwd" */
    /* Allocate and fill the slots, name the outputs (OUTPUTS), run the ops
     * the op depends on (a backward case's forward). */
    clcnn_status (*create)(clcnn_op_run *run);
    clcnn_status (*exec)(clcnn_op_run *run);  /* the op, once */
    double tolerance;       /* TOL_* of the op's class */
    const double *kind_tolerance; /* by cs->kind where kinds differ (activations), or NULL */
    int reduces;            /* sums over work-groups on the device */
    unsigned reads, writes; /* SLOT()s the op reads and writes: its bytes moved */
    /* bytes moved where whole slots do not say it (the op touches part of
     * one), or NULL */
    double (*bytes)(const clcnn_op_run *run);
    /* the kind's word in the case name ("relu "), or NULL: none */
    const char *(*kind_label)(const clcnn_op_case *cs);
    /* the whole case name, for ops not named by shape (gemm), or NULL */
    void (*describe)(const clcnn_op_case *cs, char *buf, size_t size);
} clcnn_op_desc;

/* The descriptor tables, indexed by op, each holding its family's rows (the
 * others empty): an op has its row in exactly one. */
extern const clcnn_op_desc clcnn_op_descs_tensor[CLCNN_OP_COUNT];
extern const clcnn_op_desc clcnn_op_descs_nn[CLCNN_OP_COUNT];

/* The descriptor of op; NULL outside the enum and for an op with no row or
 * with a row in both tables. */
const clcnn_op_desc *clcnn_op_desc_of(clcnn_op_kind op);

/* Slot roles of the element-wise, pooling and activation ops (indices into
 * run->t); other families name their own. */
enum { X = 0, Y, ARGMAX, DY, DX };

static inline clcnn_shape op_run_in_shape(const clcnn_op_run *run)
{
    return clcnn_shape_make(run->cs->n, run->cs->c, run->cs->h, run->cs->w);
}

static inline clcnn_shape op_run_per_channel(const clcnn_op_run *run)
{
    return clcnn_shape_make(1, run->cs->c, 1, 1);
}

/* Allocate slot with shape and fill it with uniform [lo, hi) values (left
 * zero, as allocated, for lo = hi = 0). */
clcnn_status op_run_make_real(clcnn_op_run *run, int slot, clcnn_shape shape, float lo,
                              float hi);
/* Allocate an I32 or U8 slot with values uniform in 0..range-1 (range 0: zeros). */
clcnn_status op_run_make_int(clcnn_op_run *run, int slot, clcnn_shape shape, clcnn_dtype dtype,
                             int range);
/* op_run_make_real, returning from the calling function on a failure. */
#define REAL(slot, shape, lo, hi) CLCNN_TRY(op_run_make_real(run, slot, shape, lo, hi))

/* Creates shared by several ops, at the case's input shape: Y random (the
 * output); X and Y random (Y the output); DY random and DX (the output). */
clcnn_status op_run_create_y(clcnn_op_run *run);
clcnn_status op_run_create_x_y(clcnn_op_run *run);
clcnn_status op_run_create_dy_dx(clcnn_op_run *run);

/* The slots compared, in order. */
void op_run_set_outputs(clcnn_op_run *run, int count, const int *slots);
#define OUTPUTS(...)                                                                              \
    op_run_set_outputs(run, (int)(sizeof((int[]){__VA_ARGS__}) / sizeof(int)),                  \
                       (int[]){__VA_ARGS__})

#endif
