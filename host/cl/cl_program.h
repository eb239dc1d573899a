/* Building the kernel program of a context (cl_program.c). */
#ifndef CLCNN_CL_PROGRAM_H
#define CLCNN_CL_PROGRAM_H

#include "cl/cl_runtime.h"

/* Build every kernels/ .cl (embedded, or from CLCNN_KERNEL_DIR) for device.
 * On a compile error the message holds the device's build log. */
clcnn_status clcnn_cl_build_program(cl_context context, cl_device_id device, cl_program *out);

#endif
