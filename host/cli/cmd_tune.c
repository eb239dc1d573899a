/* clcnn tune: search CLBlast GEMM parameters for a device and a network's
 * GEMM shapes, and store the best (host/cl/cl_tune.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cl/cl_tune.h"
#include "cli/cli_args.h"
#include "cli/commands.h"

#define QUICK_BATCH 32

static void help(void)
{
    printf("usage: clcnn tune [--device SPEC] [--model PRESET|FILE] [--batch N] [--quick]\n\n"
           "Searches CLBlast's GEMM kernel parameters for the device (a grid of candidates\n"
           "around a set that suits CPUs, plus CLBlast's own defaults), on the GEMM shapes\n"
           "of one training step of the model at the batch size: each candidate's result is\n"
           "checked against a double-precision product, each is timed, and the fastest per\n"
           "GEMM transpose class is stored in the cache folder (~/.cache/clcnn/tuning,\n"
           "CLCNN_CACHE_DIR) for this device, driver and CLBlast version. Every later\n"
           "`clcnn train`, `eval`, `check` or `bench` on the device applies it\n"
           "(CLCNN_TUNING=0 ignores it). Candidates run in child processes: one that\n"
           "crashes the OpenCL compiler or hangs is skipped.\n\n"
           "  --device SPEC   OpenCL device: index or name substring (default: $CLCNN_DEVICE,\n"
           "                  else the first GPU, else device 0)\n"
           "  --model M       preset (cifar, lenet, small, gradcheck) or model file\n"
           "                  (default cifar)\n"
           "  --batch N       images per step (default 128; %d with --quick)\n"
           "  --quick         fewer candidates and timing runs (well under a minute on an\n"
           "                  idle machine)\n"
           "  --timeout S     give up on a candidate after S seconds (default 120)\n",
           QUICK_BATCH);
}

static void print_line(const char *line, void *user)
{
    const time_t *start = user;
    printf("[%4.0fs] %s\n", difftime(time(NULL), *start), line);
    fflush(stdout);
}

static void print_table(const clcnn_gemm_shape *shapes, int count, const clcnn_tune_report *r)
{
    printf("\n%-22s %6s %14s %14s %8s\n", "GEMM (m x n x k)", "calls", "default GF/s",
           "tuned GF/s", "speedup");
    double total_default = 0, total_tuned = 0;
    for (int q = 0; q < count; q++) {
        const clcnn_gemm_shape *s = &shapes[q];
        double flop = 2.0 * s->m * s->n * s->k;
        double d = r->default_s[q], t = r->tuned_s[q];
        char name[64];
        clcnn_gemm_shape_name(s, name, sizeof name);
        printf("%-22s %6d %14.1f %14.1f %7.2fx\n", name, s->calls, d > 0 ? flop / d * 1e-9 : 0,
               t > 0 ? flop / t * 1e-9 : 0, d > 0 && t > 0 ? d / t : 0);
        total_default += d * s->calls;
        total_tuned += t * s->calls;
    }
    printf("GEMM time per step: %.1f ms with CLBlast's defaults, %.1f ms tuned\n",
           total_default * 1e3, total_tuned * 1e3);
}

int cmd_tune(int argc, char **argv)
{
    const char *device = NULL, *model = "cifar";
    int batch = 0, quick = 0;
    double timeout = 0;
    cli_parser p;
    cli_parser_init(&p, "tune", argc, argv);
    while (cli_more(&p)) {
        const char *v;
        if (cli_flag(&p, "--help") || cli_flag(&p, "-h")) {
            help();
            return 0;
        } else if (cli_option(&p, "--device", &v)) {
            device = v;
        } else if (cli_option(&p, "--model", &v)) {
            model = v;
        } else if (cli_option(&p, "--batch", &v)) {
            cli_int(&p, "--batch", v, 1, 65536, &batch);
        } else if (cli_option(&p, "--timeout", &v)) {
            cli_real(&p, "--timeout", v, 0, 1, 86400, &timeout);
        } else if (cli_flag(&p, "--quick")) {
            quick = 1;
        } else if (!p.failed) {
            cli_unknown(&p);
        }
    }
    if (p.failed)
        return 2;
    if (batch == 0)
        batch = quick ? QUICK_BATCH : 128;
    clcnn_model_spec spec;
    clcnn_gemm_shape shapes[CLCNN_TUNE_MAX_SHAPES];
    int count = 0;
    if (clcnn_model_spec_resolve(model, &spec) != CLCNN_OK ||
        clcnn_tune_model_shapes(&spec, batch, 0, shapes, CLCNN_TUNE_MAX_SHAPES, &count) !=
            CLCNN_OK) {
        fprintf(stderr, "clcnn tune: %s\n", clcnn_last_error());
        return 2;
    }
    time_t start = time(NULL);
    printf("tuning CLBlast GEMM for model %s at batch %d: %d GEMM shapes%s\n", model, batch,
           count, quick ? " (quick)" : "");
    for (int q = 0; q < count; q++) {
        char name[64];
        clcnn_gemm_shape_name(&shapes[q], name, sizeof name);
        printf("%s%s", q ? ", " : "shapes: ", name);
    }
    printf("\n");
    clcnn_tune_options opts = {device, shapes, count, quick, 0, timeout, print_line, &start};
    clcnn_tune_report report;
    if (clcnn_tune_run(&opts, &report) != CLCNN_OK) {
        fprintf(stderr, "clcnn tune: %s\n", clcnn_last_error());
        return 1;
    }
    printf("\ndevice %d: %s (%s)\n", report.device.index, report.device.name,
           report.device.platform);
    print_table(shapes, count, &report);
    printf("%d candidates tried, %d skipped; %s\n", report.tried, report.failed,
           report.best.sets[0].count ? "tuned parameters stored in" :
           "CLBlast's defaults are the fastest; stored in");
    printf("  %s\n", report.path);
    return 0;
}
