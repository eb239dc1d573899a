/* The two halves of `clcnn tune`'s search (cl_tune_search.c): a worker, run
 * in a child process, times candidate parameter sets and reports over a
 * pipe; the parent restarts it past a candidate that crashed or hung. */
#ifndef CLCNN_CL_TUNE_WORKER_H
#define CLCNN_CL_TUNE_WORKER_H

#include "cl/cl_tune.h"
#include "cl/cl_tune_space.h"

typedef enum tune_msg_kind {
    TUNE_MSG_DEVICE,  /* opened: the device the worker opened */
    TUNE_MSG_BEGIN,   /* candidate started */
    TUNE_MSG_SHAPE,   /* candidate's time for shape */
    TUNE_MSG_DONE,    /* candidate finished, every shape correct */
    TUNE_MSG_FAIL,    /* candidate skipped: text says why */
    TUNE_MSG_FATAL    /* the worker cannot run at all: text says why */
} tune_msg_kind;

/* One message; smaller than PIPE_BUF, so each write is atomic. */
typedef struct tune_msg {
    int kind;
    int candidate, shape;
    double seconds;
    union {
        struct {
            clcnn_device_info info;
            clcnn_tune_device space; /* what its candidates come from */
        } opened;
        char text[512];
    } u;
} tune_msg;

/* The GEMM path a candidate forces: none (CLBlast's defaults decide), the
 * indirect GEMM for every shape, or the direct one. */
enum { TUNE_PATH_DEFAULTS, TUNE_PATH_INDIRECT, TUNE_PATH_DIRECT, TUNE_PATHS };

typedef struct tune_job {
    const clcnn_tune_options *opts;
    const clcnn_tune_set *candidates;
    int candidate_count;
    /* Per path (TUNE_PATH_*), the best candidate's total seconds (over
     * every shape, times its calls) known when the worker starts, 0 when
     * none; a candidate whose total passes 3 times the best of its path
     * (CLBlast's defaults: of any path) is abandoned as too slow. */
    double best_total_s[TUNE_PATHS];
    /* Seconds (clcnn_now_seconds, core/clock.h) after which no candidate starts
     * (0: none), and after which the one running is abandoned. */
    double deadline_s, stop_s;
} tune_job;


/* How long the search waits for the next message of a running candidate:
 * limit_s, or, once candidates have finished, the longest of them took
 * (slowest_done_s, from its start to its last shape) times
 * TUNE_TIMEOUT_FACTOR, at least TUNE_TIMEOUT_FLOOR_S, if that is shorter. A
 * candidate that hangs (on PoCL, an XgemmDirect set with WGD = 128 that
 * never finished) then costs a few candidates' time, not 120 s of the
 * budget: a default tune of the cifar net on a 2-core Zen 4 lost 120 of its
 * 300 s to one and stopped three candidates short of the set that runs its
 * NN GEMMs at 140-160 GFLOP/s instead of 80-120. */
#define TUNE_TIMEOUT_FACTOR 4.0
#define TUNE_TIMEOUT_FLOOR_S 20.0
double clcnn_tune_candidate_timeout(double limit_s, double slowest_done_s);

/* Run candidates first .. count-1 in this (child) process, writing tune_msg
 * records to fd; returns the process exit status. */
int clcnn_tune_worker(const tune_job *job, int first, int fd);

/* A point of the search space as CLBlast parameters (cl_tune_sets.c):
 * empty for TUNE_PATH_DEFAULTS; otherwise every kernel, the GEMM path
 * forced for every shape by XGEMM_MIN_INDIRECT_SIZE. */
void clcnn_tune_point_set(const tune_point *p, clcnn_tune_set *set);

/* CLBlast's defaults, then the seeds of the device (tune_space_seeds) as
 * sets: *count of them, at most max. */
void clcnn_tune_seed_sets(const clcnn_tune_device *dev, int quick, clcnn_tune_set *sets,
                          int max, int *count);

/* Where a candidate's kernels stand in its set; the helper kernels
 * (copy, pad, transposes) follow. */
enum { TUNE_KERNEL_XGEMM, TUNE_KERNEL_DIRECT, TUNE_KERNEL_ROUTINE };

/* Which GEMM path a candidate set forces (TUNE_PATH_*). */
int clcnn_tune_set_path(const clcnn_tune_set *set);

#endif
