/* clcnn check: every op, then one whole training step, on a device against
 * the CPU reference (the library's clcnn/check.h does the work). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_json.h"
#include "clcnn/check.h"
#include "clcnn/device.h"
#include "cli/cli_args.h"
#include "cli/commands.h"

/* Failed cases named in a device's summary line before "...". */
#define SUMMARY_NAMES 4

static void help(void)
{
    printf("usage: clcnn check [--device SPEC|all] [--quick] [--model M] [--batch N]\n"
           "                   [--json FILE] [--no-cache]\n\n"
           "Runs every op of the OpenCL backend, forward and backward, at several shapes on\n"
           "the device and on the CPU reference from the same random inputs, and prints one\n"
           "line per op and shape: PASS or FAIL, the normalized error\n"
           "sqrt(sum (dev - ref)^2 / sum ref^2) and the tolerance it must stay within.\n"
           "Then one whole training step (forward, softmax loss, backward) of a network\n"
           "on both, from the same parameters and batch, compares the logits, the loss\n"
           "and every parameter's gradient. A summary line per device names the failed\n"
           "ops and shapes. The outcome is recorded in the cache folder, where `clcnn\n"
           "train` and `clcnn devices` read it.\n\n"
           "options:\n"
           "  --device SPEC   device index or name substring (default: $CLCNN_DEVICE, else\n"
           "                  the best device, marked in clcnn devices); 'all': every device\n"
           "  --quick         a quick subset of the shapes (seconds), plus the step\n"
           "  --model M       network of the training step: preset or model file\n"
           "                  (default cifar)\n"
           "  --batch N       images in the training step (default %d)\n"
           "  --json FILE     also write every result (name, error, tolerance, pass) as JSON\n"
           "  --no-cache      leave the cache folder alone: no built kernels, check records\n"
           "                  or tuning are read or written (same as CLCNN_CACHE_DIR= )\n\n"
           "Exit status: 0 when every check passes, 1 when one fails or a device cannot be\n"
           "opened, 2 on bad usage.\n",
           CLCNN_CHECK_STEP_BATCH);
}

typedef struct check_args {
    const char *device, *model, *json;
    int quick, batch, no_cache, help;
} check_args;

static int parse_args(int argc, char **argv, check_args *a)
{
    cli_parser p;
    cli_parser_init(&p, "check", argc, argv);
    while (cli_more(&p)) {
        const char *v;
        if (cli_flag(&p, "--help") || cli_flag(&p, "-h"))
            a->help = 1;
        else if (cli_option(&p, "--device", &v))
            a->device = v;
        else if (cli_flag(&p, "--quick"))
            a->quick = 1;
        else if (cli_option(&p, "--model", &v))
            a->model = v;
        else if (cli_option(&p, "--batch", &v))
            cli_int(&p, "--batch", v, 1, 4096, &a->batch);
        else if (cli_option(&p, "--json", &v))
            a->json = v;
        else if (cli_flag(&p, "--no-cache"))
            a->no_cache = 1;
        else
            cli_unknown(&p);
    }
    return !p.failed;
}

static void print_result(const clcnn_check_result *r, void *user)
{
    (void)user;
    printf("  %s  %-9.3g <= %-7.3g %s%s%s\n", r->passed ? "PASS" : "FAIL", r->error, r->tolerance,
           r->name, r->detail[0] ? ": " : "", r->detail);
    fflush(stdout);
}

/* One device's outcome, kept for the JSON file. */
typedef struct device_check {
    clcnn_device_info info;
    int opened;            /* 0: the backend could not be created */
    char error[1024];      /* why not */
    clcnn_check_report report;
} device_check;

static void print_summary(const device_check *dc)
{
    const clcnn_check_report *r = &dc->report;
    if (!dc->opened) {
        printf("device %d (%s): FAIL: cannot be opened: %s\n", dc->info.index, dc->info.name,
               dc->error);
        return;
    }
    if (r->failures == 0) {
        printf("device %d (%s): PASS: all %d checks passed\n", dc->info.index, dc->info.name,
               r->count);
        return;
    }
    printf("device %d (%s): FAIL: %d of %d checks failed:", dc->info.index, dc->info.name,
           r->failures, r->count);
    int named = 0;
    for (int i = 0; i < r->count && named < SUMMARY_NAMES; i++)
        if (!r->results[i].passed)
            printf("%s %s", named++ ? ";" : "", r->results[i].name);
    printf("%s\n", r->failures > named ? "; ..." : "");
}

/* Check one device; returns 0 when it passed. */
static int check_one(const check_args *a, const clcnn_model_spec *spec, clcnn_backend *ref,
                     const char *spec_text, device_check *dc)
{
    clcnn_backend *dev = NULL;
    if (clcnn_backend_cl_create(spec_text, &dev) != CLCNN_OK) {
        snprintf(dc->error, sizeof dc->error, "%s", clcnn_last_error());
        print_summary(dc);
        return 1;
    }
    dc->opened = 1;
    dc->info = *clcnn_backend_cl_device(dev);
    printf("device %d: %s (%s), driver %s: %s check against the CPU reference\n",
           dc->info.index, dc->info.name, dc->info.platform, dc->info.driver_version,
           a->quick ? "quick" : "full");
    fflush(stdout);
    clcnn_check_options opts = {.quick = a->quick, .spec = spec, .batch = a->batch,
                                .on_result = print_result};
    clcnn_status st = clcnn_check_device(dev, ref, &opts, &dc->report);
    if (st == CLCNN_OK)
        clcnn_check_record_save(&dc->info, a->quick, &dc->report);
    clcnn_backend_destroy(dev);
    if (st != CLCNN_OK) {
        fprintf(stderr, "clcnn check: %s\n", clcnn_last_error());
        return 1;
    }
    print_summary(dc);
    return dc->report.failures != 0;
}

static int write_json(const char *path, const check_args *a, const device_check *dcs, int count)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror("clcnn check: --json");
        return 1;
    }
    fprintf(f, "{\"clcnn\": \"%s\", \"quick\": %s, \"devices\": [", CLCNN_VERSION,
            a->quick ? "true" : "false");
    for (int d = 0; d < count; d++) {
        const device_check *dc = &dcs[d];
        fprintf(f, "%s\n {\"index\": %d, \"name\": ", d ? "," : "", dc->info.index);
        json_string(f, dc->info.name);
        fputs(", \"driver\": ", f);
        json_string(f, dc->info.driver_version);
        fprintf(f, ", \"pass\": %s, \"failures\": %d",
                dc->opened && dc->report.failures == 0 ? "true" : "false", dc->report.failures);
        if (!dc->opened) {
            fputs(", \"error\": ", f);
            json_string(f, dc->error);
        }
        fputs(", \"cases\": [", f);
        for (int i = 0; i < dc->report.count; i++) {
            const clcnn_check_result *r = &dc->report.results[i];
            fprintf(f, "%s\n  {\"name\": ", i ? "," : "");
            json_string(f, r->name);
            fputs(", \"error\": ", f);
            json_number(f, r->error);
            fputs(", \"tolerance\": ", f);
            json_number(f, r->tolerance);
            fprintf(f, ", \"pass\": %s", r->passed ? "true" : "false");
            if (r->detail[0]) {
                fputs(", \"detail\": ", f);
                json_string(f, r->detail);
            }
            fputc('}', f);
        }
        fputs("]}", f);
    }
    fputs("\n]}\n", f);
    if (fclose(f) != 0) {
        perror("clcnn check: --json");
        return 1;
    }
    return 0;
}

/* The devices to check: every one for "all", else the one spec selects. */
static int select_devices(const char *spec, clcnn_device_info *list, int count,
                          device_check **out, int *n)
{
    int all = spec && strcmp(spec, "all") == 0, index = -1;
    if (!all && clcnn_device_select(spec, list, count, &index) != CLCNN_OK) {
        fprintf(stderr, "clcnn check: %s\n", clcnn_last_error());
        return 1;
    }
    *n = all ? count : 1;
    *out = calloc((size_t)*n, sizeof **out);
    if (!*out) {
        fprintf(stderr, "clcnn check: out of memory\n");
        return 1;
    }
    for (int i = 0; i < *n; i++)
        (*out)[i].info = list[all ? i : index];
    return 0;
}

static int check_devices(const check_args *a, const clcnn_model_spec *spec)
{
    clcnn_device_info *list = NULL;
    int count = 0;
    if (clcnn_devices_list(&list, &count) != CLCNN_OK || count == 0) {
        fprintf(stderr, "clcnn check: %s\n",
                count == 0 ? "no OpenCL device found" : clcnn_last_error());
        free(list);
        return 1;
    }
    device_check *dcs = NULL;
    int n = 0, status = select_devices(a->device, list, count, &dcs, &n);
    free(list);
    clcnn_backend *ref = NULL;
    if (status == 0 && !cli_open_backend("check", 1, NULL, &ref))
        status = 1;
    for (int i = 0; ref && i < n; i++) {
        char index[16];
        snprintf(index, sizeof index, "%d", dcs[i].info.index);
        status |= check_one(a, spec, ref, index, &dcs[i]);
    }
    if (ref && a->json)
        status |= write_json(a->json, a, dcs, n);
    clcnn_backend_destroy(ref);
    for (int i = 0; i < n; i++)
        clcnn_check_report_free(&dcs[i].report);
    free(dcs);
    return status;
}

int cmd_check(int argc, char **argv)
{
    check_args a;
    memset(&a, 0, sizeof a);
    if (!parse_args(argc, argv, &a))
        return 2;
    if (a.help) {
        help();
        return 0;
    }
    if (a.no_cache)
        setenv("CLCNN_CACHE_DIR", "", 1);
    clcnn_model_spec spec;
    if (clcnn_model_spec_resolve(a.model ? a.model : "cifar", &spec) != CLCNN_OK) {
        fprintf(stderr, "clcnn check: --model: %s\n", clcnn_last_error());
        return 2;
    }
    return check_devices(&a, &spec);
}
