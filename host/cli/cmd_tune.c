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
    printf("usage: clcnn tune [--device SPEC] [--model PRESET|FILE] [--batch N] [--quick]\n"
           "                  [--budget SECONDS] [--timeout S] [--shape \"NN MxNxK\"]...\n\n"
           "Searches CLBlast's GEMM kernel parameters for the device, on the GEMM shapes of\n"
           "one training step of the model at the batch size. CLBlast's own defaults run\n"
           "first; then candidates derived from what the device reports (its preferred and\n"
           "native float vector widths, work-group limits, local memory and cache size);\n"
           "then, round after round, the neighbours of the best sets so far (one parameter\n"
           "a step up or down), until the time budget is spent or no untried neighbour is\n"
           "left. Each candidate's result is checked against a double-precision product,\n"
           "each is timed, and the fastest per GEMM class (NN, NT, TN, TT as the layer asks,\n"
           "each again for narrow GEMMs of at most 32 result rows and for deep ones, whose\n"
           "k is at least 4 times the result's larger side: the weight gradients) is stored\n"
           "in the cache folder (~/.cache/clcnn/tuning, CLCNN_CACHE_DIR) for this device,\n"
           "driver and CLBlast version. Every later `clcnn train`, `eval`, `check` or\n"
           "`bench` on the device applies it (CLCNN_TUNING=0 ignores it). Candidates run in\n"
           "child processes: one that crashes the OpenCL compiler or hangs is skipped.\n\n"
           "  --device SPEC   OpenCL device: index or name substring (default: $CLCNN_DEVICE,\n"
           "                  else the best one: see clcnn devices)\n"
           "  --model M       a preset (see below) or a model file (default cifar)\n"
           "  --batch N       images per step (default 128; %d with --quick)\n"
           "  --shape \"NN MxNxK\"  tune for this GEMM (row-major, NN, NT, TN or TT, as\n"
           "                  printed below) instead of the model's; repeatable; the file\n"
           "                  stored then serves these shapes\n"
           "  --quick         fewer first candidates and timing runs, at most 16\n"
           "                  candidates and a %.0f s budget (at most %.0f s of search)\n"
           "  --budget S      start no candidate after S seconds (default %.0f; %.0f with\n"
           "                  --quick); the one running then may take a quarter more\n"
           "  --timeout S     give up on a candidate after S seconds without progress\n"
           "                  (default 120; once candidates have finished, 4 times the\n"
           "                  longest of them, at least 20 s, where that is shorter)\n",
           QUICK_BATCH, CLCNN_TUNE_QUICK_BUDGET_S, CLCNN_TUNE_QUICK_BUDGET_S * 1.25,
           CLCNN_TUNE_BUDGET_S, CLCNN_TUNE_QUICK_BUDGET_S);
    cli_print_presets();
}

/* "NN 64x32768x800" as `clcnn tune` prints shapes; 0 (with a message) when
 * it is not one. */
static int parse_shape(cli_parser *p, const char *text, clcnn_gemm_shape *s)
{
    char ta = 0, tb = 0, extra;
    int m = 0, n = 0, k = 0;
    if (sscanf(text, " %c%c %dx%dx%d %c", &ta, &tb, &m, &n, &k, &extra) != 5 ||
        (ta != 'N' && ta != 'T') || (tb != 'N' && tb != 'T') || m < 1 || n < 1 || k < 1) {
        cli_error(p, "--shape '%s': expected \"NN|NT|TN|TT MxNxK\" with sizes >= 1", text);
        return 0;
    }
    *s = (clcnn_gemm_shape){ta == 'T', tb == 'T', m, n, k, 1};
    return 1;
}

static void print_line(const char *line, void *user)
{
    const time_t *start = user;
    printf("[%4.0fs] %s\n", difftime(time(NULL), *start), line);
    fflush(stdout);
}

/* "   12.3" or "      -" when not measured (abandoned as too slow, or cut
 * by the budget). */
static void print_rate(double flop, double seconds, int width)
{
    if (seconds > 0)
        printf(" %*.1f", width, flop / seconds * 1e-9);
    else
        printf(" %*s", width, "-");
}

static void print_table(const clcnn_gemm_shape *shapes, int count, const clcnn_tune_report *r)
{
    printf("\n%-22s %6s %14s %14s %8s\n", "GEMM (m x n x k)", "calls", "default GF/s",
           "tuned GF/s", "speedup");
    double total_default = 0, total_tuned = 0;
    int all_default = 1;
    for (int q = 0; q < count; q++) {
        const clcnn_gemm_shape *s = &shapes[q];
        double flop = 2.0 * s->m * s->n * s->k;
        double d = r->default_s[q], t = r->tuned_s[q];
        char name[64];
        clcnn_gemm_shape_name(s, name, sizeof name);
        printf("%-22s %6d", name, s->calls);
        print_rate(flop, d, 14);
        print_rate(flop, t, 14);
        if (d > 0 && t > 0)
            printf(" %7.2fx\n", d / t);
        else
            printf(" %8s\n", "-");
        all_default &= d > 0;
        total_default += d * s->calls;
        total_tuned += t * s->calls;
    }
    if (all_default)
        printf("GEMM time per step: %.1f ms with CLBlast's defaults, %.1f ms tuned\n",
               total_default * 1e3, total_tuned * 1e3);
    else
        printf("GEMM time per step: %.1f ms tuned (CLBlast's defaults: not measured on every "
               "shape)\n", total_tuned * 1e3);
}

int cmd_tune(int argc, char **argv)
{
    const char *device = NULL, *model = "cifar";
    clcnn_gemm_shape shapes[CLCNN_TUNE_MAX_SHAPES];
    int batch = 0, quick = 0, given = 0;
    double timeout = 0, budget = 0;
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
        } else if (cli_option(&p, "--budget", &v)) {
            cli_real(&p, "--budget", v, 0, 1, 7 * 86400, &budget);
        } else if (cli_option(&p, "--shape", &v)) {
            if (given == CLCNN_TUNE_MAX_SHAPES)
                cli_error(&p, "--shape: at most %d shapes", CLCNN_TUNE_MAX_SHAPES);
            else if (parse_shape(&p, v, &shapes[given]))
                given++;
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
    int count = given;
    if (!given && (clcnn_model_spec_resolve(model, &spec) != CLCNN_OK ||
                   clcnn_tune_model_shapes(&spec, batch, 0, shapes, CLCNN_TUNE_MAX_SHAPES,
                                           &count) != CLCNN_OK)) {
        fprintf(stderr, "clcnn tune: %s\n", clcnn_last_error());
        return 2;
    }
    time_t start = time(NULL);
    if (given)
        printf("tuning CLBlast GEMM for %d given GEMM shapes%s\n", count,
               quick ? " (quick)" : "");
    else
        printf("tuning CLBlast GEMM for model %s at batch %d: %d GEMM shapes%s\n", model, batch,
               count, quick ? " (quick)" : "");
    for (int q = 0; q < count; q++) {
        char name[64];
        clcnn_gemm_shape_name(&shapes[q], name, sizeof name);
        printf("%s%s", q ? ", " : "shapes: ", name);
    }
    printf("\n");
    clcnn_tune_options opts = {device, shapes,     count,  quick, 0,
                               timeout, print_line, &start, budget};
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
