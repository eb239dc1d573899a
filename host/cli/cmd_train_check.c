/* `clcnn train`'s check of an OpenCL device against the CPU reference. */
#include <stdio.h>

#include "clcnn/check.h"
#include "cli/cmd_train.h"

int train_check_device(clcnn_backend *be, const clcnn_model_spec *spec, int quiet)
{
    const clcnn_device_info *d = clcnn_backend_cl_device(be);
    clcnn_check_record record;
    clcnn_check_record_load(d, &record);
    if (record.state == CLCNN_CHECK_PASSED)
        return 0;
    if (!quiet) {
        printf("checking device %d (%s, driver %s) against the CPU reference, with a training "
               "step of model %s: its first use with clcnn %s (--no-check skips)\n", d->index,
               d->name, d->driver_version, spec->source, CLCNN_VERSION);
        fflush(stdout);
    }
    int ran = 0;
    if (clcnn_check_before_use(be, spec, &ran) != CLCNN_OK) {
        fprintf(stderr, "clcnn train: %s; --no-check trains anyway\n", clcnn_last_error());
        return 1;
    }
    if (!quiet)
        printf("check passed\n");
    return 0;
}
