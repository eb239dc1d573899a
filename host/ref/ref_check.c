/* Argument checks of the reference backends (see ref_internal.h), on top of
 * the checks every backend shares (core/op_args.h). */
#include "core/op_args.h"
#include "ref/ref_internal.h"

clcnn_status ref_check_tensor(const clcnn_backend *be, const char *op, const clcnn_tensor *t,
                              clcnn_dtype dtype, size_t min_count)
{
    REF_TRY(clcnn_op_check_tensor(be, op, t, dtype));
    if (t->count < min_count)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: tensor %s has %zu elements, needs at least %zu", op,
                          clcnn_tensor_label(t), t->count, min_count);
    return CLCNN_OK;
}

clcnn_status ref_check_count(const clcnn_backend *be, const char *op, const clcnn_tensor *t,
                             clcnn_dtype dtype, size_t count)
{
    REF_TRY(clcnn_op_check_tensor(be, op, t, dtype));
    if (t->count != count)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: tensor %s has %zu elements, expected %zu", op,
                          clcnn_tensor_label(t), t->count, count);
    return CLCNN_OK;
}

clcnn_status ref_check_window_tensor(const clcnn_backend *be, const char *op,
                                     const clcnn_window *win, const clcnn_tensor *t,
                                     clcnn_dtype dtype, int out)
{
    REF_TRY(clcnn_op_check_tensor(be, op, t, dtype));
    return clcnn_op_check_window_shape(op, win, t, out);
}

clcnn_status ref_check_images(const char *op, const clcnn_tensor *t, int n0, int nb)
{
    return clcnn_op_check_images(op, t, n0, nb);
}

clcnn_status ref_check_matrix(const clcnn_backend *be, const char *op, const char *which,
                              const clcnn_tensor *t, size_t offset, int rows, int cols, int ld)
{
    REF_TRY(clcnn_op_check_tensor(be, op, t, CLCNN_REAL));
    return clcnn_op_check_matrix(op, which, t, offset, rows, cols, ld);
}
