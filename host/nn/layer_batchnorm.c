/* Batch normalization per channel (per feature after an fc layer, whose
 * output is N x D x 1 x 1), or per activation: every (c, h, w) position its
 * own statistics, gamma and beta, as the CIFAR notebook does; that is the
 * per-channel op on the N x (C*H*W) x 1 x 1 view of the same memory.
 * Training uses batch statistics and updates the running averages;
 * evaluation uses the running averages. */
#include "nn/layer.h"

/* The units that get their own statistics: channels, or every activation. */
static int bn_units(const nn_layer *l)
{
    return l->spec.per_activation ? l->in.c * l->in.h * l->in.w : l->in.c;
}

/* t as the op sees it: unchanged per channel, N x CHW x 1 x 1 per activation. */
static clcnn_tensor bn_view(const nn_layer *l, const clcnn_tensor *t)
{
    if (!l->spec.per_activation)
        return *t;
    return clcnn_tensor_view(t, clcnn_shape_make(t->shape.n, bn_units(l), 1, 1));
}

static clcnn_status batchnorm_setup(nn_layer *l, clcnn_backend *be, int batch)
{
    clcnn_shape per_unit = clcnn_shape_make(1, bn_units(l), 1, 1);
    NN_TRY(nn_layer_add_param(l, be, NN_GAMMA, per_unit, "gamma"));
    NN_TRY(nn_layer_add_param(l, be, NN_BETA, per_unit, "beta"));
    NN_TRY(nn_layer_add_state(l, be, NN_RUNNING_MEAN, per_unit, "running_mean"));
    NN_TRY(nn_layer_add_state(l, be, NN_RUNNING_VAR, per_unit, "running_var"));
    NN_TRY(clcnn_tensor_alloc(be, &l->cache[0], per_unit, CLCNN_REAL, l->name));
    return clcnn_tensor_alloc(be, &l->cache[1], per_unit, CLCNN_REAL, l->name);
}

static clcnn_status batchnorm_forward(nn_layer *l, const nn_step *st, const clcnn_tensor *x_in,
                                      clcnn_tensor *y_in)
{
    const clcnn_backend_ops *ops = st->be->ops;
    clcnn_tensor x = bn_view(l, x_in), y = bn_view(l, y_in);
    if (st->training)
        return ops->batchnorm_forward_train(st->be, &x, &l->value[NN_GAMMA], &l->value[NN_BETA],
                                            l->spec.momentum, l->spec.eps,
                                            &l->state[NN_RUNNING_MEAN], &l->state[NN_RUNNING_VAR],
                                            &l->cache[0], &l->cache[1], &y);
    return ops->batchnorm_forward_eval(st->be, &x, &l->value[NN_GAMMA], &l->value[NN_BETA],
                                       &l->state[NN_RUNNING_MEAN], &l->state[NN_RUNNING_VAR],
                                       l->spec.eps, &y);
}

static clcnn_status batchnorm_backward(nn_layer *l, const nn_step *st, const clcnn_tensor *x_in,
                                       const clcnn_tensor *y_in, const clcnn_tensor *dy_in,
                                       clcnn_tensor *dx_in, int need_dx)
{
    /* The op always produces dx; when it is not needed it lands in scratch. */
    clcnn_tensor x = bn_view(l, x_in), dy = bn_view(l, dy_in), dx = bn_view(l, dx_in);
    return st->be->ops->batchnorm_backward(st->be, &dy, &x, &l->value[NN_GAMMA], &l->cache[0],
                                           &l->cache[1], &dx, &l->grad[NN_GAMMA],
                                           &l->grad[NN_BETA]);
}

const nn_layer_ops nn_batchnorm_ops = {batchnorm_setup, batchnorm_forward, batchnorm_backward};
