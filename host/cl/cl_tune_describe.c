/* clcnn_cl_tune_describe: the device's vector widths, work-group limits,
 * local memory and cache size, as `clcnn tune` needs them. */
#include <string.h>

#include "cl/cl_tune_describe.h"

void clcnn_cl_tune_describe(cl_device_id device, clcnn_tune_device *d)
{
    memset(d, 0, sizeof *d);
    cl_device_type type = 0;
    cl_uint preferred = 0, native = 0, dims = 0;
    cl_ulong local = 0, cache = 0;
    size_t group = 0, items[8] = {0};
    clGetDeviceInfo(device, CL_DEVICE_TYPE, sizeof type, &type, NULL);
    clGetDeviceInfo(device, CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT, sizeof preferred, &preferred,
                    NULL);
    clGetDeviceInfo(device, CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT, sizeof native, &native, NULL);
    clGetDeviceInfo(device, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof group, &group, NULL);
    clGetDeviceInfo(device, CL_DEVICE_MAX_WORK_ITEM_DIMENSIONS, sizeof dims, &dims, NULL);
    if (dims >= 2 && dims <= 8)
        clGetDeviceInfo(device, CL_DEVICE_MAX_WORK_ITEM_SIZES, dims * sizeof items[0], items,
                        NULL);
    clGetDeviceInfo(device, CL_DEVICE_LOCAL_MEM_SIZE, sizeof local, &local, NULL);
    clGetDeviceInfo(device, CL_DEVICE_GLOBAL_MEM_CACHE_SIZE, sizeof cache, &cache, NULL);
    d->gpu = (type & CL_DEVICE_TYPE_GPU) != 0;
    d->vector_preferred = (int)preferred;
    d->vector_native = (int)native;
    d->max_work_group = group;
    /* A driver that does not say: the work-group limit bounds each side. */
    d->max_work_item[0] = items[0] ? items[0] : group;
    d->max_work_item[1] = items[1] ? items[1] : group;
    d->local_mem = local;
    d->cache = cache;
}
