/* clcnn bench: the CPU reference ("ref") against the OpenCL device ("cl"),
 * per op at the shapes of a network and end to end (training and evaluation
 * throughput). Shared declarations of the bench/ files:
 *   bench_cmd.c     the command: flags, order of the parts, exit status
 *   bench_time.c    median/min/max, progress lines on stderr (the clock:
 *                   core/clock.h)
 *   bench_plan.c    the ops a network runs per layer, as op cases
 *   bench_ops.c     timing those op cases on each backend
 *   bench_e2e.c     training-step and evaluation throughput
 *   bench_report.c  the text tables and the JSON file
 */
#ifndef CLCNN_BENCH_H
#define CLCNN_BENCH_H

#include <stdint.h>
#include <stdio.h>

#include "clcnn/backend.h"
#include "clcnn/distributed.h"
#include "clcnn/net.h"
#include "clcnn/op_cases.h"
#include "core/clock.h"

/* The two paths compared; arrays indexed by these. */
enum { BENCH_REF = 0, BENCH_CL = 1, BENCH_PATHS = 2 };

typedef struct bench_options {
    const char *device;  /* --device SPEC, NULL: the default device */
    const char *model;   /* --model PRESET|FILE */
    int batch;           /* images per step */
    int iters, warmup;   /* timed repetitions, untimed ones before them */
    const char *json;    /* --json FILE or NULL */
    int ops, e2e;        /* run the per-op part, the end-to-end part */
    int ref;             /* also time the CPU reference (--no-ref clears it) */
    int unfused;         /* --unfused: every layer on its own ops */
    clcnn_comm *comm;    /* ranks of `mpirun clcnn bench` sharing each training
                          * batch (NULL: one process) */
} bench_options;

/* ------------------------------------------------------------ bench_time.c */

/* Median, minimum and maximum of repeated measurements. */
typedef struct bench_stat {
    double median, min, max;
} bench_stat;

/* Statistics of values[0 .. count-1] (sorts values; count >= 1). */
bench_stat bench_stat_of(double *values, int count);

/* a + b, field by field (sums of per-op figures into a layer's). */
bench_stat bench_stat_add(bench_stat a, bench_stat b);

/* s with every field multiplied by factor. */
bench_stat bench_stat_scale(bench_stat s, double factor);

/* "clcnn bench: " + message + newline on stderr, flushed. */
void bench_progress(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* ------------------------------------------------------------ bench_plan.c */

#define BENCH_ROW_CASES (2 * CLCNN_MAX_LAYERS)

/* Times of one row on both paths, in milliseconds; has[p] says whether path
 * p was measured. cl_kernel is the OpenCL event-profiled kernel time. */
typedef struct bench_timing {
    int has[BENCH_PATHS];
    bench_stat wall[BENCH_PATHS];
    bench_stat cl_kernel;
} bench_timing;

/* One row of the per-op table: a layer's forward or backward pass (the ops
 * it runs, each an op case at the layer's shapes), or, below a layer row that
 * runs a GEMM, one of its ops (the GEMMs and the lowering around them). */
typedef struct bench_row {
    char label[128];        /* "conv1 fwd (im2col+gemm 32x131072x75)" */
    int is_sub;             /* one op of the layer row above it, not counted in the total */
    int is_gemm;            /* a GEMM sub-row: flops is set */
    double flops;           /* GEMM: 2*m*n*k per run */
    int has_gemm;           /* a layer row that runs a GEMM among its ops */
    double bytes;           /* read and written by the row's ops per pass: GB/s of
                             * rows without a GEMM */
    int n_cases;
    clcnn_op_case cases[BENCH_ROW_CASES];
    int repeat[BENCH_ROW_CASES]; /* runs of each case a pass (convolution chunks) */
    bench_timing t;
    /* GEMM rows on a tuned device: cl wall time with CLBlast's defaults */
    int has_untuned;
    bench_stat cl_untuned;
} bench_row;

typedef struct bench_rows {
    bench_row *rows;
    int count, capacity;
} bench_rows;

/* Append a zeroed row; NULL when out of memory (message set). */
bench_row *bench_rows_add(bench_rows *rows);
void bench_rows_free(bench_rows *rows);

/* The rows of one training step of spec at batch images: input
 * normalization, each layer's forward, the loss, each layer's backward (in
 * the order the network runs them) and the optimizer (Adam) over every
 * parameter. Convolutions are split in chunks as the network does, with
 * im2col scratch limited to col_budget_bytes. Layers whose windows are not
 * square (the op cases have one size for both axes) get a row without cases,
 * labelled "not timed". An activation that the network runs inside the
 * batchnorm before it (nn/fusion.h) gets an empty row saying so, unless
 * unfused (clcnn_net_options.unfused). */
clcnn_status bench_plan(const clcnn_model_spec *spec, int batch, size_t col_budget_bytes,
                        int unfused, bench_rows *out);

/* ------------------------------------------------------------- bench_ops.c */

/* Time every row of plan on ref (NULL: skipped) and cl, each case on its own
 * after opt->warmup untimed runs, medians over opt->iters. out receives the
 * plan's rows with their times, each followed by one sub-row per GEMM.
 * untuned (may be NULL): wall times of the plan's GEMMs in plan order from
 * bench_ops_time_gemms(), attached to the GEMM rows. */
clcnn_status bench_ops_run(const bench_rows *plan, clcnn_backend *ref, clcnn_backend *cl,
                           const bench_options *opt, const bench_stat *untuned,
                           bench_rows *out);

/* Wall times (ms) on be of every GEMM case of plan, in plan order; *times is
 * malloc'ed (free it), *count its length. */
clcnn_status bench_ops_time_gemms(const bench_rows *plan, clcnn_backend *be,
                                  const bench_options *opt, bench_stat **times, int *count);

/* ------------------------------------------------------------- bench_e2e.c */

/* End-to-end figures of one path. */
typedef struct bench_e2e {
    int measured;
    bench_stat train_images_per_s; /* forward + backward + optimizer */
    bench_stat eval_images_per_s;
    double train_launches, train_transfers; /* per training step */
    double eval_launches, eval_transfers;   /* per evaluation batch */
    uint64_t peak_bytes;            /* storage high-water mark of the run */
    /* with ranks (opt->comm): train_images_per_s is this rank's */
    clcnn_dist_stats dist;
} bench_e2e;

/* Train (Adam, lr 1e-3, softmax loss) on a synthetic in-memory data set of
 * one batch through the real trainer, one timed step at a time, then
 * evaluate the same batch with clcnn_evaluate(). */
clcnn_status bench_e2e_run(clcnn_backend *be, const clcnn_model_spec *spec,
                           const bench_options *opt, bench_e2e *out);

/* ---------------------------------------------------------- bench_report.c */

typedef struct bench_report {
    const bench_options *opt;
    char model[256];        /* preset name or file */
    char device[256];       /* the OpenCL device's name */
    char device_line[600];  /* "OpenCL device 0: NAME (PLATFORM)" */
    int device_tuned;       /* `clcnn tune` stored CLBlast parameters for it */
    bench_rows ops;         /* timed rows (empty without the per-op part) */
    bench_e2e e2e[BENCH_PATHS];
} bench_report;

/* The per-op table and the end-to-end table on out. */
void bench_report_print(const bench_report *r, FILE *out);

/* The whole report as one JSON object with flat, dotted keys: "device",
 * "device_description", "device_tuned", "model", "batch", "iters", "warmup";
 * per measured path P (ref, cl): "train.images_per_s.P", "eval.images_per_s.P"
 * (medians; ".min" and ".max" beside them), "train.launches_per_step.P",
 * "train.transfers_per_step.P", "eval.launches_per_batch.P",
 * "eval.transfers_per_batch.P", "memory.peak_bytes.P"; "train.cl_over_ref" and
 * "eval.cl_over_ref" when both ran; and "ops": an array of rows {"label",
 * "gemm", "timed", "ref_ms", "cl_ms", "cl_kernel_ms" (each with _min and
 * _max), "ref_over_cl"; rows without a GEMM add "bytes", "gbs_ref" and
 * "gbs_cl" (GB/s from wall time); GEMM rows add "m", "n", "k", "gflops_ref",
 * "gflops_cl" (wall time), "gflops_cl_kernel_event" and, on a tuned device,
 * "cl_untuned_ms" and "gflops_cl_untuned"}. Non-finite numbers are null. */
clcnn_status bench_report_write_json(const bench_report *r, const char *path);

#endif
