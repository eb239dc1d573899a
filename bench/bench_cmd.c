/* clcnn bench: flags, the order of the parts, the exit status. */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "cli/cli_args.h"
#include "cli/commands.h"
#include "clcnn/device.h"

#define DEFAULT_BATCH 128
#define DEFAULT_ITERS 5
#define DEFAULT_WARMUP 1
/* The network's default im2col budget (clcnn_net_options). */
#define DEFAULT_COL_BUDGET ((size_t)256 << 20)

static void help(void)
{
    printf("usage: clcnn bench [OPTIONS]\n\n"
           "Times the CPU reference backend (\"ref\", single-threaded plain C) against an\n"
           "OpenCL device (\"cl\") on the ops of a network at its shapes, and end to end.\n\n"
           "Per op: each layer's forward and backward pass (the ops it runs, each timed on\n"
           "its own at the layer's shapes and summed), the input normalization, the loss and\n"
           "the Adam step; on cl the wall time (enqueue to finish) and the kernels' time from\n"
           "OpenCL event profiling; ref/cl = speed-up of cl; GFLOP/s for every GEMM.\n"
           "End to end: training steps (upload of a synthetic uint8 batch, forward, loss,\n"
           "backward, Adam; no disk) and evaluation, in images/s on both paths; kernel\n"
           "launches and host<->device transfers per step; peak storage of the run.\n"
           "Figures are medians of --iters runs after --warmup untimed ones, with min and\n"
           "max. Progress goes to stderr, the tables to stdout.\n\n"
           "  --device SPEC  OpenCL device (index or name substring; default: $CLCNN_DEVICE,\n"
           "                 else the first GPU, else device 0)\n"
           "  --model M      preset (cifar, lenet, small, gradcheck) or model file\n"
           "                 (default cifar)\n"
           "  --batch N      images per step (default %d)\n"
           "  --iters N      timed runs of each measurement (default %d)\n"
           "  --warmup N     untimed runs before them (default %d)\n"
           "  --json FILE    also write every figure to FILE as one JSON object\n"
           "  --ops-only     only the per-op table\n"
           "  --e2e-only     only the end-to-end table\n"
           "  --no-ref       time the OpenCL device only\n\n"
           "Exit status: 0 done, 1 a device or op failed, 2 bad flags.\n",
           DEFAULT_BATCH, DEFAULT_ITERS, DEFAULT_WARMUP);
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

/* The per-op part: plan the network's ops, time them on both paths. */
static clcnn_status run_ops(const clcnn_model_spec *spec, clcnn_backend *ref, clcnn_backend *cl,
                            bench_report *r)
{
    size_t budget = DEFAULT_COL_BUDGET;
    const clcnn_device_info *d = clcnn_backend_cl_device(cl);
    if (d->max_alloc_bytes && d->max_alloc_bytes < budget) /* as the network caps it */
        budget = (size_t)d->max_alloc_bytes;
    bench_rows plan = {0};
    clcnn_status st = bench_plan(spec, r->opt->batch, budget, &plan);
    if (st == CLCNN_OK)
        st = bench_ops_run(&plan, ref, cl, r->opt, &r->ops);
    bench_rows_free(&plan);
    return st;
}

/* The end-to-end part on each path; cl first, so that a failing device shows
 * before the long reference run. */
static clcnn_status run_e2e(const clcnn_model_spec *spec, clcnn_backend *ref, clcnn_backend *cl,
                            bench_report *r)
{
    clcnn_status st = bench_e2e_run(cl, spec, r->opt, &r->e2e[BENCH_CL]);
    if (st == CLCNN_OK && ref)
        st = bench_e2e_run(ref, spec, r->opt, &r->e2e[BENCH_REF]);
    return st;
}

static int run(const bench_options *o, const clcnn_model_spec *spec, clcnn_backend *cl)
{
    bench_report r;
    memset(&r, 0, sizeof r);
    r.opt = o;
    snprintf(r.model, sizeof r.model, "%s", o->model);
    const clcnn_device_info *d = clcnn_backend_cl_device(cl);
    snprintf(r.device, sizeof r.device, "%s", d->name);
    cli_backend_describe(cl, r.device_line, sizeof r.device_line);
    bench_progress("%s, model %s, batch %d, %d runs after %d warm-up", r.device_line, o->model,
                   o->batch, o->iters, o->warmup);
    clcnn_backend *ref = NULL;
    clcnn_status st = o->ref ? clcnn_backend_ref_create(&ref) : CLCNN_OK;
    /* End to end first: the storage high-water mark is then the run's own. */
    if (st == CLCNN_OK && o->e2e)
        st = run_e2e(spec, ref, cl, &r);
    if (st == CLCNN_OK && o->ops)
        st = run_ops(spec, ref, cl, &r);
    if (st == CLCNN_OK) {
        bench_report_print(&r, stdout);
        if (o->json)
            st = bench_report_write_json(&r, o->json);
    }
    int status = st == CLCNN_OK ? 0 : fail();
    bench_rows_free(&r.ops);
    clcnn_backend_destroy(ref);
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
    clcnn_backend *cl = NULL;
    if (clcnn_backend_cl_create(o.device, &cl) != CLCNN_OK)
        return fail();
    status = run(&o, &spec, cl);
    clcnn_backend_destroy(cl);
    return status;
}
