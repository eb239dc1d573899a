/* Classification losses of the "cl" backend (kernels/loss.cl): one
 * work-group computes every sample and adds the sums into stats, so only
 * the two numbers of stats ever need to come back to the host. */
#include "cl/cl_ops.h"
#include "core/op_args.h"

clcnn_status clcnn_cl_loss(clcnn_backend *be, clcnn_loss_kind kind, float smoothing,
                           const clcnn_tensor *logits, const clcnn_tensor *labels,
                           float grad_scale, clcnn_tensor *dlogits, clcnn_tensor *stats)
{
    const char *op = "loss", *name = "loss_kernel";
    CLCNN_TRY(clcnn_op_check_loss(kind, smoothing));
    CLCNN_TRY(clcnn_op_check_count(be, op, logits, CLCNN_REAL, 0));
    int n = logits->shape.n, k_classes = (int)(logits->count / (size_t)n);
    CLCNN_TRY(clcnn_op_check_count(be, op, labels, CLCNN_I32, (size_t)n));
    if (dlogits)
        CLCNN_TRY(clcnn_op_check_count(be, op, dlogits, CLCNN_REAL, logits->count));
    CLCNN_TRY(clcnn_op_check_capacity(be, op, stats, CLCNN_REAL, 2));
    cl_kernel k;
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    size_t group = cl_reduction_group_size(be, k);
    cl_int kind_arg = (cl_int)kind;
    int has_grad = dlogits != NULL;
    /* A NULL buffer argument is legal OpenCL; the kernel writes it only when has_grad. */
    cl_mem lm = clcnn_cl_mem(logits), ym = clcnn_cl_mem(labels),
           dm = dlogits ? clcnn_cl_mem(dlogits) : NULL, sm = clcnn_cl_mem(stats);
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(kind_arg), CLCNN_ARG(smoothing), CLCNN_ARG(lm),
                                CLCNN_ARG(ym), CLCNN_ARG(n), CLCNN_ARG(k_classes),
                                CLCNN_ARG(grad_scale), CLCNN_ARG(has_grad), CLCNN_ARG(dm),
                                CLCNN_ARG(sm), CLCNN_LOCAL_ARG(group * sizeof(float))));
    return cl_launch_groups(be, k, name, 1, group);
}
