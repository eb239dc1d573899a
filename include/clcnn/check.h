/* clcnn — checking a device against the CPU reference (`clcnn check`).
 *
 * A check has two parts, both compared with the float reference backend
 * ("ref") by the normalized error of clcnn/op_cases.h:
 *   1. the op-case table (every op, forward and backward, at several shapes),
 *      or its quick subset;
 *   2. one whole training step of a network: both backends create the network
 *      from the same seed, run the same random batch forward (training mode),
 *      through the loss op and backward; the logits, the loss and every
 *      parameter's gradient are compared.
 * Results arrive one by one through a callback (for printing) and are kept
 * in a clcnn_check_report. A case whose ops fail outright (an OpenCL error) is
 * a failed case with the message in its detail, and the check goes on.
 *
 * The outcome of a check can be remembered in the cache folder
 * (clcnn/cache.h), per device, driver, clcnn version and kernel source, so
 * that `clcnn train` checks a device only the first time it meets it.
 */
#ifndef CLCNN_CHECK_H
#define CLCNN_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "clcnn/backend.h"
#include "clcnn/device.h"
#include "clcnn/net.h"
#include "clcnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CLCNN_CHECK_NAME_MAX 96

typedef struct clcnn_check_result {
    char name[CLCNN_CHECK_NAME_MAX]; /* "im2col k3 s2 p1 N2 C5 7x5", "step cifar N8 grad conv1.weight" */
    double error;     /* normalized error; INFINITY when a value is NaN/Inf on one side
                       * only or the case could not run */
    double tolerance; /* largest error that passes */
    int passed;
    char detail[256]; /* why a case could not run ("" otherwise) */
} clcnn_check_result;

typedef struct clcnn_check_report {
    clcnn_check_result *results; /* malloc'ed, count entries */
    int count, capacity;
    int failures;
} clcnn_check_report;

/* Called after each result is added to the report. */
typedef void (*clcnn_check_fn)(const clcnn_check_result *result, void *user);

typedef struct clcnn_check_options {
    int quick;             /* the table's quick subset only */
    const clcnn_model_spec *spec; /* network of the training step; NULL: the "cifar" preset */
    int batch;             /* images of the training step; 0: CLCNN_CHECK_STEP_BATCH */
    uint32_t seed;         /* inputs and parameters; 0: CLCNN_CHECK_SEED */
    clcnn_check_fn on_result; /* may be NULL */
    void *user;
} clcnn_check_options;

#define CLCNN_CHECK_STEP_BATCH 8
#define CLCNN_CHECK_SEED 42u

/* Run the table (or its quick subset) and then the training step of dev
 * against ref, appending to report (zero it first; free it with
 * clcnn_check_report_free). Returns non-OK only when the check itself cannot
 * go on (out of host memory, no such preset); a device that computes wrong
 * results or fails an op returns CLCNN_OK with report->failures > 0. */
clcnn_status clcnn_check_device(clcnn_backend *dev, clcnn_backend *ref,
                                const clcnn_check_options *opts, clcnn_check_report *report);

/* The two parts on their own (same conventions). */
clcnn_status clcnn_check_ops(clcnn_backend *dev, clcnn_backend *ref,
                             const clcnn_check_options *opts, clcnn_check_report *report);
clcnn_status clcnn_check_step(clcnn_backend *dev, clcnn_backend *ref,
                              const clcnn_check_options *opts, clcnn_check_report *report);

/* The first failed result, NULL when every one passed. */
const clcnn_check_result *clcnn_check_report_first_failure(const clcnn_check_report *report);

void clcnn_check_report_free(clcnn_check_report *report);

/* ---- remembered outcomes (files in clcnn_cache_dir()/checks) ---- */

typedef enum clcnn_check_state {
    CLCNN_CHECK_NEVER = 0, /* no outcome recorded for this device, driver and version */
    CLCNN_CHECK_PASSED,
    CLCNN_CHECK_FAILED
} clcnn_check_state;

typedef struct clcnn_check_record {
    clcnn_check_state state;
    int quick;                             /* the recorded check was the quick one */
    char failed[CLCNN_CHECK_NAME_MAX];     /* FAILED: the first failed case */
    long long time;                        /* when it ran (seconds since the epoch) */
} clcnn_check_record;

/* The outcome recorded for device (name, vendor, driver, platform and kernel
 * shape, plus the clcnn version and CLCNN_KERNEL_DIR when set). NEVER when
 * nothing is recorded, caching is disabled, or the record cannot be read. */
void clcnn_check_record_load(const clcnn_device_info *device, clcnn_check_record *out);

/* 1 when the outcome recorded for device is FAILED (the tool hands this to
 * clcnn_device_set_failed_lookup, so that a failed device is never the default). */
int clcnn_check_record_failed(const clcnn_device_info *device);

/* Record report's outcome for device (best effort: a folder that cannot be
 * written goes to the warning handler). */
void clcnn_check_record_save(const clcnn_device_info *device, int quick,
                             const clcnn_check_report *report);

/* For `clcnn train`: unless a pass is recorded for dev's device, run the
 * quick check against a fresh reference backend, its training step on spec
 * (the model about to be trained; NULL: the "cifar" preset), and record the
 * outcome.
 * *ran tells whether the check ran. CLCNN_ERR_CHECK when the device fails,
 * the message naming the first failed case, its error and tolerance.
 * A non-OpenCL backend needs no check (CLCNN_OK, *ran = 0). */
clcnn_status clcnn_check_before_use(clcnn_backend *dev, const clcnn_model_spec *spec, int *ran);

#ifdef __cplusplus
}
#endif
#endif
