/* Building the kernel program of a context (cl_program.c). */
#ifndef CLCNN_CL_PROGRAM_H
#define CLCNN_CL_PROGRAM_H

#include "cl/cl_runtime.h"

/* Build every kernels/ .cl file (embedded, or from CLCNN_KERNEL_DIR) for
 * device, or take the built program from the kernel cache (cl_cache.h).
 * On a compile error the message holds the device's build log. */
clcnn_status clcnn_cl_build_program(cl_context context, cl_device_id device,
                                    const clcnn_device_info *info, cl_program *out);

/* How many programs this process has built from source (the cache tests
 * count them). */
int clcnn_cl_source_builds(void);

#endif
