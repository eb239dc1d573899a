/* Remembered check outcomes, one small text file per device, driver, clcnn
 * version and kernel source in clcnn_cache_dir()/checks, and the check that
 * `clcnn train` runs before it uses a device (see clcnn/check.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clcnn/cache.h"
#include "clcnn/check.h"

#define RECORD_HEADER "clcnn check record 1\n"

/* What a recorded outcome is valid for. CLCNN_KERNEL_DIR (development) loads
 * other kernel sources than the embedded ones: its outcome is kept apart. The
 * kernel shape (gpu_shape, CLCNN_DEVICE_SHAPE) picks other kernels and GEMM
 * paths on the same device, so each shape has its own outcome too. */
static void record_key(const clcnn_device_info *d, char *key, size_t size)
{
    const char *kernels = getenv("CLCNN_KERNEL_DIR");
    snprintf(key, size, RECORD_HEADER "device=%s\nvendor=%s\ndriver=%s\nplatform=%s\nclcnn=%s\n"
             "kernels=%s\nshape=%s\n", d->name, d->vendor, d->driver_version, d->platform,
             CLCNN_VERSION, kernels && *kernels ? kernels : "embedded",
             d->gpu_shape ? "gpu" : "cpu");
}

/* The record's file, or 0 when caching is disabled. */
static int record_path(const char *key, char *path, size_t size)
{
    const char *dir = clcnn_cache_dir();
    if (!dir)
        return 0;
    unsigned long long h = clcnn_fnv1a(CLCNN_FNV_OFFSET, key, strlen(key));
    return snprintf(path, size, "%s/checks/%016llx.txt", dir, h) < (int)size;
}

void clcnn_check_record_load(const clcnn_device_info *device, clcnn_check_record *out)
{
    memset(out, 0, sizeof *out);
    char key[2048], path[4200], text[4096];
    record_key(device, key, sizeof key);
    if (!record_path(key, path, sizeof path))
        return;
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    size_t key_len = strlen(key);
    if (n < key_len || memcmp(text, key, key_len) != 0)
        return; /* another device whose key hashes alike: not ours */
    char result[16] = "", failed[CLCNN_CHECK_NAME_MAX] = "";
    int quick = 0;
    long long when = 0;
    if (sscanf(text + key_len, "result=%15[^\n]\nquick=%d\ntime=%lld\nfailed=%95[^\n]", result,
               &quick, &when, failed) < 3)
        return;
    if (strcmp(result, "pass") == 0)
        out->state = CLCNN_CHECK_PASSED;
    else if (strcmp(result, "fail") == 0)
        out->state = CLCNN_CHECK_FAILED;
    else
        return;
    out->quick = quick;
    out->time = when;
    snprintf(out->failed, sizeof out->failed, "%s", failed);
}

int clcnn_check_record_failed(const clcnn_device_info *device)
{
    clcnn_check_record record;
    clcnn_check_record_load(device, &record);
    return record.state == CLCNN_CHECK_FAILED;
}

void clcnn_check_record_save(const clcnn_device_info *device, int quick,
                             const clcnn_check_report *report)
{
    char key[2048], path[4200], folder[4200], text[4096];
    record_key(device, key, sizeof key);
    if (!record_path(key, path, sizeof path))
        return;
    const clcnn_check_result *failure = clcnn_check_report_first_failure(report);
    int n = snprintf(text, sizeof text, "%sresult=%s\nquick=%d\ntime=%lld\nfailed=%s\n", key,
                     failure ? "fail" : "pass", quick ? 1 : 0, (long long)time(NULL),
                     failure ? failure->name : "");
    snprintf(folder, sizeof folder, "%s/checks", clcnn_cache_dir());
    if (n >= (int)sizeof text || clcnn_cache_make_dirs(folder) != CLCNN_OK ||
        clcnn_cache_write_atomic(path, text, (unsigned long)n) != CLCNN_OK)
        clcnn_warn("check result not recorded: %s", clcnn_last_error());
}

clcnn_status clcnn_check_before_use(clcnn_backend *dev, const clcnn_model_spec *spec, int *ran)
{
    *ran = 0;
    const clcnn_device_info *info = clcnn_backend_device(dev);
    if (!info)
        return CLCNN_OK;
    clcnn_check_record record;
    clcnn_check_record_load(info, &record);
    if (record.state == CLCNN_CHECK_PASSED)
        return CLCNN_OK;
    clcnn_backend *ref = NULL;
    clcnn_status st = clcnn_backend_ref_create(&ref);
    if (st != CLCNN_OK)
        return st;
    clcnn_check_options opts;
    memset(&opts, 0, sizeof opts);
    opts.quick = 1;
    opts.spec = spec;
    clcnn_check_report report;
    memset(&report, 0, sizeof report);
    *ran = 1;
    st = clcnn_check_device(dev, ref, &opts, &report);
    clcnn_backend_destroy(ref);
    if (st == CLCNN_OK) {
        clcnn_check_record_save(info, 1, &report);
        const clcnn_check_result *bad = clcnn_check_report_first_failure(&report);
        if (bad)
            st = clcnn_fail(CLCNN_ERR_CHECK,
                            "device %d (%s, driver %s) fails its check against the CPU "
                            "reference: %s: normalized error %.3g > tolerance %.3g%s%s "
                            "(%d of %d checks failed; `clcnn check` lists them)",
                            info->index, info->name, info->driver_version, bad->name, bad->error,
                            bad->tolerance, bad->detail[0] ? ": " : "", bad->detail,
                            report.failures, report.count);
    }
    clcnn_check_report_free(&report);
    return st;
}
