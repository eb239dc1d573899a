#include "core/op_args.h"

const char *clcnn_tensor_label(const clcnn_tensor *t) { return t->name ? t->name : "(unnamed)"; }

static const char *dtype_name(clcnn_dtype dtype)
{
    switch (dtype) {
    case CLCNN_REAL: return "REAL";
    case CLCNN_U8: return "U8";
    case CLCNN_I32: return "I32";
    }
    return "?";
}

clcnn_status clcnn_op_check_tensor(const clcnn_backend *be, const char *op,
                                   const clcnn_tensor *t, clcnn_dtype dtype)
{
    if (!t)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: a required tensor is NULL", op);
    if (!t->storage || t->backend != be)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: tensor %s is not allocated on the %s backend", op,
                          clcnn_tensor_label(t), be->name);
    if (t->dtype != dtype)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: tensor %s has dtype %s, expected %s", op,
                          clcnn_tensor_label(t), dtype_name(t->dtype), dtype_name(dtype));
    return CLCNN_OK;
}

clcnn_status clcnn_op_check_window_shape(const char *op, const clcnn_window *win,
                                         const clcnn_tensor *t, int out)
{
    int h = out ? win->oh : win->h, w = out ? win->ow : win->w;
    if (t->shape.c != win->c || t->shape.h != h || t->shape.w != w)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: tensor %s is %dx%dx%dx%d, expected Nx%dx%dx%d", op,
                          clcnn_tensor_label(t), t->shape.n, t->shape.c, t->shape.h, t->shape.w,
                          win->c, h, w);
    return CLCNN_OK;
}

clcnn_status clcnn_op_check_images(const char *op, const clcnn_tensor *t, int n0, int nb)
{
    if (n0 < 0 || nb <= 0 || n0 > t->shape.n - nb)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: images %d..%d outside tensor %s of %d images", op,
                          n0, n0 + nb - 1, clcnn_tensor_label(t), t->shape.n);
    return CLCNN_OK;
}

clcnn_status clcnn_op_check_matrix(const char *op, const char *which, const clcnn_tensor *t,
                                   size_t offset, int rows, int cols, int ld)
{
    if (rows < 0 || cols < 0 || ld < (cols > 1 ? cols : 1))
        return clcnn_fail(CLCNN_ERR_ARG, "%s: matrix %s (%s) is %dx%d with leading dimension %d",
                          op, which, clcnn_tensor_label(t), rows, cols, ld);
    if (rows == 0 || cols == 0)
        return CLCNN_OK;
    size_t end = offset + (size_t)(rows - 1) * (size_t)ld + (size_t)cols;
    if (end > t->count)
        return clcnn_fail(CLCNN_ERR_ARG,
                          "%s: matrix %s (%dx%d, ld %d, offset %zu) ends at element %zu, past the "
                          "%zu elements of tensor %s", op, which, rows, cols, ld, offset, end,
                          t->count, clcnn_tensor_label(t));
    return CLCNN_OK;
}

clcnn_status clcnn_op_check_col_rows(const char *op, const clcnn_window *win, int rows)
{
    int ckk = win->c * win->kh * win->kw;
    if (rows < ckk)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: %d rows for a %d-row column matrix (C*KH*KW)", op,
                          rows, ckk);
    return CLCNN_OK;
}

clcnn_status clcnn_op_check_columns(const char *op, int cols, int src_ld, int dst_ld)
{
    if (cols < 0 || cols > src_ld || cols > dst_ld)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: %d columns do not fit source rows of %d and "
                          "destination rows of %d", op, cols, src_ld, dst_ld);
    return CLCNN_OK;
}
