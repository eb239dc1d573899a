/* clcnn bench: flags, the order of the parts, the exit status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "core/conv_plan.h"
#include "cli/cli_args.h"
#include "cli/cli_distributed.h"
#include "cli/commands.h"
#include "clcnn/device.h"

#define DEFAULT_BATCH 128
#define DEFAULT_ITERS 5
#define DEFAULT_WARMUP 1

static void help(void)
{
    printf("usage: clcnn bench [OPTIONS]\n\n"
           "Times the CPU reference backend (\"ref\", single-threaded plain C) against an\n"
           "OpenCL device (\"cl\") on the ops of a network at its shapes, and end to end.\n\n"
           "Per op: each layer's forward and backward pass (the ops it runs, each timed on\n"
           "its own at the layer's shapes and summed; below a row that runs a GEMM, each of\n"
           "its ops on a line of its own), the input normalization, the loss and the Adam\n"
           "step; on cl the wall time (enqueue to finish) and the kernels' time from OpenCL\n"
           "event profiling; ref/cl = speed-up of cl; GFLOP/s for every GEMM, and GB/s\n"
           "(bytes the ops read and write, over wall time) for every other op; then the\n"
           "step's breakdown: GEMMs, the ops around them (lowering, layout), the rest.\n"
           "End to end: training steps (upload of a synthetic uint8 batch, forward, loss,\n"
           "backward, Adam; no disk) and evaluation, in images/s on both paths; kernel\n"
           "launches and host<->device transfers per step; peak storage of the run.\n"
           "On a device with a tuned CLBlast set (clcnn tune), every GEMM is also timed\n"
           "with CLBlast's default parameters.\n"
           "Figures are medians of --iters runs after --warmup untimed ones, with min and\n"
           "max. Progress goes to stderr, the tables to stdout.\n\n"
           "  --device SPEC  OpenCL device (index or name substring; default: $CLCNN_DEVICE,\n"
           "                 else the best one: see clcnn devices)\n"
           "  --model M      a preset (see below) or a model file (default cifar)\n"
           "  --batch N      images per step (default %d)\n"
           "  --iters N      timed runs of each measurement (default %d)\n"
           "  --warmup N     untimed runs before them (default %d)\n"
           "  --json FILE    also write every figure to FILE as one JSON object\n"
           "  --ops-only     only the per-op table\n"
           "  --e2e-only     only the end-to-end table\n"
           "  --no-ref       time the OpenCL device only\n"
           "  --unfused      run every layer on its own ops: no activation inside the\n"
           "                 batchnorm before it (what the fusion saves, by comparison)\n\n"
           "Exit status: 0 done, 1 a device or op failed, 2 bad flags.\n",
           DEFAULT_BATCH, DEFAULT_ITERS, DEFAULT_WARMUP);
    cli_print_presets();
}

/* 1: go on, 0: stop with *status (help shown, or a bad flag). */
static int parse_args(int argc, char **argv, bench_options *o, int *status)
{
    cli_parser p;
    cli_parser_init(&p, "bench", argc, argv);
    int ops_only = 0, e2e_only = 0;
    while (cli_more(&p)) {
        const char *v;
        if (cli_flag(&p, "--help") || cli_flag(&p, "-h")) {
            help();
            *status = 0;
            return 0;
        } else if (cli_option(&p, "--device", &v)) {
            o->device = v;
        } else if (cli_option(&p, "--model", &v)) {
            o->model = v;
        } else if (cli_option(&p, "--batch", &v)) {
            cli_int(&p, "--batch", v, 1, 65536, &o->batch);
        } else if (cli_option(&p, "--iters", &v)) {
            cli_int(&p, "--iters", v, 1, 100000, &o->iters);
        } else if (cli_option(&p, "--warmup", &v)) {
            cli_int(&p, "--warmup", v, 0, 100000, &o->warmup);
        } else if (cli_option(&p, "--json", &v)) {
            o->json = v;
        } else if (cli_flag(&p, "--ops-only")) {
            ops_only = 1;
        } else if (cli_flag(&p, "--e2e-only")) {
            e2e_only = 1;
        } else if (cli_flag(&p, "--no-ref")) {
            o->ref = 0;
        } else if (cli_flag(&p, "--unfused")) {
            o->unfused = 1;
        } else {
            cli_unknown(&p);
        }
    }
    if (!p.failed && ops_only && e2e_only)
        cli_error(&p, "--ops-only and --e2e-only exclude each other");
    o->ops = !e2e_only;
    o->e2e = !ops_only;
    *status = 2;
    return !p.failed;
}

static int fail(void)
{
    fprintf(stderr, "clcnn bench: %s\n", clcnn_last_error());
    return 1;
}

/* The device spec selects, for its tuning state and allocation limit. */
static clcnn_status find_device(const char *spec, clcnn_device_info *info)
{
    clcnn_device_info *list = NULL;
    int count = 0, index = 0;
    clcnn_status st = clcnn_devices_list(&list, &count);
    if (st == CLCNN_OK)
        st = clcnn_device_select(spec, list, count, &index);
    if (st == CLCNN_OK)
        *info = list[index];
    free(list);
    return st;
}

/* GEMM times with CLBlast's defaults on a device that has a tuned set. The
 * set is found in the cache folder, so a backend opened with caching disabled
 * (CLCNN_CACHE_DIR set but empty; its kernels are then built from source)
 * runs the defaults. It is opened before the tuned backend because CLBlast
 * keeps parameter overrides per device for the rest of the process. */
static clcnn_status time_untuned_gemms(const bench_options *o, const bench_rows *plan,
                                       bench_stat **times)
{
    const char *env = getenv("CLCNN_CACHE_DIR");
    char *saved = env ? strdup(env) : NULL;
    if (env && !saved)
        return clcnn_fail(CLCNN_ERR_NOMEM, "bench: out of memory");
    bench_progress("GEMMs with CLBlast's default parameters (the device has a tuned set)");
    setenv("CLCNN_CACHE_DIR", "", 1);
    clcnn_backend *be = NULL;
    clcnn_status st = clcnn_backend_cl_create(o->device, &be);
    if (saved)
        setenv("CLCNN_CACHE_DIR", saved, 1);
    else
        unsetenv("CLCNN_CACHE_DIR");
    free(saved);
    int count = 0;
    if (st == CLCNN_OK)
        st = bench_ops_time_gemms(plan, be, o, times, &count);
    clcnn_backend_destroy(be);
    return st;
}

/* Everything after the flags: plan, backends, the parts, the report. */
static clcnn_status bench(const bench_options *o, const clcnn_model_spec *spec, bench_report *r,
                          bench_stat **untuned)
{
    clcnn_device_info info;
    clcnn_status st = find_device(o->device, &info);
    if (st != CLCNN_OK)
        return st;
    r->device_tuned = clcnn_device_is_tuned(&info);
    clcnn_backend *cl = NULL, *ref = NULL;
    st = clcnn_backend_cl_create(o->device, &cl);
    /* The convolutions' chunks as the network cuts them: the im2col budget
     * capped at the backend's largest allocation (which the test cap
     * CLCNN_MAX_ALLOC_MB lowers below the device's own). */
    size_t budget = CLCNN_DEFAULT_COL_BUDGET;
    unsigned long long max_alloc = cl ? clcnn_backend_max_alloc_bytes(cl) : 0;
    if (max_alloc && max_alloc < budget)
        budget = (size_t)max_alloc;
    bench_rows plan = {0};
    if (st == CLCNN_OK && o->ops)
        st = bench_plan(spec, o->batch, budget, o->unfused, &plan);
    if (st == CLCNN_OK && o->ops && r->device_tuned)
        st = time_untuned_gemms(o, &plan, untuned);
    if (st == CLCNN_OK && o->ref)
        st = clcnn_backend_ref_create(&ref);
    if (st == CLCNN_OK) {
        snprintf(r->device, sizeof r->device, "%s", info.name);
        cli_backend_describe(cl, r->device_line, sizeof r->device_line);
        bench_progress("%s, model %s, batch %d, %d runs after %d warm-up", r->device_line,
                       o->model, o->batch, o->iters, o->warmup);
    }
    /* End to end first: the storage high-water mark is then the run's own.
     * cl before ref, so that a failing device shows before the long
     * reference run. */
    if (st == CLCNN_OK && o->e2e)
        st = bench_e2e_run(cl, spec, o, &r->e2e[BENCH_CL]);
    if (st == CLCNN_OK && o->e2e && ref)
        st = bench_e2e_run(ref, spec, o, &r->e2e[BENCH_REF]);
    if (st == CLCNN_OK && o->ops)
        st = bench_ops_run(&plan, ref, cl, o, *untuned, &r->ops);
    bench_rows_free(&plan);
    clcnn_backend_destroy(ref);
    clcnn_backend_destroy(cl);
    return st;
}

/* Under mpirun: rank 0's share of each training step and its gradient
 * exchange (the allreduce waits for the slowest rank too). */
static void print_ranks(const bench_report *r, FILE *out)
{
    for (int p = 0; p < BENCH_PATHS; p++) {
        const clcnn_dist_stats *d = &r->e2e[p].dist;
        if (!r->e2e[p].measured || d->size < 2 || d->steps == 0)
            continue;
        fprintf(out, "data-parallel %s: %d ranks, %d images per rank per step: train %.1f "
                "images/s per rank; allreduce of %.2f MB per step: %.2f ms mean (waits for "
                "the slowest rank), %.2f ms fastest; with the gradients' download and "
                "upload: %.2f ms mean\n", p == BENCH_CL ? "cl" : "ref", d->size,
                d->local_batch, r->e2e[p].train_images_per_s.median, d->bytes_per_step / 1e6,
                1e3 * d->reduce_seconds / d->steps, 1e3 * d->reduce_min_seconds,
                1e3 * d->sync_seconds / d->steps);
    }
}

static int run(const bench_options *o, const clcnn_model_spec *spec)
{
    bench_report r;
    memset(&r, 0, sizeof r);
    r.opt = o;
    snprintf(r.model, sizeof r.model, "%s", o->model);
    bench_stat *untuned = NULL;
    clcnn_status st = bench(o, spec, &r, &untuned);
    if (st == CLCNN_OK && (!o->comm || o->comm->rank == 0)) { /* rank 0 reports */
        bench_report_print(&r, stdout);
        print_ranks(&r, stdout);
        if (o->json)
            st = bench_report_write_json(&r, o->json);
    }
    int status = st == CLCNN_OK ? 0 : fail();
    bench_rows_free(&r.ops);
    free(untuned);
    return status;
}

int cmd_bench(int argc, char **argv)
{
    bench_options o;
    memset(&o, 0, sizeof o);
    o.model = "cifar";
    o.batch = DEFAULT_BATCH;
    o.iters = DEFAULT_ITERS;
    o.warmup = DEFAULT_WARMUP;
    o.ref = 1;
    int status = 0;
    if (!parse_args(argc, argv, &o, &status))
        return status;
    clcnn_model_spec spec;
    if (clcnn_model_spec_resolve(o.model, &spec) != CLCNN_OK) {
        fprintf(stderr, "clcnn bench: --model: %s\n", clcnn_last_error());
        return 2;
    }
    cli_dist dist; /* under mpirun: the ranks share each training step */
    if ((status = cli_dist_begin("bench", &dist)) != 0)
        return status;
    char rank_device[32];
    o.device = cli_dist_device(&dist, o.device, rank_device, sizeof rank_device);
    o.comm = dist.comm;
    return cli_dist_end(&dist, "bench", run(&o, &spec));
}
