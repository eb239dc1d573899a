/* The device description `clcnn tune` chooses its candidates from
 * (cl_tune_space.h), as the OpenCL device reports it (cl_tune_describe.c). */
#ifndef CLCNN_CL_TUNE_DESCRIBE_H
#define CLCNN_CL_TUNE_DESCRIBE_H

#include "cl/cl_runtime.h"
#include "cl/cl_tune_space.h"

/* Fill d from clGetDeviceInfo; a query the driver refuses leaves its field 0
 * (unknown), which the space treats as no limit (cache) or its fallback
 * (vector widths). */
void clcnn_cl_tune_describe(cl_device_id device, clcnn_tune_device *d);

#endif
