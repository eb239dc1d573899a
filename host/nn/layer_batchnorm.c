/* Batch normalization per channel (per feature after an fc layer, whose
 * output is N x D x 1 x 1). Training uses batch statistics and updates the
 * running averages; evaluation uses the running averages. */
#include "nn/layer.h"

static clcnn_status batchnorm_setup(nn_layer *l, clcnn_backend *be, int batch)
{
    clcnn_shape per_channel = clcnn_shape_make(1, l->in.c, 1, 1);
    NN_TRY(nn_layer_add_param(l, be, NN_GAMMA, per_channel, "gamma"));
    NN_TRY(nn_layer_add_param(l, be, NN_BETA, per_channel, "beta"));
    NN_TRY(nn_layer_add_state(l, be, NN_RUNNING_MEAN, per_channel, "running_mean"));
    NN_TRY(nn_layer_add_state(l, be, NN_RUNNING_VAR, per_channel, "running_var"));
    NN_TRY(clcnn_tensor_alloc(be, &l->cache[0], per_channel, CLCNN_REAL, l->name));
    return clcnn_tensor_alloc(be, &l->cache[1], per_channel, CLCNN_REAL, l->name);
}

static clcnn_status batchnorm_forward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                                      clcnn_tensor *y)
{
    const clcnn_backend_ops *ops = st->be->ops;
    if (st->training)
        return ops->batchnorm_forward_train(st->be, x, &l->value[NN_GAMMA], &l->value[NN_BETA],
                                            l->spec.momentum, l->spec.eps,
                                            &l->state[NN_RUNNING_MEAN], &l->state[NN_RUNNING_VAR],
                                            &l->cache[0], &l->cache[1], y);
    return ops->batchnorm_forward_eval(st->be, x, &l->value[NN_GAMMA], &l->value[NN_BETA],
                                       &l->state[NN_RUNNING_MEAN], &l->state[NN_RUNNING_VAR],
                                       l->spec.eps, y);
}

static clcnn_status batchnorm_backward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                                       const clcnn_tensor *y, const clcnn_tensor *dy,
                                       clcnn_tensor *dx, int need_dx)
{
    /* The op always produces dx; when it is not needed it lands in scratch. */
    return st->be->ops->batchnorm_backward(st->be, dy, x, &l->value[NN_GAMMA], &l->cache[0],
                                           &l->cache[1], dx, &l->grad[NN_GAMMA],
                                           &l->grad[NN_BETA]);
}

const nn_layer_ops nn_batchnorm_ops = {batchnorm_setup, batchnorm_forward, batchnorm_backward};
