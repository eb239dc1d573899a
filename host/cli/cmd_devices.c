/* clcnn devices: every OpenCL platform and device, the default marked. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clcnn/check.h"
#include "clcnn/device.h"
#include "cli/commands.h"

static void help(void)
{
    printf("usage: clcnn devices\n\n"
           "Lists every OpenCL platform and device with its index, type, compute units,\n"
           "global and local memory, maximum allocation, maximum work-group size and OpenCL\n"
           "version, and the kernel shape clcnn takes there: GPU (one element per\n"
           "work-item, work-groups of 256, CLBlast's own transposes) or CPU; a device\n"
           "takes its type's unless CLCNN_DEVICE_SHAPE=gpu or =cpu says otherwise.\n"
           "A platform that lists no device (Mesa's Clover; rusticl without\n"
           "RUSTICL_ENABLE) gets one line: 'platform N: NAME: no device'.\n"
           "'*' marks the device used when no --device / CLCNN_DEVICE is given, the best\n"
           "one, and 'default:' says why it won. Best: a device whose last check failed\n"
           "comes after all others; then a discrete GPU, an integrated GPU (memory\n"
           "shared with the host), any other hardware device, and last a simulator or\n"
           "software device (Oclgrind, llvmpipe); then the most compute units x clock;\n"
           "then the first listed. 'check' is the outcome of the last\n"
           "`clcnn check` (or the check `clcnn train` runs on a device's first use) for\n"
           "this device, driver, kernel shape and clcnn version: passed, FAILED naming\n"
           "the first failed op, or never. 'tuned' tells whether `clcnn tune` has stored\n"
           "GEMM parameters for this device, driver and CLBlast version.\n");
}

static void print_check(const clcnn_device_info *d)
{
    clcnn_check_record r;
    clcnn_check_record_load(d, &r);
    if (r.state == CLCNN_CHECK_NEVER) {
        printf("      check: never (run clcnn check --device %d)\n", d->index);
        return;
    }
    char when[32] = "?";
    time_t t = (time_t)r.time;
    struct tm tm;
    if (localtime_r(&t, &tm))
        strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
    if (r.state == CLCNN_CHECK_PASSED)
        printf("      check: passed (%s check, %s)\n", r.quick ? "quick" : "full", when);
    else
        printf("      check: FAILED at %s (%s check, %s)\n", r.failed, r.quick ? "quick" : "full",
               when);
}

/* The platforms that list no device, in platform order (a machine has a few:
 * more than EMPTY_MAX go unnamed). */
#define EMPTY_MAX 16
typedef struct empty_platforms {
    int count, next, index[EMPTY_MAX];
    char name[EMPTY_MAX][256];
} empty_platforms;

static void note_empty(int platform_index, const char *name, void *ctx)
{
    empty_platforms *e = ctx;
    if (e->count == EMPTY_MAX)
        return;
    e->index[e->count] = platform_index;
    snprintf(e->name[e->count++], sizeof e->name[0], "%s", name);
}

/* Names the empty platforms not yet printed whose index is below `before`. */
static void print_empty_before(empty_platforms *e, int before)
{
    for (; e->next < e->count && e->index[e->next] < before; e->next++)
        printf("platform %d: %s: no device\n", e->index[e->next], e->name[e->next]);
}

int cmd_devices(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            help();
            return 0;
        }
        fprintf(stderr, "clcnn devices: unknown option '%s' (see clcnn devices --help)\n", argv[i]);
        return 2;
    }
    clcnn_device_info *devices = NULL;
    int count = 0;
    if (clcnn_devices_list(&devices, &count) != CLCNN_OK) {
        fprintf(stderr, "clcnn devices: %s\n", clcnn_last_error());
        return 1;
    }
    empty_platforms empty = {0};
    if (clcnn_platforms_without_devices(note_empty, &empty) != CLCNN_OK) {
        fprintf(stderr, "clcnn devices: %s\n", clcnn_last_error());
        free(devices);
        return 1;
    }
    if (count == 0) {
        print_empty_before(&empty, INT_MAX);
        printf("no OpenCL device found (install an OpenCL driver, e.g. Debian's pocl-opencl-icd)\n");
        free(devices);
        return 1;
    }
    int chosen = clcnn_device_default(devices, count);
    char why[256];
    clcnn_device_default_reason(devices, count, why, sizeof why);
    int platform = -1;
    for (int i = 0; i < count; i++) {
        const clcnn_device_info *d = &devices[i];
        if (d->platform_index != platform) {
            platform = d->platform_index;
            print_empty_before(&empty, platform);
            printf("platform %d: %s\n", platform, d->platform);
        }
        printf(" %c %d: %s\n", i == chosen ? '*' : ' ', d->index, d->name);
        printf("      type %s, %s kernel shape, %u compute units, %s\n", d->type,
               d->gpu_shape ? "GPU" : "CPU", d->compute_units, d->opencl_version);
        printf("      global memory %.1f MiB, local memory %.1f KiB, max allocation %.1f MiB, "
               "max work-group %zu\n",
               d->global_mem_bytes / 1048576.0, d->local_mem_bytes / 1024.0,
               d->max_alloc_bytes / 1048576.0, d->max_work_group_size);
        printf("      vendor %s, driver %s, %u MHz%s%s\n", d->vendor, d->driver_version,
               d->clock_mhz, d->host_unified_memory ? ", memory shared with the host" : "",
               clcnn_device_is_software(d) ? ", software device" : "");
        if (i == chosen)
            printf("      default: %s\n", why);
        print_check(d);
        printf("      tuned: %s\n", clcnn_device_is_tuned(d) ? "yes" : "no");
    }
    print_empty_before(&empty, INT_MAX);
    free(devices);
    return 0;
}
