/* Optimizer steps of the "cl" backend (kernels/optimizer.cl): one kernel
 * per optimizer kind, one work-item per weight. */
#include <math.h>

#include "cl/cl_ops.h"

static clcnn_status check_step(clcnn_backend *be, const clcnn_optimizer_step *hp,
                               const clcnn_tensor *w, const clcnn_tensor *g,
                               const clcnn_tensor *m, const clcnn_tensor *v)
{
    static const char op[] = "optimizer_step";
    CL_OPS_TRY(cl_check_tensor(be, op, w, CLCNN_REAL, 0));
    CL_OPS_TRY(cl_check_tensor(be, op, g, CLCNN_REAL, w->count));
    switch (hp->kind) {
    case CLCNN_OPT_SGD:
        return CLCNN_OK;
    case CLCNN_OPT_MOMENTUM:
    case CLCNN_OPT_RMSPROP:
        return cl_check_tensor(be, op, m, CLCNN_REAL, w->count);
    case CLCNN_OPT_ADAM:
        CL_OPS_TRY(cl_check_tensor(be, op, m, CLCNN_REAL, w->count));
        CL_OPS_TRY(cl_check_tensor(be, op, v, CLCNN_REAL, w->count));
        if (hp->step < 1)
            return clcnn_fail(CLCNN_ERR_ARG, "%s: Adam step %ld must be >= 1", op, hp->step);
        return CLCNN_OK;
    }
    return clcnn_fail(CLCNN_ERR_ARG, "%s: unknown optimizer %d", op, (int)hp->kind);
}

clcnn_status clcnn_cl_optimizer_step(clcnn_backend *be, const clcnn_optimizer_step *hp,
                                     clcnn_tensor *w, const clcnn_tensor *g, clcnn_tensor *m,
                                     clcnn_tensor *v)
{
    CL_OPS_TRY(check_step(be, hp, w, g, m, v));
    clcnn_cl *cl = clcnn_cl_of(be);
    cl_mem wm = clcnn_cl_mem(w), gm = clcnn_cl_mem(g);
    cl_mem mm = m ? clcnn_cl_mem(m) : NULL, vm = v ? clcnn_cl_mem(v) : NULL;
    float lr = hp->lr, l2 = hp->l2, eps = hp->eps;
    float decay = 1.0f - lr * hp->weight_decay; /* w -= lr * weight_decay * w */
    int total = (int)w->count;
    const char *name = NULL;
    cl_kernel k = NULL;
    switch (hp->kind) {
    case CLCNN_OPT_SGD:
        name = "sgd_step_kernel";
        CL_OPS_TRY(clcnn_cl_kernel(cl, name, &k));
        CL_OPS_TRY(clcnn_cl_set_args(k, name, 6, CLCNN_ARG(wm), CLCNN_ARG(gm), CLCNN_ARG(lr),
                                     CLCNN_ARG(l2), CLCNN_ARG(decay), CLCNN_ARG(total)));
        break;
    case CLCNN_OPT_MOMENTUM: {
        name = "momentum_step_kernel";
        int nesterov = hp->nesterov != 0;
        CL_OPS_TRY(clcnn_cl_kernel(cl, name, &k));
        CL_OPS_TRY(clcnn_cl_set_args(k, name, 9, CLCNN_ARG(wm), CLCNN_ARG(gm), CLCNN_ARG(mm),
                                     CLCNN_ARG(lr), CLCNN_ARG(hp->momentum),
                                     CLCNN_ARG(nesterov), CLCNN_ARG(l2), CLCNN_ARG(decay),
                                     CLCNN_ARG(total)));
        break;
    }
    case CLCNN_OPT_RMSPROP:
        name = "rmsprop_step_kernel";
        CL_OPS_TRY(clcnn_cl_kernel(cl, name, &k));
        CL_OPS_TRY(clcnn_cl_set_args(k, name, 9, CLCNN_ARG(wm), CLCNN_ARG(gm), CLCNN_ARG(mm),
                                     CLCNN_ARG(lr), CLCNN_ARG(hp->rho), CLCNN_ARG(eps),
                                     CLCNN_ARG(l2), CLCNN_ARG(decay), CLCNN_ARG(total)));
        break;
    case CLCNN_OPT_ADAM: {
        name = "adam_step_kernel";
        /* Bias corrections in double: beta^t underflows gracefully and
         * 1 - beta^t stays accurate. */
        float c1 = (float)(1.0 - pow((double)hp->beta1, (double)hp->step));
        float c2 = (float)(1.0 - pow((double)hp->beta2, (double)hp->step));
        CL_OPS_TRY(clcnn_cl_kernel(cl, name, &k));
        CL_OPS_TRY(clcnn_cl_set_args(k, name, 13, CLCNN_ARG(wm), CLCNN_ARG(gm), CLCNN_ARG(mm),
                                     CLCNN_ARG(vm), CLCNN_ARG(lr), CLCNN_ARG(hp->beta1),
                                     CLCNN_ARG(hp->beta2), CLCNN_ARG(eps), CLCNN_ARG(c1),
                                     CLCNN_ARG(c2), CLCNN_ARG(l2), CLCNN_ARG(decay),
                                     CLCNN_ARG(total)));
        break;
    }
    }
    return cl_launch_elements(be, k, name, w->count);
}
