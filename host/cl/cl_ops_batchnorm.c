/* Batch normalization of the "cl" backend (kernels/batchnorm.cl): a per-channel
 * reduction kernel (one work-group per channel) followed by an element-wise
 * kernel; the reduction writes its per-channel results straight into the
 * caller's tensors, so no scratch memory is needed. */
#include "cl/cl_ops.h"

/* y = act(gamma * (x - mean) * invstd + beta) with per-channel mean and invstd. */
static clcnn_status normalize(clcnn_backend *be, const clcnn_tensor *x, const clcnn_tensor *gamma,
                              const clcnn_tensor *beta, const clcnn_tensor *mean,
                              const clcnn_tensor *invstd, int act, float alpha, clcnn_tensor *y)
{
    const char *name = "bn_normalize_kernel";
    cl_kernel k;
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    cl_mem xm = clcnn_cl_mem(x), gm = clcnn_cl_mem(gamma), bm = clcnn_cl_mem(beta),
           mm = clcnn_cl_mem(mean), im = clcnn_cl_mem(invstd), ym = clcnn_cl_mem(y);
    int planes = x->shape.n * x->shape.c, c = x->shape.c, p = x->shape.h * x->shape.w;
    int run = cl_row_run(be, p);
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(xm), CLCNN_ARG(gm), CLCNN_ARG(bm),
                                CLCNN_ARG(mm), CLCNN_ARG(im), CLCNN_ARG(act), CLCNN_ARG(alpha),
                                CLCNN_ARG(ym), CLCNN_ARG(planes), CLCNN_ARG(c), CLCNN_ARG(p),
                                CLCNN_ARG(run)));
    return cl_launch_elements(be, k, name, cl_row_items((size_t)planes, p, run));
}

clcnn_status clcnn_cl_batchnorm_forward_train(clcnn_backend *be, const clcnn_tensor *x,
                                              const clcnn_tensor *gamma,
                                              const clcnn_tensor *beta, float momentum,
                                              float eps, clcnn_activation act, float alpha,
                                              clcnn_tensor *running_mean,
                                              clcnn_tensor *running_var,
                                              clcnn_tensor *save_mean,
                                              clcnn_tensor *save_invstd, clcnn_tensor *y)
{
    const char *op = "batchnorm_forward_train", *name = "bn_stats_kernel";
    const clcnn_tensor *per_channel[] = {gamma, beta, running_mean, running_var, save_mean,
                                         save_invstd};
    CLCNN_TRY(clcnn_op_check_batchnorm(be, op, act, alpha, x, y, per_channel, 6));
    cl_kernel k;
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    cl_mem xm = clcnn_cl_mem(x), rmm = clcnn_cl_mem(running_mean),
           rvm = clcnn_cl_mem(running_var), smm = clcnn_cl_mem(save_mean),
           sim = clcnn_cl_mem(save_invstd);
    int n = x->shape.n, c = x->shape.c, p = x->shape.h * x->shape.w;
    int run = cl_reduction_run(be, p);
    size_t group = cl_reduction_group_size_for(be, k, n, p, run);
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(xm), CLCNN_ARG(n), CLCNN_ARG(c),
                                CLCNN_ARG(p), CLCNN_ARG(run), CLCNN_ARG(momentum), CLCNN_ARG(eps),
                                CLCNN_ARG(rmm), CLCNN_ARG(rvm), CLCNN_ARG(smm), CLCNN_ARG(sim),
                                CLCNN_LOCAL_ARG(group * sizeof(float))));
    CLCNN_TRY(cl_launch_groups(be, k, name, (size_t)c, group));
    return normalize(be, x, gamma, beta, save_mean, save_invstd, (int)act, alpha, y);
}

clcnn_status clcnn_cl_batchnorm_forward_eval(clcnn_backend *be, const clcnn_tensor *x,
                                             const clcnn_tensor *gamma, const clcnn_tensor *beta,
                                             const clcnn_tensor *running_mean,
                                             const clcnn_tensor *running_var, float eps,
                                             clcnn_activation act, float alpha, clcnn_tensor *y)
{
    const char *op = "batchnorm_forward_eval", *name = "bn_eval_kernel";
    const clcnn_tensor *per_channel[] = {gamma, beta, running_mean, running_var};
    CLCNN_TRY(clcnn_op_check_batchnorm(be, op, act, alpha, x, y, per_channel, 4));
    cl_kernel k;
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    cl_mem xm = clcnn_cl_mem(x), gm = clcnn_cl_mem(gamma), bm = clcnn_cl_mem(beta),
           rmm = clcnn_cl_mem(running_mean), rvm = clcnn_cl_mem(running_var),
           ym = clcnn_cl_mem(y);
    int planes = x->shape.n * x->shape.c, c = x->shape.c, p = x->shape.h * x->shape.w;
    int run = cl_row_run(be, p), kind = (int)act;
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(xm), CLCNN_ARG(gm), CLCNN_ARG(bm),
                                CLCNN_ARG(rmm), CLCNN_ARG(rvm), CLCNN_ARG(eps), CLCNN_ARG(kind),
                                CLCNN_ARG(alpha), CLCNN_ARG(ym), CLCNN_ARG(planes), CLCNN_ARG(c),
                                CLCNN_ARG(p), CLCNN_ARG(run)));
    return cl_launch_elements(be, k, name, cl_row_items((size_t)planes, p, run));
}

clcnn_status clcnn_cl_batchnorm_backward(clcnn_backend *be, const clcnn_tensor *dy,
                                         const clcnn_tensor *x, const clcnn_tensor *gamma,
                                         const clcnn_tensor *beta, const clcnn_tensor *save_mean,
                                         const clcnn_tensor *save_invstd, clcnn_activation act,
                                         float alpha, clcnn_tensor *dx, clcnn_tensor *dgamma,
                                         clcnn_tensor *dbeta)
{
    const char *op = "batchnorm_backward";
    const clcnn_tensor *per_channel[] = {gamma, beta, save_mean, save_invstd, dgamma, dbeta};
    CLCNN_TRY(clcnn_op_check_batchnorm(be, op, act, alpha, x, dy, per_channel, 6));
    CLCNN_TRY(clcnn_op_check_count(be, op, dx, CLCNN_REAL, x->count));
    clcnn_cl *cl = clcnn_cl_of(be);
    cl_mem dym = clcnn_cl_mem(dy), xm = clcnn_cl_mem(x), gm = clcnn_cl_mem(gamma),
           bm = clcnn_cl_mem(beta), mm = clcnn_cl_mem(save_mean), im = clcnn_cl_mem(save_invstd),
           dxm = clcnn_cl_mem(dx), dgm = clcnn_cl_mem(dgamma), dbm = clcnn_cl_mem(dbeta);
    int n = x->shape.n, c = x->shape.c, p = x->shape.h * x->shape.w;
    int planes = n * c, m_total = n * p, kind = (int)act;

    const char *reduce = "bn_backward_reduce_kernel";
    cl_kernel k;
    CLCNN_TRY(clcnn_cl_kernel(cl, reduce, &k));
    int run = cl_reduction_run(be, p);
    size_t group = cl_reduction_group_size_for(be, k, n, p, run);
    CLCNN_TRY(clcnn_cl_set_args(k, reduce, CLCNN_ARG(dym), CLCNN_ARG(xm), CLCNN_ARG(gm),
                                CLCNN_ARG(bm), CLCNN_ARG(mm), CLCNN_ARG(im), CLCNN_ARG(kind),
                                CLCNN_ARG(alpha), CLCNN_ARG(n), CLCNN_ARG(c), CLCNN_ARG(p),
                                CLCNN_ARG(run), CLCNN_ARG(dgm), CLCNN_ARG(dbm),
                                CLCNN_LOCAL_ARG(group * sizeof(float))));
    CLCNN_TRY(cl_launch_groups(be, k, reduce, (size_t)c, group));

    /* dx may alias dy: the reduction above has read dy before this runs (in-order queue). */
    const char *dx_name = "bn_backward_dx_kernel";
    CLCNN_TRY(clcnn_cl_kernel(cl, dx_name, &k));
    CLCNN_TRY(clcnn_cl_set_args(k, dx_name, CLCNN_ARG(dym), CLCNN_ARG(xm), CLCNN_ARG(gm),
                                CLCNN_ARG(bm), CLCNN_ARG(mm), CLCNN_ARG(im), CLCNN_ARG(kind),
                                CLCNN_ARG(alpha), CLCNN_ARG(dgm), CLCNN_ARG(dbm), CLCNN_ARG(dxm),
                                CLCNN_ARG(planes), CLCNN_ARG(c), CLCNN_ARG(p), CLCNN_ARG(m_total),
                                CLCNN_ARG(run)));
    return cl_launch_elements(be, k, dx_name, cl_row_items((size_t)planes, p, run));
}
