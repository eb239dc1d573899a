/* CLBlast tuning for one device: `clcnn tune` searches GEMM kernel parameters
 * for the GEMM shapes a network uses, and the "cl" backend applies the best
 * set found whenever it opens that device.
 *
 * Tuning parameters are kept as data, not code: a plain-text file per device
 * in the cache folder (clcnn/cache.h), named after a hash of its key (device
 * name, driver version, platform, CLBlast version: a new driver or CLBlast
 * invalidates it), holding the key and one line per CLBlast kernel:
 *
 *     clcnn-tuning 2
 *     device pthread-skylake-avx512-AMD EPYC
 *     driver 3.1+debian
 *     platform Portable Computing Language
 *     clblast 1.5.3
 *     kernel NN Xgemm GEMMK=0 KREG=1 KWG=32 ... VWN=8
 *     kernel NN XgemmDirect KWID=2 ... WGD=64
 *     kernel NN GemmRoutine XGEMM_MIN_INDIRECT_SIZE=897
 *     kernel NT Xgemm ...
 *     # comments: what was measured
 *
 * The second word is the GEMM's class (below): its transpose class as the
 * layer asks for it (row-major op(A), op(B)), whatever form the backend then
 * runs (on CPU devices it runs NT as TN on transposed copies), and its shape
 * family. A conv layer's forward and weight-gradient GEMMs are NN, its input
 * gradient TN; the best parameters differ between them (the weight gradient
 * has a huge k and a small output: a deep GEMM; the input gradient a small
 * k), and the backend applies a class's set before a GEMM of that class
 * (CLBlast keeps one set per device, and compiles each distinct set once).
 * Within a class, CLBlast runs its direct kernel for the GEMMs smaller than
 * the threshold (m*n*k < XGEMM_MIN_INDIRECT_SIZE^3) and the indirect one for
 * the others. A class without lines runs CLBlast's
 * defaults, which no other class may have overridden (the file then names
 * every class or none: CLBlast cannot restore its defaults). A file written
 * before the narrow or the deep classes (below) names none of a family's
 * classes; each of them then takes the set of its transpose class among the
 * wide ones.
 * Version 1 files (classes by the form run, no XgemmDirect) are ignored.
 * A file that does not parse, or whose key does not match, is ignored with a
 * warning (clcnn_warn), and the device runs CLBlast's defaults.
 *
 * This header is free of OpenCL types, so the CLI and tests include it. */
#ifndef CLCNN_CL_TUNE_H
#define CLCNN_CL_TUNE_H

#include <stddef.h>

#include "clcnn/device.h"
#include "clcnn/net.h"

#define CLCNN_TUNE_MAX_KERNELS 8
#define CLCNN_TUNE_MAX_PARAMS 16
#define CLCNN_TUNE_MAX_SHAPES 32

/* The parameters of one CLBlast kernel ("Xgemm", "XgemmDirect", "GemmRoutine"),
 * every one of them: CLBlast refuses a partial override. */
typedef struct clcnn_tune_kernel {
    char name[24];
    int count;
    char param[CLCNN_TUNE_MAX_PARAMS][28];
    size_t value[CLCNN_TUNE_MAX_PARAMS];
} clcnn_tune_kernel;

/* One candidate: the kernels whose defaults it overrides (none: CLBlast's
 * defaults). */
typedef struct clcnn_tune_set {
    int count;
    clcnn_tune_kernel kernels[CLCNN_TUNE_MAX_KERNELS];
} clcnn_tune_set;

/* GEMM classes, each with its own set: the transpose class of the GEMM as
 * the layer asks for it (trans_a * 2 + trans_b: NN, NT, TN, TT) within a
 * shape family, CLCNN_TUNE_TRANSPOSE_CLASSES classes each:
 * - wide (the first four): the rest;
 * - narrow ("NN-narrow"): a result of at most CLCNN_TUNE_NARROW_ROWS rows
 *   (the first conv layer's 32 filters, fc layers at small batches). CLBlast
 *   sees those rows as its N (the row-major swap, cl_ops_gemm.c); a
 *   work-group tile wider than them (NWG = 64) makes it pad and copy the
 *   long operands on every call: conv1's GEMMs on PoCL ran 2-5x slower with
 *   the set that suits the other layers than with an NWG = 32 one;
 * - deep ("NN-deep"): an inner dimension k of at least CLCNN_TUNE_DEEP_RATIO
 *   times the larger side of the result: the convolutions' weight
 *   gradients (k = images x positions), which are NN like their forward
 *   GEMMs but stream two long operands into a small result, and want other
 *   tiles. Narrow comes first: a narrow deep GEMM is narrow. */
#define CLCNN_TUNE_TRANSPOSE_CLASSES 4
#define CLCNN_TUNE_FAMILIES 3
#define CLCNN_TUNE_CLASSES (CLCNN_TUNE_FAMILIES * CLCNN_TUNE_TRANSPOSE_CLASSES)
#define CLCNN_TUNE_NARROW_ROWS 32
#define CLCNN_TUNE_DEEP_RATIO 4

enum { CLCNN_TUNE_WIDE = 0, CLCNN_TUNE_NARROW = 1, CLCNN_TUNE_DEEP = 2 };

/* The class of a row-major GEMM op(A) op(B) with an m x n result and inner
 * dimension k. */
static inline int clcnn_tune_class(int trans_a, int trans_b, int m, int n, int k)
{
    long long side = m > n ? m : n;
    int family = CLCNN_TUNE_WIDE;
    if (m <= CLCNN_TUNE_NARROW_ROWS)
        family = CLCNN_TUNE_NARROW;
    else if (k >= CLCNN_TUNE_DEEP_RATIO * side)
        family = CLCNN_TUNE_DEEP;
    return family * CLCNN_TUNE_TRANSPOSE_CLASSES + (trans_a ? 2 : 0) + (trans_b ? 1 : 0);
}

/* A tuning result: a set per class (count 0: CLBlast's defaults). */
typedef struct clcnn_tuning {
    clcnn_tune_set sets[CLCNN_TUNE_CLASSES];
} clcnn_tuning;

/* "NN", "NT", "TN", "TT", "NN-narrow", ..., "NN-deep", ... */
const char *clcnn_tune_class_name(int cls);

/* ---- the per-device file (cl_tune_file.c) ---- */

/* The file's path for the device; CLCNN_ERR_IO when caching is disabled. */
clcnn_status clcnn_tune_path(const clcnn_device_info *info, char *path, size_t size);

/* Write the tuning (and comment lines, without '#', may be NULL) atomically. */
clcnn_status clcnn_tune_store(const clcnn_device_info *info, const clcnn_tuning *tuning,
                              const char *comment);

/* 1 with *tuning filled when a valid file for the device exists; 0 when
 * there is none, or it is corrupt or for another key (with a warning naming
 * the file and line). */
int clcnn_tune_load(const clcnn_device_info *info, clcnn_tuning *tuning);

/* Parse the file text (without touching the disk): CLCNN_ERR_FORMAT naming
 * source:line on a bad line or a key that is not expected_key. */
clcnn_status clcnn_tune_parse(const char *text, const char *source, const char *expected_key,
                              clcnn_tuning *tuning);

/* The key text of the device ("device ...\ndriver ...\nplatform ...\nclblast
 * X.Y.Z\n"), as it appears in the file. */
void clcnn_tune_key(const clcnn_device_info *info, char *key, size_t size);

/* "GEMMK=0 KREG=1 ..." of a kernel's parameters. */
void clcnn_tune_kernel_format(const clcnn_tune_kernel *k, char *buf, size_t size);

/* ---- GEMM shapes (cl_tune_shapes.c) ---- */

/* One row-major GEMM C = op(A) * op(B), m x n x k, run `calls` times a step. */
typedef struct clcnn_gemm_shape {
    int trans_a, trans_b;
    int m, n, k;
    int calls;
} clcnn_gemm_shape;

/* The GEMMs of one training step of spec at batch images (forward, weight
 * and input gradients of every conv and fc layer, convolutions chunked by the
 * default im2col budget capped at max_alloc_bytes when that is not 0), equal
 * shapes merged. */
clcnn_status clcnn_tune_model_shapes(const clcnn_model_spec *spec, int batch,
                                     unsigned long long max_alloc_bytes,
                                     clcnn_gemm_shape *shapes, int max_shapes, int *count);

/* The GEMM that CLBlast runs for s on a device: on devices other than GPUs
 * the "cl" backend runs every GEMM as TN, after transposing the operands
 * that need it itself (cl_ops_gemm.c); that TN GEMM is what gets tuned and
 * timed. */
clcnn_gemm_shape clcnn_tune_effective_shape(const clcnn_gemm_shape *s, int gpu_shape);

/* "NT 64x800x32768" */
void clcnn_gemm_shape_name(const clcnn_gemm_shape *s, char *buf, size_t size);

/* ---- the search (cl_tune_search.c) ---- */

/* Default time budgets, seconds: no candidate starts after the budget, and
 * none runs past 1.25 times it (the quick one: 75 s, within 90 s in all). */
#define CLCNN_TUNE_BUDGET_S 300.0
#define CLCNN_TUNE_QUICK_BUDGET_S 60.0

typedef struct clcnn_tune_options {
    const char *device;       /* device spec (clcnn/device.h) */
    const clcnn_gemm_shape *shapes; /* what to tune for */
    int shape_count;
    int quick;                /* fewer seeds and timing runs, a short budget, 16 candidates */
    int max_candidates;       /* run at most this many (CLBlast's defaults first); 0: all */
    /* The longest a candidate may run without progress (0: 120 s); once
     * candidates have finished, shorter: clcnn_tune_candidate_timeout. */
    double candidate_timeout_s;
    /* Progress lines ("candidate 3/24: ..."), may be NULL. */
    void (*progress)(const char *line, void *user);
    void *user;
    /* No candidate starts after this many seconds, none runs past 1.25
     * times it; 0: CLCNN_TUNE_BUDGET_S, or CLCNN_TUNE_QUICK_BUDGET_S when quick. */
    double budget_s;
} clcnn_tune_options;

typedef struct clcnn_tune_report {
    clcnn_device_info device;
    char path[4200];          /* the file written */
    int tried, failed;        /* candidates run, and of those skipped (wrong result,
                               * build or launch failure, crash, timeout) */
    clcnn_tuning best;        /* what was stored */
    /* Per shape (the options' order): seconds of one call, the fastest of
     * the timed runs, with CLBlast's defaults (0 when they failed) and with
     * the best set. */
    double default_s[CLCNN_TUNE_MAX_SHAPES];
    double tuned_s[CLCNN_TUNE_MAX_SHAPES];
} clcnn_tune_report;

/* Search, verify and store: candidates derived from what the device reports
 * (vector widths, work-group limits, local memory, cache), then refined
 * around the best ones while the budget lasts. Every candidate runs in a child process (a
 * parameter set that crashes the OpenCL compiler or hangs costs only that
 * candidate), so call this before the calling process opens any OpenCL
 * device. Fails when no candidate, not even the defaults, ran correctly. */
clcnn_status clcnn_tune_run(const clcnn_tune_options *opts, clcnn_tune_report *report);

#endif
