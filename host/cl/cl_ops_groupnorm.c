/* Group normalization of the "cl" backend (kernels/groupnorm.cl): forward is
 * one kernel with a work-group per (image, group) that reduces and then
 * normalizes; backward is a per-channel reduction for dgamma and dbeta,
 * then a kernel with a work-group per (image, group) for dx. */
#include "cl/cl_ops.h"

clcnn_status clcnn_cl_groupnorm_forward(clcnn_backend *be, int groups, float eps,
                                        const clcnn_tensor *x, const clcnn_tensor *gamma,
                                        const clcnn_tensor *beta, clcnn_tensor *save_mean,
                                        clcnn_tensor *save_invstd, clcnn_tensor *y)
{
    const char *op = "groupnorm_forward", *name = "gn_forward_kernel";
    const clcnn_tensor *per_channel[] = {gamma, beta};
    const clcnn_tensor *per_group[] = {save_mean, save_invstd};
    CLCNN_TRY(clcnn_op_check_groupnorm(be, op, groups, x, y, per_channel, 2, per_group, 2));
    cl_kernel k;
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    size_t group = cl_reduction_group_size(be, k);
    cl_mem xm = clcnn_cl_mem(x), gm = clcnn_cl_mem(gamma), bm = clcnn_cl_mem(beta),
           mm = clcnn_cl_mem(save_mean), im = clcnn_cl_mem(save_invstd), ym = clcnn_cl_mem(y);
    int cg = x->shape.c / groups, p = x->shape.h * x->shape.w;
    int run = cl_reduction_run(be, cg * p);
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(xm), CLCNN_ARG(gm), CLCNN_ARG(bm),
                                CLCNN_ARG(cg), CLCNN_ARG(p), CLCNN_ARG(groups), CLCNN_ARG(run),
                                CLCNN_ARG(eps), CLCNN_ARG(mm), CLCNN_ARG(im), CLCNN_ARG(ym),
                                CLCNN_LOCAL_ARG(group * sizeof(float))));
    return cl_launch_groups(be, k, name, (size_t)x->shape.n * (size_t)groups, group);
}

clcnn_status clcnn_cl_groupnorm_backward(clcnn_backend *be, int groups, const clcnn_tensor *dy,
                                         const clcnn_tensor *x, const clcnn_tensor *gamma,
                                         const clcnn_tensor *save_mean,
                                         const clcnn_tensor *save_invstd, clcnn_tensor *dx,
                                         clcnn_tensor *dgamma, clcnn_tensor *dbeta)
{
    const char *op = "groupnorm_backward";
    const clcnn_tensor *per_channel[] = {gamma, dgamma, dbeta};
    const clcnn_tensor *per_group[] = {save_mean, save_invstd};
    CLCNN_TRY(clcnn_op_check_groupnorm(be, op, groups, x, dy, per_channel, 3, per_group, 2));
    CLCNN_TRY(clcnn_op_check_count(be, op, dx, CLCNN_REAL, x->count));
    clcnn_cl *cl = clcnn_cl_of(be);
    cl_mem dym = clcnn_cl_mem(dy), xm = clcnn_cl_mem(x), gm = clcnn_cl_mem(gamma),
           mm = clcnn_cl_mem(save_mean), im = clcnn_cl_mem(save_invstd),
           dxm = clcnn_cl_mem(dx), dgm = clcnn_cl_mem(dgamma), dbm = clcnn_cl_mem(dbeta);
    int n = x->shape.n, c = x->shape.c, cg = c / groups, p = x->shape.h * x->shape.w;

    /* dgamma and dbeta first: dx may alias dy, and the queue is in order. */
    const char *params = "gn_backward_params_kernel";
    cl_kernel k;
    CLCNN_TRY(clcnn_cl_kernel(cl, params, &k));
    size_t group = cl_reduction_group_size(be, k);
    int run = cl_reduction_run(be, p);
    CLCNN_TRY(clcnn_cl_set_args(k, params, CLCNN_ARG(dym), CLCNN_ARG(xm), CLCNN_ARG(mm),
                                CLCNN_ARG(im), CLCNN_ARG(n), CLCNN_ARG(c), CLCNN_ARG(p),
                                CLCNN_ARG(groups), CLCNN_ARG(run), CLCNN_ARG(dgm),
                                CLCNN_ARG(dbm), CLCNN_LOCAL_ARG(group * sizeof(float))));
    CLCNN_TRY(cl_launch_groups(be, k, params, (size_t)c, group));

    const char *dx_name = "gn_backward_dx_kernel";
    CLCNN_TRY(clcnn_cl_kernel(cl, dx_name, &k));
    group = cl_reduction_group_size(be, k);
    run = cl_reduction_run(be, cg * p);
    CLCNN_TRY(clcnn_cl_set_args(k, dx_name, CLCNN_ARG(dym), CLCNN_ARG(xm), CLCNN_ARG(gm),
                                CLCNN_ARG(mm), CLCNN_ARG(im), CLCNN_ARG(cg), CLCNN_ARG(p),
                                CLCNN_ARG(groups), CLCNN_ARG(run), CLCNN_ARG(dxm),
                                CLCNN_LOCAL_ARG(group * sizeof(float))));
    return cl_launch_groups(be, k, dx_name, (size_t)n * (size_t)groups, group);
}
