/* The tuning worker (a child process of clcnn_tune_run): opens the device,
 * fills A and B once with seeded values, and for every candidate applies its
 * parameters, runs each shape once (CLBlast builds, the driver compiles),
 * checks sampled entries of C against a double-precision host product, then
 * times it. Results go to the parent as tune_msg records.
 *
 * Timing is wall-clock around the GEMM and clFinish, the fastest of the
 * runs: CLBlast's event covers only its last kernel, and an indirect GEMM
 * runs up to four (pad, transpose, GEMM, transpose back); the fastest run is
 * the least disturbed by other load on the machine. */
#include <clblast_c.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clcnn/op_cases.h"
#include "cl/cl_ops.h"
#include "cl/cl_tune_describe.h"
#include "cl/cl_tune_worker.h"
#include "core/clock.h"

/* Entries of C checked per shape, and the largest normalized error (op_cases.h)
 * that passes: a float GEMM over k <= 2^17 terms of uniform values is within
 * ~1e-5 of the double product; a wrong kernel is off by O(1). */
#define SAMPLES 64
#define TOLERANCE 1e-4

typedef struct worker {
    const tune_job *job;
    int fd;
    clcnn_gemm_shape shapes[CLCNN_TUNE_MAX_SHAPES]; /* as CLBlast runs them */
    cl_device_id device;
    cl_context context;
    cl_command_queue queue;
    cl_mem a, b, c;
    float *host_a, *host_b, *host_c;
    size_t max_a, max_b, max_c;       /* elements */
    int (*sample)[2];                 /* per shape: SAMPLES (row, column) pairs */
    double *expected;                 /* per shape: SAMPLES values */
} worker;

static void send(worker *w, int kind, int candidate, int shape, double seconds, const char *text)
{
    tune_msg m;
    memset(&m, 0, sizeof m);
    m.kind = kind;
    m.candidate = candidate;
    m.shape = shape;
    m.seconds = seconds;
    if (text)
        snprintf(m.u.text, sizeof m.u.text, "%s", text);
    if (write(w->fd, &m, sizeof m) != (ssize_t)sizeof m)
        _exit(3); /* the parent is gone */
}

/* Deterministic values in [-1, 1). */
static void fill_uniform(float *x, size_t n, unsigned seed)
{
    unsigned s = seed * 2654435761u + 1u;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = (float)((s >> 8) * (1.0 / 8388608.0) - 1.0);
    }
}

static double a_at(const worker *w, const clcnn_gemm_shape *s, int i, int l)
{
    return s->trans_a ? w->host_a[(size_t)l * s->m + i] : w->host_a[(size_t)i * s->k + l];
}

static double b_at(const worker *w, const clcnn_gemm_shape *s, int l, int j)
{
    return s->trans_b ? w->host_b[(size_t)j * s->k + l] : w->host_b[(size_t)l * s->n + j];
}

/* Sample positions and their double-precision values, per shape. */
static void make_references(worker *w)
{
    const clcnn_tune_options *o = w->job->opts;
    unsigned s = 12345u;
    for (int q = 0; q < o->shape_count; q++) {
        const clcnn_gemm_shape *sh = &w->shapes[q];
        for (int t = 0; t < SAMPLES; t++) {
            s = s * 1664525u + 1013904223u;
            int i = (int)((s >> 4) % (unsigned)sh->m);
            s = s * 1664525u + 1013904223u;
            int j = (int)((s >> 4) % (unsigned)sh->n);
            double sum = 0.0;
            for (int l = 0; l < sh->k; l++)
                sum += a_at(w, sh, i, l) * b_at(w, sh, l, j);
            w->sample[q * SAMPLES + t][0] = i;
            w->sample[q * SAMPLES + t][1] = j;
            w->expected[q * SAMPLES + t] = sum;
        }
    }
}

static const char *open_device(worker *w, clcnn_device_info *info, clcnn_tune_device *space)
{
    static char why[400];
    cl_platform_id platform;
    if (clcnn_cl_find_device(w->job->opts->device, &platform, &w->device, info) != CLCNN_OK) {
        snprintf(why, sizeof why, "%s", clcnn_last_error());
        return why;
    }
    clcnn_cl_tune_describe(w->device, space);
    cl_int err;
    w->context = clCreateContext(NULL, 1, &w->device, NULL, NULL, &err);
    if (err != CL_SUCCESS)
        return "clCreateContext failed";
    w->queue = clCreateCommandQueue(w->context, w->device, 0, &err);
    if (err != CL_SUCCESS)
        return "clCreateCommandQueue failed";
    const clcnn_tune_options *o = w->job->opts;
    for (int q = 0; q < o->shape_count; q++) {
        w->shapes[q] = clcnn_tune_effective_shape(&o->shapes[q], info->gpu_shape);
        const clcnn_gemm_shape *s = &w->shapes[q];
        size_t a = (size_t)s->m * s->k, b = (size_t)s->k * s->n, c = (size_t)s->m * s->n;
        w->max_a = a > w->max_a ? a : w->max_a;
        w->max_b = b > w->max_b ? b : w->max_b;
        w->max_c = c > w->max_c ? c : w->max_c;
    }
    w->host_a = malloc(w->max_a * sizeof(float));
    w->host_b = malloc(w->max_b * sizeof(float));
    w->host_c = malloc(w->max_c * sizeof(float));
    w->sample = malloc((size_t)o->shape_count * SAMPLES * sizeof *w->sample);
    w->expected = malloc((size_t)o->shape_count * SAMPLES * sizeof *w->expected);
    if (!w->host_a || !w->host_b || !w->host_c || !w->sample || !w->expected)
        return "out of host memory";
    fill_uniform(w->host_a, w->max_a, 1);
    fill_uniform(w->host_b, w->max_b, 2);
    w->a = clCreateBuffer(w->context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                          w->max_a * sizeof(float), w->host_a, &err);
    if (err == CL_SUCCESS)
        w->b = clCreateBuffer(w->context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                              w->max_b * sizeof(float), w->host_b, &err);
    if (err == CL_SUCCESS)
        w->c = clCreateBuffer(w->context, CL_MEM_READ_WRITE, w->max_c * sizeof(float), NULL,
                              &err);
    if (err != CL_SUCCESS)
        return "out of device memory for the GEMM operands";
    make_references(w);
    return NULL;
}

static CLBlastStatusCode gemm(worker *w, const clcnn_gemm_shape *s)
{
    return clcnn_cl_sgemm(w->queue, s->trans_a, s->trans_b, s->m, s->n, s->k, 1.0f, w->a, 0,
                          s->trans_a ? s->m : s->k, w->b, 0, s->trans_b ? s->k : s->n, 0.0f,
                          w->c, 0, s->n, NULL);
}

/* Run shape q once and compare the sampled entries; NULL when right. */
static const char *check_shape(worker *w, int q, char *why, size_t size)
{
    const clcnn_gemm_shape *s = &w->shapes[q];
    CLBlastStatusCode st = gemm(w, s);
    if (st != CLBlastSuccess || clFinish(w->queue) != CL_SUCCESS) {
        snprintf(why, size, "CLBlastSgemm failed (status %d)", (int)st);
        return why;
    }
    if (clEnqueueReadBuffer(w->queue, w->c, CL_TRUE, 0, (size_t)s->m * s->n * sizeof(float),
                            w->host_c, 0, NULL, NULL) != CL_SUCCESS)
        return "reading C back failed";
    float got[SAMPLES], want[SAMPLES];
    for (int t = 0; t < SAMPLES; t++) {
        const int *at = w->sample[q * SAMPLES + t];
        got[t] = w->host_c[(size_t)at[0] * s->n + at[1]];
        want[t] = (float)w->expected[q * SAMPLES + t];
    }
    double err = clcnn_normalized_error(got, want, SAMPLES);
    if (!(err <= TOLERANCE)) {
        snprintf(why, size, "wrong result (normalized error %.3g > %g)", err, TOLERANCE);
        return why;
    }
    return NULL;
}

static int past_stop(const worker *w)
{
    return w->job->stop_s > 0 && clcnn_now_seconds() > w->job->stop_s;
}

/* Fastest of runs calls of shape q, in seconds; negative on failure. */
static double time_shape(worker *w, int q, int runs)
{
    const clcnn_gemm_shape *s = &w->shapes[q];
    double best = -1.0;
    for (int r = 0; r < runs && !past_stop(w); r++) {
        double t0 = clcnn_now_seconds();
        if (gemm(w, s) != CLBlastSuccess || clFinish(w->queue) != CL_SUCCESS)
            return -1.0;
        double dt = clcnn_now_seconds() - t0;
        if (best < 0 || dt < best)
            best = dt;
    }
    return best;
}

/* One candidate: DONE with per-shape times, or FAIL with the reason. Returns
 * its total time (0 on failure). */
static double run_candidate(worker *w, int index, double best_total)
{
    const clcnn_tune_options *o = w->job->opts;
    const clcnn_tune_set *set = &w->job->candidates[index];
    char why[400];
    send(w, TUNE_MSG_BEGIN, index, 0, 0, NULL);
    if (clcnn_cl_tune_apply(w->device, set) != CLCNN_OK) {
        send(w, TUNE_MSG_FAIL, index, 0, 0, clcnn_last_error());
        return 0;
    }
    int runs = o->quick ? 2 : 3;
    double total = 0;
    for (int q = 0; q < o->shape_count; q++) {
        if (past_stop(w)) {
            send(w, TUNE_MSG_FAIL, index, q, 0, "the time budget ran out");
            return 0;
        }
        const char *bad = check_shape(w, q, why, sizeof why);
        double t = bad ? -1.0 : time_shape(w, q, runs);
        if (bad || t < 0) {
            send(w, TUNE_MSG_FAIL, index, q, 0,
                 bad                ? bad
                 : past_stop(w) ? "the time budget ran out"
                                    : "CLBlastSgemm failed while timing");
            return 0;
        }
        send(w, TUNE_MSG_SHAPE, index, q, t, NULL);
        total += t * o->shapes[q].calls;
        if (best_total > 0 && total > 3 * best_total) {
            send(w, TUNE_MSG_FAIL, index, q, 0, "too slow (over 3 times the best so far)");
            return 0;
        }
    }
    send(w, TUNE_MSG_DONE, index, 0, total, NULL);
    return total;
}

int clcnn_tune_worker(const tune_job *job, int first, int fd)
{
    worker w;
    memset(&w, 0, sizeof w);
    w.job = job;
    w.fd = fd;
    tune_msg m;
    memset(&m, 0, sizeof m);
    m.kind = TUNE_MSG_DEVICE;
    const char *why = open_device(&w, &m.u.opened.info, &m.u.opened.space);
    if (why) {
        send(&w, TUNE_MSG_FATAL, first, 0, 0, why);
        return 1;
    }
    if (write(fd, &m, sizeof m) != (ssize_t)sizeof m)
        return 3;
    double best[TUNE_PATHS];
    memcpy(best, job->best_total_s, sizeof best);
    for (int i = first; i < job->candidate_count; i++) {
        if ((job->deadline_s > 0 && clcnn_now_seconds() > job->deadline_s) || past_stop(&w))
            break; /* the time budget is spent */
        int path = clcnn_tune_set_path(&job->candidates[i]);
        double bound = best[path];
        for (int p = 0; p < TUNE_PATHS && path == TUNE_PATH_DEFAULTS; p++)
            if (best[p] > 0 && (bound <= 0 || best[p] < bound))
                bound = best[p];
        double total = run_candidate(&w, i, bound);
        if (total > 0 && (best[path] <= 0 || total < best[path]))
            best[path] = total;
    }
    /* The process exits right after: the OS frees the rest. */
    clReleaseMemObject(w.a);
    clReleaseMemObject(w.b);
    clReleaseMemObject(w.c);
    return 0;
}
