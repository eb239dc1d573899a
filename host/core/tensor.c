#include "clcnn/tensor.h"

#include <string.h>

#include "clcnn/backend.h"

size_t clcnn_dtype_size(const clcnn_backend *backend, clcnn_dtype dtype)
{
    switch (dtype) {
    case CLCNN_U8: return 1;
    case CLCNN_I32: return 4;
    case CLCNN_REAL: break;
    }
    return backend->real_size;
}

static const char *tensor_name(const clcnn_tensor *t) { return t->name ? t->name : "(unnamed)"; }

clcnn_status clcnn_tensor_alloc(clcnn_backend *backend, clcnn_tensor *t, clcnn_shape shape,
                                clcnn_dtype dtype, const char *name)
{
    memset(t, 0, sizeof *t);
    if (shape.n <= 0 || shape.c <= 0 || shape.h <= 0 || shape.w <= 0)
        return clcnn_fail(CLCNN_ERR_ARG, "tensor %s: invalid shape %dx%dx%dx%d", name ? name : "?",
                          shape.n, shape.c, shape.h, shape.w);
    t->shape = shape;
    t->dtype = dtype;
    t->count = clcnn_shape_count(shape);
    t->name = name;
    clcnn_status st = backend->ops->alloc(backend, t);
    if (st != CLCNN_OK) {
        memset(t, 0, sizeof *t);
        return st;
    }
    t->backend = backend;
    return CLCNN_OK;
}

clcnn_status clcnn_tensor_alloc_part(clcnn_tensor *parent, size_t offset, clcnn_tensor *t,
                                     clcnn_shape shape, const char *name)
{
    memset(t, 0, sizeof *t);
    clcnn_backend *be = parent->backend;
    size_t count = clcnn_shape_count(shape);
    if (!be || parent->dtype != CLCNN_REAL || shape.n <= 0 || shape.c <= 0 || shape.h <= 0 ||
        shape.w <= 0 || offset % be->part_align != 0 || offset > parent->count ||
        count > parent->count - offset)
        return clcnn_fail(CLCNN_ERR_ARG, "tensor %s: %zu elements at offset %zu are no part of "
                          "%s (%zu elements, parts aligned to %zu)", name ? name : "?", count,
                          offset, tensor_name(parent), parent->count, be ? be->part_align : 0);
    t->shape = shape;
    t->dtype = CLCNN_REAL;
    t->count = count;
    t->name = name;
    t->is_part = 1;
    clcnn_status st = be->ops->alloc_part(be, parent, offset, t);
    if (st != CLCNN_OK) {
        memset(t, 0, sizeof *t);
        return st;
    }
    t->backend = be;
    return CLCNN_OK;
}

void clcnn_tensor_free(clcnn_tensor *t)
{
    if (t->backend && t->storage)
        t->backend->ops->release(t->backend, t);
    memset(t, 0, sizeof *t);
}

static clcnn_status check_range(const clcnn_tensor *t, size_t offset, size_t count, const char *op)
{
    if (!t->backend)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: tensor %s is not allocated", op, tensor_name(t));
    if (offset > t->count || count > t->count - offset)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: tensor %s: range [%zu, %zu) outside its %zu elements",
                          op, tensor_name(t), offset, offset + count, t->count);
    return CLCNN_OK;
}

clcnn_status clcnn_tensor_upload(clcnn_tensor *t, size_t offset, size_t count, const void *src)
{
    clcnn_status st = check_range(t, offset, count, "upload");
    if (st != CLCNN_OK || count == 0)
        return st;
    return t->backend->ops->upload(t->backend, t, offset, count, src);
}

clcnn_status clcnn_tensor_download(const clcnn_tensor *t, size_t offset, size_t count, void *dst)
{
    clcnn_status st = check_range(t, offset, count, "download");
    if (st != CLCNN_OK || count == 0)
        return st;
    return t->backend->ops->download(t->backend, t, offset, count, dst);
}

clcnn_tensor clcnn_tensor_view(const clcnn_tensor *t, clcnn_shape shape)
{
    clcnn_tensor v = *t;
    v.shape = shape;
    v.count = clcnn_shape_count(shape); /* the view's own: transfers and ops check it */
    return v;
}

clcnn_tensor clcnn_tensor_first_images(const clcnn_tensor *t, int n)
{
    clcnn_shape s = t->shape;
    s.n = n;
    return clcnn_tensor_view(t, s);
}

void *clcnn_tensor_host_data(const clcnn_tensor *t)
{
    if (!t->backend || strncmp(t->backend->name, "ref", 3) != 0)
        return NULL;
    return t->storage;
}
