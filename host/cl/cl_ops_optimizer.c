/* Optimizer steps of the "cl" backend (kernels/optimizer.cl): one kernel
 * per optimizer kind, one work-item per weight. */
#include <math.h>

#include "cl/cl_ops.h"

clcnn_status clcnn_cl_optimizer_step(clcnn_backend *be, const clcnn_optimizer_step *hp,
                                     clcnn_tensor *w, const clcnn_tensor *g, clcnn_tensor *m,
                                     clcnn_tensor *v)
{
    CLCNN_TRY(clcnn_op_check_optimizer(be, hp, w, g, m, v));
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
        CLCNN_TRY(clcnn_cl_kernel(cl, name, &k));
        CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(wm), CLCNN_ARG(gm), CLCNN_ARG(lr),
                                    CLCNN_ARG(l2), CLCNN_ARG(decay), CLCNN_ARG(total)));
        break;
    case CLCNN_OPT_MOMENTUM: {
        name = "momentum_step_kernel";
        int nesterov = hp->nesterov != 0;
        CLCNN_TRY(clcnn_cl_kernel(cl, name, &k));
        CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(wm), CLCNN_ARG(gm), CLCNN_ARG(mm),
                                    CLCNN_ARG(lr), CLCNN_ARG(hp->momentum),
                                    CLCNN_ARG(nesterov), CLCNN_ARG(l2), CLCNN_ARG(decay),
                                    CLCNN_ARG(total)));
        break;
    }
    case CLCNN_OPT_RMSPROP:
        name = "rmsprop_step_kernel";
        CLCNN_TRY(clcnn_cl_kernel(cl, name, &k));
        CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(wm), CLCNN_ARG(gm), CLCNN_ARG(mm),
                                    CLCNN_ARG(lr), CLCNN_ARG(hp->rho), CLCNN_ARG(eps),
                                    CLCNN_ARG(l2), CLCNN_ARG(decay), CLCNN_ARG(total)));
        break;
    case CLCNN_OPT_ADAM: {
        name = "adam_step_kernel";
        /* Bias corrections in double: beta^t underflows gracefully and
         * 1 - beta^t stays accurate. */
        float c1 = (float)(1.0 - pow((double)hp->beta1, (double)hp->step));
        float c2 = (float)(1.0 - pow((double)hp->beta2, (double)hp->step));
        CLCNN_TRY(clcnn_cl_kernel(cl, name, &k));
        CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(wm), CLCNN_ARG(gm), CLCNN_ARG(mm),
                                    CLCNN_ARG(vm), CLCNN_ARG(lr), CLCNN_ARG(hp->beta1),
                                    CLCNN_ARG(hp->beta2), CLCNN_ARG(eps), CLCNN_ARG(c1),
                                    CLCNN_ARG(c2), CLCNN_ARG(l2), CLCNN_ARG(decay),
                                    CLCNN_ARG(total)));
        break;
    }
    }
    return cl_launch_elements(be, k, name, w->count);
}
