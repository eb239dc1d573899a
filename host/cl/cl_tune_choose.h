/* The choice at the end of `clcnn tune` (cl_tune_choose.c): from the times
 * of every candidate on every shape, the set each GEMM transpose class gets. */
#ifndef CLCNN_CL_TUNE_CHOOSE_H
#define CLCNN_CL_TUNE_CHOOSE_H

#include "cl/cl_tune_worker.h"

/* What the search measured of one candidate. */
typedef struct tune_result {
    int path;                          /* TUNE_PATH_* of its set */
    int done, failed;                  /* done: every shape ran correctly */
    double total;                      /* seconds per step, over every shape */
    double shape_s[CLCNN_TUNE_MAX_SHAPES]; /* seconds of one call per shape */
} tune_result;

/* A class's set: the Xgemm parameters (and helpers) of candidate `indirect`
 * for its GEMMs of m*n*k >= threshold^3, the XgemmDirect parameters of
 * candidate `direct` for the smaller ones. indirect < 0: CLBlast's defaults
 * (candidate 0, which decide the path themselves). */
typedef struct tune_choice {
    int indirect, direct;
    unsigned long long threshold;      /* XGEMM_MIN_INDIRECT_SIZE */
    double total;                      /* seconds per step over the class's shapes */
} tune_choice;

/* The class of a shape: clcnn_tune_class of its transposes as the layer asks
 * for them and its result's rows (the backend selects a set by these). */
int clcnn_tune_shape_class(const clcnn_gemm_shape *s);

/* CLBlast's rule: the direct kernel runs when m*n*k < threshold^3. */
int clcnn_tune_runs_direct(const clcnn_gemm_shape *s, unsigned long long threshold);

/* The best set per class from results[0..count) (results[0]: CLBlast's
 * defaults). Per class: every threshold that splits its shapes differently,
 * each side on the fastest finished candidate of its path for the shapes on
 * that side (a side without shapes takes the other side's candidate, so one
 * path alone makes a split). When the defaults beat that in every class the
 * shapes use, or no split can be made, every class keeps the defaults;
 * otherwise every class gets a split (a class left on the defaults would run another class's
 * overrides), a class no shape uses the best split over all shapes. */
void clcnn_tune_choose(const clcnn_gemm_shape *shapes, int shape_count,
                       const tune_result *results, int count,
                       tune_choice choice[CLCNN_TUNE_CLASSES]);

/* The set to store for a choice: candidate `indirect`'s kernels with
 * candidate `direct`'s XgemmDirect and the threshold; empty for the
 * defaults. */
clcnn_tune_set clcnn_tune_chosen_set(const clcnn_tune_set *sets, const tune_choice *c);

/* Seconds of one call of shapes[q] under its class's choice (0 when the
 * defaults are chosen and did not run). */
double clcnn_tune_chosen_time(const clcnn_gemm_shape *shapes, int q,
                              const tune_result *results,
                              const tune_choice choice[CLCNN_TUNE_CLASSES]);

#endif
