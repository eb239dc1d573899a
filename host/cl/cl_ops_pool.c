/* Pooling ops of the "cl" backend (kernels/pool.cl). */
#include "cl/cl_ops.h"

/* The 10 geometry arguments of the pooling kernels, after planes (the run
 * follows them). */
#define POOL_ARGS(win)                                                                            \
    CLCNN_ARG((win)->h), CLCNN_ARG((win)->w), CLCNN_ARG((win)->kh), CLCNN_ARG((win)->kw),         \
        CLCNN_ARG((win)->sh), CLCNN_ARG((win)->sw), CLCNN_ARG((win)->ph), CLCNN_ARG((win)->pw),   \
        CLCNN_ARG((win)->oh), CLCNN_ARG((win)->ow)

clcnn_status clcnn_cl_maxpool_forward(clcnn_backend *be, const clcnn_window *win,
                                      clcnn_activation act, float alpha, const clcnn_tensor *x,
                                      clcnn_tensor *y, clcnn_tensor *argmax)
{
    const char *op = "maxpool_forward", *name = "maxpool_forward_kernel";
    CLCNN_TRY(clcnn_op_check_fused_activation(op, act, alpha));
    CLCNN_TRY(clcnn_op_check_pool(be, op, win, x, y));
    if (argmax)
        CLCNN_TRY(clcnn_op_check_count(be, op, argmax, CLCNN_I32, y->count));
    cl_kernel k;
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    /* Without argmax the kernel gets y's buffer in its place and writes none. */
    cl_mem xm = clcnn_cl_mem(x), ym = clcnn_cl_mem(y), am = clcnn_cl_mem(argmax ? argmax : y);
    int planes = y->shape.n * win->c, keep_argmax = argmax != NULL, kind = (int)act;
    int run = cl_row_run(be, win->ow);
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(xm), CLCNN_ARG(ym), CLCNN_ARG(am),
                                CLCNN_ARG(keep_argmax), CLCNN_ARG(kind), CLCNN_ARG(alpha),
                                CLCNN_ARG(planes), POOL_ARGS(win), CLCNN_ARG(run)));
    return cl_launch_elements(be, k, name, cl_row_items((size_t)planes * win->oh, win->ow, run));
}

/* An argmax outside the input plane (only a corrupted one can be) matches no
 * pixel and is ignored; checking it would need a download. */
clcnn_status clcnn_cl_maxpool_backward(clcnn_backend *be, const clcnn_window *win,
                                       clcnn_activation act, float alpha, const clcnn_tensor *y,
                                       const clcnn_tensor *dy, const clcnn_tensor *argmax,
                                       clcnn_tensor *dx)
{
    const char *op = "maxpool_backward", *name = "maxpool_backward_kernel";
    CLCNN_TRY(clcnn_op_check_fused_activation(op, act, alpha));
    CLCNN_TRY(clcnn_op_check_pool(be, op, win, dx, dy));
    CLCNN_TRY(clcnn_op_check_count(be, op, argmax, CLCNN_I32, dy->count));
    if (act != CLCNN_ACT_NONE)
        CLCNN_TRY(clcnn_op_check_count(be, op, y, CLCNN_REAL, dy->count));
    cl_kernel k;
    /* Without an activation the kernels get dy's buffer in y's place and read none. */
    cl_mem dym = clcnn_cl_mem(dy), am = clcnn_cl_mem(argmax), dxm = clcnn_cl_mem(dx),
           ym = clcnn_cl_mem(act != CLCNN_ACT_NONE ? y : dy);
    int planes = dx->shape.n * win->c, kind = (int)act;
    int run = cl_row_run(be, win->w);
    if (run >= win->w) { /* CPUs: a work-item per plane (see the kernel) */
        name = "maxpool_backward_plane_kernel";
        CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
        CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(dym), CLCNN_ARG(am), CLCNN_ARG(ym),
                                    CLCNN_ARG(kind), CLCNN_ARG(alpha), CLCNN_ARG(dxm),
                                    CLCNN_ARG(planes), CLCNN_ARG(win->h), CLCNN_ARG(win->w),
                                    CLCNN_ARG(win->oh), CLCNN_ARG(win->ow)));
        return cl_launch_elements(be, k, name, (size_t)planes);
    }
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(dym), CLCNN_ARG(am), CLCNN_ARG(ym),
                                CLCNN_ARG(kind), CLCNN_ARG(alpha), CLCNN_ARG(dxm),
                                CLCNN_ARG(planes), POOL_ARGS(win), CLCNN_ARG(run)));
    return cl_launch_elements(be, k, name, cl_row_items((size_t)planes * win->h, win->w, run));
}

clcnn_status clcnn_cl_avgpool_forward(clcnn_backend *be, const clcnn_window *win,
                                      const clcnn_tensor *x, clcnn_tensor *y)
{
    const char *op = "avgpool_forward", *name = "avgpool_forward_kernel";
    CLCNN_TRY(clcnn_op_check_pool(be, op, win, x, y));
    cl_kernel k;
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    cl_mem xm = clcnn_cl_mem(x), ym = clcnn_cl_mem(y);
    int planes = y->shape.n * win->c;
    int run = cl_row_run(be, win->ow);
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(xm), CLCNN_ARG(ym), CLCNN_ARG(planes),
                                POOL_ARGS(win), CLCNN_ARG(run)));
    return cl_launch_elements(be, k, name, cl_row_items((size_t)planes * win->oh, win->ow, run));
}

clcnn_status clcnn_cl_avgpool_backward(clcnn_backend *be, const clcnn_window *win,
                                       const clcnn_tensor *dy, clcnn_tensor *dx)
{
    const char *op = "avgpool_backward", *name = "avgpool_backward_kernel";
    CLCNN_TRY(clcnn_op_check_pool(be, op, win, dx, dy));
    cl_kernel k;
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    cl_mem dym = clcnn_cl_mem(dy), dxm = clcnn_cl_mem(dx);
    int planes = dx->shape.n * win->c;
    int run = cl_row_run(be, win->w);
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(dym), CLCNN_ARG(dxm), CLCNN_ARG(planes),
                                POOL_ARGS(win), CLCNN_ARG(run)));
    return cl_launch_elements(be, k, name, cl_row_items((size_t)planes * win->h, win->w, run));
}
