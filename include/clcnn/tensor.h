/* clcnn — tensors: an NCHW shape plus storage owned by a backend.
 *
 * A tensor's storage lives where its backend keeps it: host memory for the
 * CPU reference backends, a cl_mem for the OpenCL backend. Code above the
 * backends (layers, training loop) never touches the storage directly; it
 * moves data with clcnn_tensor_upload()/clcnn_tensor_download() and computes
 * through the backend's ops (clcnn/backend.h).
 */
#ifndef CLCNN_TENSOR_H
#define CLCNN_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "clcnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct clcnn_backend clcnn_backend;

/* Element types. CLCNN_REAL is the backend's arithmetic type: float on the
 * OpenCL and float reference backends, double on the double reference. */
typedef enum clcnn_dtype {
    CLCNN_REAL = 0,
    CLCNN_U8 = 1,  /* raw image bytes */
    CLCNN_I32 = 2  /* labels, pooling argmax */
} clcnn_dtype;

typedef struct clcnn_shape {
    int n, c, h, w;
} clcnn_shape;

typedef struct clcnn_tensor {
    clcnn_backend *backend; /* owner of the storage; NULL when unallocated */
    clcnn_shape shape;
    clcnn_dtype dtype;
    size_t count;           /* n*c*h*w elements */
    void *storage;          /* backend-private: host pointer or cl_mem */
    const char *name;       /* for error messages ("conv1.weight"); not owned */
    int is_part;            /* storage borrowed from a parent (clcnn_tensor_alloc_part) */
} clcnn_tensor;

static inline size_t clcnn_shape_count(clcnn_shape s)
{
    return (size_t)s.n * (size_t)s.c * (size_t)s.h * (size_t)s.w;
}

static inline clcnn_shape clcnn_shape_make(int n, int c, int h, int w)
{
    clcnn_shape s = {n, c, h, w};
    return s;
}

/* Bytes per element of dtype on backend (REAL depends on the backend). */
size_t clcnn_dtype_size(const clcnn_backend *backend, clcnn_dtype dtype);

/* Allocate t on backend with the given shape and type; t is zero-filled.
 * name is kept (not copied) for error messages. On failure t is left empty and
 * the message names the tensor and the size asked for. */
clcnn_status clcnn_tensor_alloc(clcnn_backend *backend, clcnn_tensor *t, clcnn_shape shape,
                                clcnn_dtype dtype, const char *name);

/* Allocate t as a part of parent (REAL): shape's elements starting at element
 * offset of parent's storage, which t shares (a write through either shows in
 * the other; one transfer of parent moves every part). offset must be a
 * multiple of the backend's part_align (clcnn/backend.h) and the part must
 * lie inside parent. Free every part before its parent. */
clcnn_status clcnn_tensor_alloc_part(clcnn_tensor *parent, size_t offset, clcnn_tensor *t,
                                     clcnn_shape shape, const char *name);

/* Release t's storage (no-op on an empty tensor) and reset it to empty. */
void clcnn_tensor_free(clcnn_tensor *t);

/* Copy count elements from host memory into t starting at element offset.
 * src holds float for CLCNN_REAL (converted on a double backend), uint8_t for
 * CLCNN_U8 and int32_t for CLCNN_I32. */
clcnn_status clcnn_tensor_upload(clcnn_tensor *t, size_t offset, size_t count, const void *src);

/* Copy count elements from t (from element offset) into host memory, with the
 * same element conventions as clcnn_tensor_upload(). Blocks until done. */
clcnn_status clcnn_tensor_download(const clcnn_tensor *t, size_t offset, size_t count, void *dst);

/* A view of the first elements of t with another shape of at most t's
 * element count (no copy, not owned: never free a view); its count is the
 * shape's. Used e.g. to treat N x C x H x W as N x CHW x 1 x 1. */
clcnn_tensor clcnn_tensor_view(const clcnn_tensor *t, clcnn_shape shape);

/* The first n (<= t->shape.n) images of t: a view with t's per-image shape,
 * as a step with a partial batch uses tensors allocated for the full one. */
clcnn_tensor clcnn_tensor_first_images(const clcnn_tensor *t, int n);

/* Host pointer of a reference-backend tensor (float* or double*), NULL for a
 * device tensor. Used by the gradient check to perturb parameters in place. */
void *clcnn_tensor_host_data(const clcnn_tensor *t);

#ifdef __cplusplus
}
#endif
#endif
