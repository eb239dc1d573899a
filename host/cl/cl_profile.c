/* Public kernel-time profiling of the "cl" backend (clcnn/device.h): a thin
 * wrapper over the runtime's event recording, so that the bench measures
 * kernel time without including an OpenCL header. */
#include "cl/cl_runtime.h"

static clcnn_status require_cl(const clcnn_backend *be, const char *what)
{
    if (!clcnn_backend_cl_device(be))
        return clcnn_fail(CLCNN_ERR_ARG, "%s: backend \"%s\" is not the OpenCL backend", what,
                          be ? be->name : "(null)");
    return CLCNN_OK;
}

clcnn_status clcnn_backend_cl_profile_begin(clcnn_backend *be)
{
    clcnn_status st = require_cl(be, "starting kernel profiling");
    if (st != CLCNN_OK)
        return st;
    /* Drop events left over from an earlier, unfinished profile. */
    double stale = 0;
    st = clcnn_cl_take_kernel_ns(be, &stale);
    if (st == CLCNN_OK)
        clcnn_cl_set_recording(be, 1);
    return st;
}

clcnn_status clcnn_backend_cl_profile_end(clcnn_backend *be, double *kernel_ns)
{
    *kernel_ns = 0;
    clcnn_status st = require_cl(be, "ending kernel profiling");
    if (st != CLCNN_OK)
        return st;
    clcnn_cl_set_recording(be, 0);
    st = clcnn_cl_take_kernel_ns(be, kernel_ns);
    return st == CLCNN_OK ? CLCNN_OK : clcnn_fail_context(st, "ending kernel profiling: ");
}
