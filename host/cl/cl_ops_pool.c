/* Pooling ops of the "cl" backend (kernels/pool.cl). */
#include "cl/cl_ops.h"

/* The 10 geometry arguments of the pooling kernels, after planes (the run
 * follows them). */
#define POOL_ARGS(win)                                                                            \
    CLCNN_ARG((win)->h), CLCNN_ARG((win)->w), CLCNN_ARG((win)->kh), CLCNN_ARG((win)->kw),         \
        CLCNN_ARG((win)->sh), CLCNN_ARG((win)->sw), CLCNN_ARG((win)->ph), CLCNN_ARG((win)->pw),   \
        CLCNN_ARG((win)->oh), CLCNN_ARG((win)->ow)

/* x has the window's input geometry, y its output geometry, same images. */
static clcnn_status check_pool(clcnn_backend *be, const char *op, const clcnn_window *win,
                               const clcnn_tensor *x, const clcnn_tensor *y)
{
    CL_OPS_TRY(cl_check_window_tensor(be, op, win, x, CLCNN_REAL, 0));
    CL_OPS_TRY(cl_check_window_tensor(be, op, win, y, CLCNN_REAL, 1));
    if (x->shape.n != y->shape.n)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: input has %d images, output %d", op, x->shape.n,
                          y->shape.n);
    return CLCNN_OK;
}

clcnn_status clcnn_cl_maxpool_forward(clcnn_backend *be, const clcnn_window *win,
                                      const clcnn_tensor *x, clcnn_tensor *y,
                                      clcnn_tensor *argmax)
{
    const char *op = "maxpool_forward", *name = "maxpool_forward_kernel";
    CL_OPS_TRY(check_pool(be, op, win, x, y));
    CL_OPS_TRY(cl_check_tensor(be, op, argmax, CLCNN_I32, y->count));
    cl_kernel k;
    CL_OPS_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    cl_mem xm = clcnn_cl_mem(x), ym = clcnn_cl_mem(y), am = clcnn_cl_mem(argmax);
    int planes = y->shape.n * win->c;
    int run = cl_row_run(be, win->ow);
    CL_OPS_TRY(clcnn_cl_set_args(k, name, 15, CLCNN_ARG(xm), CLCNN_ARG(ym), CLCNN_ARG(am),
                                 CLCNN_ARG(planes), POOL_ARGS(win), CLCNN_ARG(run)));
    return cl_launch_elements(be, k, name, cl_row_items((size_t)planes * win->oh, win->ow, run));
}

/* An argmax outside the input plane (only a corrupted one can be) matches no
 * pixel and is ignored; checking it would need a download. */
clcnn_status clcnn_cl_maxpool_backward(clcnn_backend *be, const clcnn_window *win,
                                       const clcnn_tensor *dy, const clcnn_tensor *argmax,
                                       clcnn_tensor *dx)
{
    const char *op = "maxpool_backward", *name = "maxpool_backward_kernel";
    CL_OPS_TRY(check_pool(be, op, win, dx, dy));
    CL_OPS_TRY(cl_check_tensor(be, op, argmax, CLCNN_I32, dy->count));
    cl_kernel k;
    cl_mem dym = clcnn_cl_mem(dy), am = clcnn_cl_mem(argmax), dxm = clcnn_cl_mem(dx);
    int planes = dx->shape.n * win->c;
    int run = cl_row_run(be, win->w);
    if (run >= win->w) { /* CPUs: a work-item per plane (see the kernel) */
        name = "maxpool_backward_plane_kernel";
        CL_OPS_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
        CL_OPS_TRY(clcnn_cl_set_args(k, name, 8, CLCNN_ARG(dym), CLCNN_ARG(am), CLCNN_ARG(dxm),
                                     CLCNN_ARG(planes), CLCNN_ARG(win->h), CLCNN_ARG(win->w),
                                     CLCNN_ARG(win->oh), CLCNN_ARG(win->ow)));
        return cl_launch_elements(be, k, name, (size_t)planes);
    }
    CL_OPS_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    CL_OPS_TRY(clcnn_cl_set_args(k, name, 15, CLCNN_ARG(dym), CLCNN_ARG(am), CLCNN_ARG(dxm),
                                 CLCNN_ARG(planes), POOL_ARGS(win), CLCNN_ARG(run)));
    return cl_launch_elements(be, k, name, cl_row_items((size_t)planes * win->h, win->w, run));
}

clcnn_status clcnn_cl_avgpool_forward(clcnn_backend *be, const clcnn_window *win,
                                      const clcnn_tensor *x, clcnn_tensor *y)
{
    const char *op = "avgpool_forward", *name = "avgpool_forward_kernel";
    CL_OPS_TRY(check_pool(be, op, win, x, y));
    cl_kernel k;
    CL_OPS_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    cl_mem xm = clcnn_cl_mem(x), ym = clcnn_cl_mem(y);
    int planes = y->shape.n * win->c;
    int run = cl_row_run(be, win->ow);
    CL_OPS_TRY(clcnn_cl_set_args(k, name, 14, CLCNN_ARG(xm), CLCNN_ARG(ym), CLCNN_ARG(planes),
                                 POOL_ARGS(win), CLCNN_ARG(run)));
    return cl_launch_elements(be, k, name, cl_row_items((size_t)planes * win->oh, win->ow, run));
}

clcnn_status clcnn_cl_avgpool_backward(clcnn_backend *be, const clcnn_window *win,
                                       const clcnn_tensor *dy, clcnn_tensor *dx)
{
    const char *op = "avgpool_backward", *name = "avgpool_backward_kernel";
    CL_OPS_TRY(check_pool(be, op, win, dx, dy));
    cl_kernel k;
    CL_OPS_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    cl_mem dym = clcnn_cl_mem(dy), dxm = clcnn_cl_mem(dx);
    int planes = dx->shape.n * win->c;
    int run = cl_row_run(be, win->w);
    CL_OPS_TRY(clcnn_cl_set_args(k, name, 14, CLCNN_ARG(dym), CLCNN_ARG(dxm), CLCNN_ARG(planes),
                                 POOL_ARGS(win), CLCNN_ARG(run)));
    return cl_launch_elements(be, k, name, cl_row_items((size_t)planes * win->h, win->w, run));
}
