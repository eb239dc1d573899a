/* The op-case table: every backend op, forward and backward, at several
 * shapes, each run on a device backend and on the reference from the same
 * seeded random inputs and compared by normalized error
 *     sqrt(sum (a - b)^2 / sum b^2)      (b: the reference's result)
 * (the root-mean-square difference instead when every b is 0), the maximum
 * over the op's outputs, against the tolerance of the op's class.
 * Modelled on ggml's test-backend-ops. Part of the library so that embedders
 * can check a device too. Used by tests/test_ops.c, by `clcnn check` (list,
 * filter, one line per case) and by the per-op bench (clcnn_op_run_* times
 * one case on one backend, clcnn_op_run_bytes gives its GB/s). Free of Check.
 *
 * Each op has one descriptor (host/check/op_descs_tensor.c for data movement
 * and layout, op_descs_nn.c for the network ops): its name, how a case
 * builds its inputs (and runs the ops a backward case depends on), how it
 * runs the op, its tolerance class, whether the device reduces over
 * work-groups, and which tensors it reads and writes (its bytes moved).
 * Adding an op to the table:
 *   1. a CLCNN_OP_* value below, before CLCNN_OP_COUNT;
 *   2. its descriptor in its family's file: a create and an exec function
 *      and one row of the family's table, indexed by the value (the tables
 *      are CLCNN_OP_COUNT long; tests/test_check.c fails on an op without a
 *      row, with two rows or without a case);
 *   3. its shapes: case rows in host/check/op_cases.c.
 * `clcnn check`, tests/test_ops.c (also at work-group caps) and the bench
 * (bench/bench_plan.c, where a layer runs it) then pick it up. */
#ifndef CLCNN_OP_CASES_H
#define CLCNN_OP_CASES_H

#include <stddef.h>
#include <stdint.h>

#include "clcnn/backend.h"

typedef enum clcnn_op_kind {
    CLCNN_OP_FILL,
    CLCNN_OP_AXPY,
    CLCNN_OP_SCALE,
    CLCNN_OP_GEMM,
    CLCNN_OP_IM2COL,
    CLCNN_OP_COL2IM,
    CLCNN_OP_CNP_TO_NCHW,
    CLCNN_OP_NCHW_TO_CNP,
    CLCNN_OP_ADD_BIAS,
    CLCNN_OP_BIAS_BACKWARD,
    CLCNN_OP_MAXPOOL_FWD,
    CLCNN_OP_MAXPOOL_BWD,
    CLCNN_OP_AVGPOOL_FWD,
    CLCNN_OP_AVGPOOL_BWD,
    CLCNN_OP_BN_TRAIN,
    CLCNN_OP_BN_EVAL,
    CLCNN_OP_BN_BWD,
    CLCNN_OP_ACT_FWD,
    CLCNN_OP_ACT_BWD,
    CLCNN_OP_DROPOUT_FWD,
    CLCNN_OP_DROPOUT_BWD,
    CLCNN_OP_LOSS,
    CLCNN_OP_OPTIMIZER,
    CLCNN_OP_NORMALIZE_U8,
    CLCNN_OP_GN_FWD,
    CLCNN_OP_GN_BWD,
    CLCNN_OP_IM2ROW,
    CLCNN_OP_COPY_COLUMNS,
    CLCNN_OP_ADD,           /* y = a + b; in place (y = y + b) with CLCNN_OPF_IN_PLACE */
    CLCNN_OP_HWC_TO_CHW,
    CLCNN_OP_COUNT          /* the number of ops; keep last */
} clcnn_op_kind;

/* Case flags. */
enum {
    CLCNN_OPF_CHUNK = 1,    /* im2col/col2im/layout: images n0 = N/2 .. N-1 only */
    CLCNN_OPF_BIAS = 2,     /* cnp_to_nchw: with a bias */
    CLCNN_OPF_TRANS_A = 4,  /* gemm: op(A) = A^T */
    CLCNN_OPF_TRANS_B = 8,  /* gemm: op(B) = B^T */
    CLCNN_OPF_PADDED = 16,  /* gemm: offsets, leading dimensions > columns, beta = 0.5 */
    CLCNN_OPF_NESTEROV = 32, /* optimizer: Nesterov momentum */
    CLCNN_OPF_IN_PLACE = 64, /* add: into one of its operands (the gradient sum) */
    CLCNN_OPF_EVAL = 128     /* maxpool forward: evaluation, without argmax */
};

/* One case. Each field means one thing; an op reads the fields it needs. */
typedef struct clcnn_op_case {
    clcnn_op_kind op;
    int kind;          /* activation, loss or optimizer kind (clcnn/backend.h), else 0 */
    unsigned flags;    /* CLCNN_OPF_* */
    int n, c, h, w;    /* input shape (every op but gemm, copy_columns and hwc_to_chw;
                        * hwc_to_chw: c is the channels) */
    int k, s, p;       /* window ops: square window size, stride, padding */
    int pad_rows;      /* im2col, im2row: zero rows past C*K*K (GEMM padding) */
    int groups;        /* groupnorm: groups of channels */
    float smoothing;   /* loss: label smoothing E (softmax only) */
    struct {
        int m, n, k;   /* gemm: C (m x n) = op(A) (m x k) * op(B) (k x n) */
    } gemm;
    struct {
        int rows, cols, src_ld, dst_ld; /* copy_columns: cols of rows rows;
                                         * hwc_to_chw: cols = dst_ld = C*HW */
    } copy;
    int quick;         /* member of the quick subset */
} clcnn_op_case;

/* The table. */
int clcnn_op_case_count(void);
const clcnn_op_case *clcnn_op_case_at(int index);

/* "maxpool_fwd k2 s2 p0 N1 C3 32x32", "gemm NT m32 n1024 k75". */
void clcnn_op_case_name(const clcnn_op_case *cs, char *buf, size_t size);

/* The op's name ("maxpool_fwd"), "?" for a value outside the enum. */
const char *clcnn_op_name(clcnn_op_kind op);

/* Largest normalized error that passes: the tolerance of the op's class
 * (for activations, of the activation's). */
double clcnn_op_case_tolerance(const clcnn_op_case *cs);

/* Whether the device op sums over work-groups (a result depends on the
 * work-group size): the tests run such ops at every shape with capped
 * work-groups. */
int clcnn_op_reduces(clcnn_op_kind op);

/* Run cs on dev and on ref from the inputs seed generates; *error = the
 * normalized error of dev against ref (INFINITY when a result is NaN or
 * infinite on one side only). Fails when an op or a transfer fails. */
clcnn_status clcnn_op_case_check(const clcnn_op_case *cs, clcnn_backend *dev,
                                 clcnn_backend *ref, uint32_t seed, double *error);

/* Normalized error of a against the reference b (see above). */
double clcnn_normalized_error(const float *a, const float *b, size_t count);

/* ---- one case on one backend (the bench times clcnn_op_run_exec) ---- */
typedef struct clcnn_op_run clcnn_op_run;

/* Allocate the case's tensors on be, fill them from seed and run the ops the
 * case's op depends on (the forward pass of a backward case). */
clcnn_status clcnn_op_run_create(const clcnn_op_case *cs, clcnn_backend *be, uint32_t seed,
                                 clcnn_op_run **out);
/* Enqueue the op once (asynchronous on a device backend). Ops that update
 * their outputs in place (axpy, optimizer, loss statistics) keep doing so. */
clcnn_status clcnn_op_run_exec(clcnn_op_run *run);
/* Bytes one clcnn_op_run_exec reads plus the bytes it writes (each tensor
 * the op reads or writes counted once per direction, chunked ops only their
 * images): the traffic a GB/s figure divides by the time. */
double clcnn_op_run_bytes(const clcnn_op_run *run);
/* Number of outputs, and output i downloaded as floats (I32 converted):
 * *values is malloc'ed (free it, also after a failure), *count its length. */
int clcnn_op_run_output_count(const clcnn_op_run *run);
clcnn_status clcnn_op_run_output(const clcnn_op_run *run, int i, float **values, size_t *count);
void clcnn_op_run_destroy(clcnn_op_run *run);

#endif
