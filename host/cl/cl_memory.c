/* Storage of "cl" tensors: device buffers, transfers, the allocation limit and
 * the CLCNN_MAX_DEVICE_MB test cap on the device memory in use. */
#include <stdlib.h>

#include "cl/cl_objects.h"
#include "cl/cl_runtime.h"

/* CLCNN_MAX_DEVICE_MB: a cap on the bytes of tensors allocated at once, to make
 * device memory exhaustion testable on any device; 0 when unset or invalid. */
static unsigned long long device_cap_bytes(void)
{
    const char *v = getenv("CLCNN_MAX_DEVICE_MB");
    if (!v || !*v)
        return 0;
    char *end;
    unsigned long long mb = strtoull(v, &end, 10);
    return *end == '\0' ? mb * 1048576ull : 0;
}

clcnn_status clcnn_cl_alloc(clcnn_backend *be, clcnn_tensor *t)
{
    clcnn_cl *cl = clcnn_cl_of(be);
    size_t bytes = t->count * clcnn_dtype_size(be, t->dtype);
    const char *name = t->name ? t->name : "(unnamed)";
    if (bytes > cl->max_alloc_bytes)
        return clcnn_fail(CLCNN_ERR_NOMEM,
                          "tensor %s: %zu bytes exceeds the device's maximum allocation of %llu "
                          "bytes (CL_DEVICE_MAX_MEM_ALLOC_SIZE)", name, bytes,
                          (unsigned long long)cl->max_alloc_bytes);
    unsigned long long cap = device_cap_bytes();
    if (cap && be->counters.bytes_in_use + bytes > cap)
        return clcnn_fail(CLCNN_ERR_NOMEM,
                          "allocating tensor %s (%zu bytes) on %s: out of device memory: %llu "
                          "bytes in use, the cap CLCNN_MAX_DEVICE_MB=%llu allows %llu bytes",
                          name, bytes, cl->info.name,
                          (unsigned long long)be->counters.bytes_in_use, cap / 1048576ull, cap);
    cl_int err;
    cl_mem mem = clCreateBuffer(cl->context, CL_MEM_READ_WRITE, bytes, NULL, &err);
    if (err != CL_SUCCESS)
        return clcnn_fail(CLCNN_ERR_NOMEM, "allocating tensor %s (%zu bytes) on %s: %s", name,
                          bytes, cl->info.name, clcnn_cl_error_name(err));
    /* Zero-fill so that every tensor starts defined, as on the reference. */
    unsigned char zero = 0;
    err = clEnqueueFillBuffer(cl->queue, mem, &zero, 1, 0, bytes, 0, NULL, NULL);
    if (err != CL_SUCCESS) {
        clReleaseMemObject(mem);
        return clcnn_fail(CLCNN_ERR_NOMEM, "clearing tensor %s (%zu bytes): %s", name, bytes,
                          clcnn_cl_error_name(err));
    }
    clcnn_cl_objects_created(CLCNN_CL_OBJ_MEM);
    t->storage = mem;
    be->counters.bytes_in_use += bytes;
    if (be->counters.bytes_in_use > be->counters.bytes_peak)
        be->counters.bytes_peak = be->counters.bytes_in_use;
    return CLCNN_OK;
}

clcnn_status clcnn_cl_alloc_part(clcnn_backend *be, const clcnn_tensor *parent, size_t offset,
                                 clcnn_tensor *t)
{
    size_t esize = clcnn_dtype_size(be, t->dtype);
    cl_buffer_region region = {offset * esize, t->count * esize};
    cl_int err;
    cl_mem mem = clCreateSubBuffer(clcnn_cl_mem(parent), CL_MEM_READ_WRITE,
                                   CL_BUFFER_CREATE_TYPE_REGION, &region, &err);
    if (err != CL_SUCCESS)
        return clcnn_fail(CLCNN_ERR_OPENCL, "tensor %s: a part of %s at byte %zu: %s",
                          t->name ? t->name : "(unnamed)",
                          parent->name ? parent->name : "(unnamed)", region.origin,
                          clcnn_cl_error_name(err));
    clcnn_cl_objects_created(CLCNN_CL_OBJ_MEM);
    t->storage = mem;
    return CLCNN_OK;
}

void clcnn_cl_release(clcnn_backend *be, clcnn_tensor *t)
{
    if (!t->is_part) /* a part's bytes are its parent's */
        be->counters.bytes_in_use -= t->count * clcnn_dtype_size(be, t->dtype);
    clReleaseMemObject(clcnn_cl_mem(t));
    clcnn_cl_objects_released(CLCNN_CL_OBJ_MEM);
    t->storage = NULL;
}

clcnn_status clcnn_cl_upload(clcnn_backend *be, clcnn_tensor *t, size_t offset, size_t count,
                             const void *src)
{
    clcnn_cl *cl = clcnn_cl_of(be);
    size_t esize = clcnn_dtype_size(be, t->dtype);
    be->counters.transfers++;
    /* Blocking: the caller may reuse src as soon as this returns. */
    CLCNN_CL_CHECK(clEnqueueWriteBuffer(cl->queue, clcnn_cl_mem(t), CL_TRUE, offset * esize,
                                        count * esize, src, 0, NULL, NULL),
                   t->name ? t->name : "clEnqueueWriteBuffer");
    return CLCNN_OK;
}

clcnn_status clcnn_cl_download(clcnn_backend *be, const clcnn_tensor *t, size_t offset,
                               size_t count, void *dst)
{
    clcnn_cl *cl = clcnn_cl_of(be);
    size_t esize = clcnn_dtype_size(be, t->dtype);
    be->counters.transfers++;
    CLCNN_CL_CHECK(clEnqueueReadBuffer(cl->queue, clcnn_cl_mem(t), CL_TRUE, offset * esize,
                                       count * esize, dst, 0, NULL, NULL),
                   t->name ? t->name : "clEnqueueReadBuffer");
    return CLCNN_OK;
}

clcnn_status clcnn_cl_finish(clcnn_backend *be)
{
    CLCNN_CL_CHECK(clFinish(clcnn_cl_of(be)->queue), "clFinish");
    return CLCNN_OK;
}
