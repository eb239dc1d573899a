/* Per-op timing: every op case of a row on its own, on the reference (wall
 * time: it computes synchronously) and on the OpenCL device (wall time from
 * enqueue to the end of clFinish, and the kernels' own time from OpenCL event
 * profiling). */
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "clcnn/device.h"

/* Seed of the op cases' random inputs (any: timing does not depend on it). */
#define BENCH_CASE_SEED 1u

typedef struct case_timing {
    bench_stat wall_ms, kernel_ms;
    double bytes; /* read and written by one run (clcnn_op_run_bytes) */
} case_timing;

/* One timed run: exec, then wait; kernel time when profiling. */
static clcnn_status run_once(clcnn_op_run *run, clcnn_backend *be, int profile, double *wall_ms,
                             double *kernel_ms)
{
    clcnn_status st = profile ? clcnn_backend_cl_profile_begin(be) : CLCNN_OK;
    double t0 = clcnn_now_seconds();
    if (st == CLCNN_OK)
        st = clcnn_op_run_exec(run);
    if (st == CLCNN_OK)
        st = clcnn_backend_finish(be);
    *wall_ms = (clcnn_now_seconds() - t0) * 1e3;
    double ns = 0;
    if (profile) { /* always stop recording, even after a failure */
        clcnn_status end = clcnn_backend_cl_profile_end(be, &ns);
        if (st == CLCNN_OK)
            st = end;
    }
    *kernel_ms = ns * 1e-6;
    return st;
}

/* Create cs on be, run it opt->warmup times untimed, then opt->iters timed. */
static clcnn_status time_case(const clcnn_op_case *cs, clcnn_backend *be, int profile,
                              const bench_options *opt, case_timing *out)
{
    memset(out, 0, sizeof *out);
    double *wall = malloc(2 * (size_t)opt->iters * sizeof *wall);
    if (!wall)
        return clcnn_fail(CLCNN_ERR_NOMEM, "bench: out of memory");
    double *kernel = wall + opt->iters;
    clcnn_op_run *run = NULL;
    clcnn_status st = clcnn_op_run_create(cs, be, BENCH_CASE_SEED, &run);
    if (st == CLCNN_OK) {
        out->bytes = clcnn_op_run_bytes(run);
        st = clcnn_backend_finish(be); /* the inputs' uploads are not the op's time */
    }
    for (int i = -opt->warmup; st == CLCNN_OK && i < opt->iters; i++) {
        double w, k;
        st = run_once(run, be, profile, &w, &k);
        if (i >= 0) {
            wall[i] = w;
            kernel[i] = k;
        }
    }
    clcnn_op_run_destroy(run);
    if (st == CLCNN_OK) {
        out->wall_ms = bench_stat_of(wall, opt->iters);
        out->kernel_ms = bench_stat_of(kernel, opt->iters);
    } else {
        char name[96];
        clcnn_op_case_name(cs, name, sizeof name);
        clcnn_fail_context(st, "timing %s on %s: ", name, be->name);
    }
    free(wall);
    return st;
}

/* Append the sub-row of case cs (run repeat times a pass) of the row just
 * timed: its share of the pass, moving bytes. */
static clcnn_status add_case_row(bench_rows *out, const clcnn_op_case *cs, int repeat,
                                 const bench_timing *share, double bytes)
{
    bench_row *g = bench_rows_add(out);
    if (!g)
        return CLCNN_ERR_NOMEM;
    char name[96];
    clcnn_op_case_name(cs, name, sizeof name);
    snprintf(g->label, sizeof g->label, repeat > 1 ? "  %s (%d runs)" : "  %s", name, repeat);
    g->is_sub = 1;
    g->is_gemm = cs->op == CLCNN_OP_GEMM;
    if (g->is_gemm)
        g->flops = 2.0 * cs->gemm.m * cs->gemm.n * cs->gemm.k * repeat;
    g->bytes = bytes;
    g->n_cases = 1;
    g->cases[0] = *cs;
    g->repeat[0] = repeat;
    g->t = *share;
    return CLCNN_OK;
}

/* Time one plan row on the given backends into out: the row, then, when it
 * runs a GEMM, a sub-row per op (GEMMs take the next entries of *untuned
 * when that is not NULL). */
static clcnn_status time_row(const bench_row *plan_row, clcnn_backend *const *backends,
                             const bench_options *opt, const bench_stat **untuned,
                             bench_rows *out)
{
    bench_row *row = bench_rows_add(out);
    if (!row)
        return CLCNN_ERR_NOMEM;
    *row = *plan_row;
    int index = out->count - 1; /* rows may move as sub-rows are appended */
    for (int c = 0; c < plan_row->n_cases; c++)
        if (plan_row->cases[c].op == CLCNN_OP_GEMM)
            row->has_gemm = 1;
    for (int c = 0; c < plan_row->n_cases; c++) {
        const clcnn_op_case *cs = &plan_row->cases[c];
        int repeat = plan_row->repeat[c];
        case_timing t[BENCH_PATHS];
        int has[BENCH_PATHS] = {0, 0};
        memset(t, 0, sizeof t);
        for (int p = 0; p < BENCH_PATHS; p++) {
            if (!backends[p])
                continue;
            clcnn_status st = time_case(cs, backends[p], p == BENCH_CL, opt, &t[p]);
            if (st != CLCNN_OK)
                return clcnn_fail_context(st, "%s: ", plan_row->label);
            has[p] = 1;
        }
        /* the case's share of one pass: repeat runs */
        bench_timing share;
        memset(&share, 0, sizeof share);
        for (int p = 0; p < BENCH_PATHS; p++) {
            share.has[p] = has[p];
            share.wall[p] = bench_stat_scale(t[p].wall_ms, repeat);
        }
        share.cl_kernel = bench_stat_scale(t[BENCH_CL].kernel_ms, repeat);
        double bytes = (has[BENCH_CL] ? t[BENCH_CL] : t[BENCH_REF]).bytes * repeat;
        row = &out->rows[index];
        row->bytes += bytes;
        for (int p = 0; p < BENCH_PATHS; p++) {
            if (!has[p])
                continue;
            row->t.has[p] = 1;
            row->t.wall[p] = bench_stat_add(row->t.wall[p], share.wall[p]);
        }
        row->t.cl_kernel = bench_stat_add(row->t.cl_kernel, share.cl_kernel);
        if (!row->has_gemm)
            continue;
        clcnn_status st = add_case_row(out, cs, repeat, &share, bytes);
        if (st != CLCNN_OK)
            return st;
        if (cs->op == CLCNN_OP_GEMM && *untuned) {
            out->rows[out->count - 1].has_untuned = 1;
            out->rows[out->count - 1].cl_untuned = bench_stat_scale(*(*untuned)++, repeat);
        }
    }
    return CLCNN_OK;
}

clcnn_status bench_ops_time_gemms(const bench_rows *plan, clcnn_backend *be,
                                  const bench_options *opt, bench_stat **times, int *count)
{
    *count = 0;
    *times = malloc((size_t)(plan->count * BENCH_ROW_CASES) * sizeof **times);
    if (!*times)
        return clcnn_fail(CLCNN_ERR_NOMEM, "bench: out of memory");
    for (int i = 0; i < plan->count; i++) {
        for (int c = 0; c < plan->rows[i].n_cases; c++) {
            const clcnn_op_case *cs = &plan->rows[i].cases[c];
            if (cs->op != CLCNN_OP_GEMM)
                continue;
            case_timing t;
            clcnn_status st = time_case(cs, be, 0, opt, &t);
            if (st != CLCNN_OK)
                return st;
            (*times)[(*count)++] = t.wall_ms;
            char name[96];
            clcnn_op_case_name(cs, name, sizeof name);
            bench_progress("untuned %s: cl %.3f ms", name, t.wall_ms.median);
        }
    }
    return CLCNN_OK;
}

clcnn_status bench_ops_run(const bench_rows *plan, clcnn_backend *ref, clcnn_backend *cl,
                           const bench_options *opt, const bench_stat *untuned,
                           bench_rows *out)
{
    clcnn_backend *backends[BENCH_PATHS] = {ref, cl};
    for (int i = 0; i < plan->count; i++) {
        int first = out->count;
        clcnn_status st = time_row(&plan->rows[i], backends, opt, &untuned, out);
        if (st != CLCNN_OK)
            return st;
        const bench_timing *t = &out->rows[first].t;
        if (!plan->rows[i].n_cases)
            bench_progress("ops %d/%d: %s", i + 1, plan->count, plan->rows[i].label);
        else if (t->has[BENCH_REF])
            bench_progress("ops %d/%d: %s: ref %.3f ms, cl %.3f ms (kernels %.3f ms)", i + 1,
                           plan->count, plan->rows[i].label, t->wall[BENCH_REF].median,
                           t->wall[BENCH_CL].median, t->cl_kernel.median);
        else
            bench_progress("ops %d/%d: %s: cl %.3f ms (kernels %.3f ms)", i + 1, plan->count,
                           plan->rows[i].label, t->wall[BENCH_CL].median, t->cl_kernel.median);
    }
    return CLCNN_OK;
}
