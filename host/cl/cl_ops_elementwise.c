/* Element-wise ops of the "cl" backend: fill, axpy, add, scale, activations and
 * dropout (kernels/elementwise.cl, kernels/dropout.cl). */
#include <stdint.h>

#include "cl/cl_ops.h"

clcnn_status clcnn_cl_fill(clcnn_backend *be, clcnn_tensor *t, float value)
{
    if (!t)
        return clcnn_fail(CLCNN_ERR_ARG, "fill: a required tensor is NULL");
    CLCNN_TRY(clcnn_op_check_count(be, "fill", t, t->dtype, 0));
    float real = value;
    int32_t i32 = (int32_t)value;
    uint8_t u8 = (uint8_t)value;
    const void *pattern = &real;
    size_t size = sizeof real;
    if (t->dtype == CLCNN_I32) {
        pattern = &i32;
        size = sizeof i32;
    } else if (t->dtype == CLCNN_U8) {
        pattern = &u8;
        size = sizeof u8;
    }
    cl_mem mem = clcnn_cl_mem(t);
    CLCNN_CL_CHECK(clEnqueueFillBuffer(clcnn_cl_of(be)->queue, mem, pattern, size, 0,
                                       t->count * size, 0, NULL, clcnn_cl_event_slot(be)),
                   "fill: clEnqueueFillBuffer");
    return CLCNN_OK;
}

clcnn_status clcnn_cl_axpy(clcnn_backend *be, float alpha, const clcnn_tensor *x,
                           clcnn_tensor *y)
{
    CLCNN_TRY(clcnn_op_check_count(be, "axpy", y, CLCNN_REAL, 0));
    CLCNN_TRY(clcnn_op_check_count(be, "axpy", x, CLCNN_REAL, y->count));
    const char *name = "axpy_kernel";
    cl_kernel k;
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    cl_mem xm = clcnn_cl_mem(x), ym = clcnn_cl_mem(y);
    int total = (int)y->count;
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(alpha), CLCNN_ARG(xm), CLCNN_ARG(ym),
                                CLCNN_ARG(total)));
    return cl_launch_elements(be, k, name, y->count);
}

clcnn_status clcnn_cl_add(clcnn_backend *be, const clcnn_tensor *a, const clcnn_tensor *b,
                          clcnn_tensor *y)
{
    CLCNN_TRY(clcnn_op_check_add(be, a, b, y));
    const char *name = "add_kernel";
    cl_kernel k;
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    cl_mem am = clcnn_cl_mem(a), bm = clcnn_cl_mem(b), ym = clcnn_cl_mem(y);
    int total = (int)y->count;
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(am), CLCNN_ARG(bm), CLCNN_ARG(ym),
                                CLCNN_ARG(total)));
    return cl_launch_elements(be, k, name, y->count);
}

clcnn_status clcnn_cl_scale(clcnn_backend *be, float alpha, clcnn_tensor *y)
{
    CLCNN_TRY(clcnn_op_check_count(be, "scale", y, CLCNN_REAL, 0));
    const char *name = "scale_kernel";
    cl_kernel k;
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    cl_mem ym = clcnn_cl_mem(y);
    int total = (int)y->count;
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(alpha), CLCNN_ARG(ym), CLCNN_ARG(total)));
    return cl_launch_elements(be, k, name, y->count);
}

clcnn_status clcnn_cl_activation_forward(clcnn_backend *be, clcnn_activation kind, float alpha,
                                         const clcnn_tensor *x, clcnn_tensor *y)
{
    const char *op = "activation_forward", *name = "activation_forward_kernel";
    CLCNN_TRY(clcnn_op_check_activation(be, op, kind, alpha, x, y, NULL));
    cl_kernel k;
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    cl_int kind_arg = (cl_int)kind;
    cl_mem xm = clcnn_cl_mem(x), ym = clcnn_cl_mem(y);
    int total = (int)y->count;
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(kind_arg), CLCNN_ARG(alpha),
                                CLCNN_ARG(xm), CLCNN_ARG(ym), CLCNN_ARG(total)));
    return cl_launch_elements(be, k, name, y->count);
}

clcnn_status clcnn_cl_activation_backward(clcnn_backend *be, clcnn_activation kind,
                                          float alpha, const clcnn_tensor *y,
                                          const clcnn_tensor *dy, clcnn_tensor *dx)
{
    const char *op = "activation_backward", *name = "activation_backward_kernel";
    CLCNN_TRY(clcnn_op_check_activation(be, op, kind, alpha, y, dy, dx));
    cl_kernel k;
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    cl_int kind_arg = (cl_int)kind;
    cl_mem ym = clcnn_cl_mem(y), dym = clcnn_cl_mem(dy), dxm = clcnn_cl_mem(dx);
    int total = (int)dx->count;
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(kind_arg), CLCNN_ARG(alpha),
                                CLCNN_ARG(ym), CLCNN_ARG(dym), CLCNN_ARG(dxm),
                                CLCNN_ARG(total)));
    return cl_launch_elements(be, k, name, dx->count);
}

/* Forward and backward are the same masked scaling of src into dst. */
static clcnn_status dropout(clcnn_backend *be, const char *op, float p, uint32_t seed,
                            uint32_t step, const clcnn_tensor *src, clcnn_tensor *dst)
{
    if (!(p >= 0.0f && p <= 1.0f))
        return clcnn_fail(CLCNN_ERR_ARG, "%s: drop probability %g is outside [0, 1]", op,
                          (double)p);
    CLCNN_TRY(clcnn_op_check_count(be, op, dst, CLCNN_REAL, 0));
    CLCNN_TRY(clcnn_op_check_count(be, op, src, CLCNN_REAL, dst->count));
    const char *name = "dropout_kernel";
    cl_kernel k;
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    cl_uint threshold = clcnn_dropout_threshold(p);
    /* p = 1 drops everything: scale 0 rather than an infinite 1/(1-p). */
    float keep_scale = p < 1.0f ? (float)(1.0 / (1.0 - (double)p)) : 0.0f;
    cl_mem sm = clcnn_cl_mem(src), dm = clcnn_cl_mem(dst);
    int total = (int)dst->count;
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(seed), CLCNN_ARG(step),
                                CLCNN_ARG(threshold), CLCNN_ARG(keep_scale), CLCNN_ARG(sm),
                                CLCNN_ARG(dm), CLCNN_ARG(total)));
    return cl_launch_elements(be, k, name, dst->count);
}

clcnn_status clcnn_cl_dropout_forward(clcnn_backend *be, float p, uint32_t seed, uint32_t step,
                                      const clcnn_tensor *x, clcnn_tensor *y)
{
    return dropout(be, "dropout_forward", p, seed, step, x, y);
}

clcnn_status clcnn_cl_dropout_backward(clcnn_backend *be, float p, uint32_t seed,
                                       uint32_t step, const clcnn_tensor *dy, clcnn_tensor *dx)
{
    return dropout(be, "dropout_backward", p, seed, step, dy, dx);
}
