/* The CPU reference backends: creation and host storage. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ref/ref_internal.h"

/* Bytes taken by t's storage: its elements rounded up to whole alignment
 * units (aligned_alloc wants a multiple); 0 on overflow. */
static size_t storage_bytes(const clcnn_backend *be, const clcnn_tensor *t)
{
    size_t elem = clcnn_dtype_size(be, t->dtype);
    if (t->count > (SIZE_MAX - REF_ALIGNMENT) / elem)
        return 0;
    size_t bytes = t->count * elem;
    return (bytes + REF_ALIGNMENT - 1) / REF_ALIGNMENT * REF_ALIGNMENT;
}

clcnn_status ref_alloc(clcnn_backend *be, clcnn_tensor *t)
{
    const char *name = t->name ? t->name : "(unnamed)";
    size_t bytes = storage_bytes(be, t);
    if (bytes == 0)
        return clcnn_fail(CLCNN_ERR_NOMEM, "allocating tensor %s: %zu elements overflow the "
                          "address space", name, t->count);
    void *p = aligned_alloc(REF_ALIGNMENT, bytes);
    if (!p)
        return clcnn_fail(CLCNN_ERR_NOMEM, "allocating tensor %s: %zu bytes of host memory: out "
                          "of memory", name, bytes);
    memset(p, 0, bytes);
    t->storage = p;
    be->counters.bytes_in_use += bytes;
    if (be->counters.bytes_in_use > be->counters.bytes_peak)
        be->counters.bytes_peak = be->counters.bytes_in_use;
    return CLCNN_OK;
}

void ref_release(clcnn_backend *be, clcnn_tensor *t)
{
    if (!t->is_part) { /* a part's storage is its parent's */
        be->counters.bytes_in_use -= storage_bytes(be, t);
        free(t->storage);
    }
    t->storage = NULL;
}

clcnn_status ref_alloc_part(clcnn_backend *be, const clcnn_tensor *parent, size_t offset,
                            clcnn_tensor *t)
{
    t->storage = (unsigned char *)parent->storage + offset * be->real_size;
    return CLCNN_OK;
}

clcnn_status ref_finish(clcnn_backend *be)
{
    (void)be; /* every op has completed when it returns */
    return CLCNN_OK;
}

void ref_destroy(clcnn_backend *be) { free(be); }

const clcnn_device_info *ref_device(const clcnn_backend *be)
{
    (void)be; /* the host CPU, no OpenCL device */
    return NULL;
}

unsigned long long ref_max_alloc_bytes(const clcnn_backend *be)
{
    (void)be; /* host memory, no per-buffer limit */
    return 0;
}

static clcnn_status create(const clcnn_backend_ops *ops, const char *name, size_t real_size,
                           clcnn_backend **out)
{
    *out = NULL;
    clcnn_backend *be = calloc(1, sizeof *be);
    if (!be)
        return clcnn_fail(CLCNN_ERR_NOMEM, "creating the %s backend: out of memory", name);
    be->ops = ops;
    be->name = name;
    be->real_size = real_size;
    /* the blocked GEMM pads its packed copies itself */
    be->gemm_multiple_mk = be->gemm_multiple_n = 1;
    be->part_align = REF_ALIGNMENT / real_size; /* parts keep the storage's alignment */
    *out = be;
    return CLCNN_OK;
}

clcnn_status clcnn_backend_ref_create(clcnn_backend **out)
{
    return create(&ref_f32_ops, "ref", sizeof(float), out);
}

clcnn_status clcnn_backend_ref64_create(clcnn_backend **out)
{
    return create(&ref_f64_ops, "ref64", sizeof(double), out);
}
