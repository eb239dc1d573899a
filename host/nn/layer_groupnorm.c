/* Group normalization and layer normalization (group norm with one group):
 * per image over each group of channels and all positions, gamma and beta
 * per channel (per feature after an fc layer). No running statistics, so
 * training and evaluation run the same op; the per-image statistics of the
 * last forward are kept for backward. */
#include "nn/layer.h"

static int gn_groups(const nn_layer *l)
{
    return l->spec.kind == CLCNN_LAYER_LAYERNORM ? 1 : l->spec.groups;
}

static clcnn_status groupnorm_setup(nn_layer *l, clcnn_backend *be, int batch)
{
    clcnn_shape per_channel = clcnn_shape_make(1, l->in.c, 1, 1);
    clcnn_shape per_group = clcnn_shape_make(batch, gn_groups(l), 1, 1);
    NN_TRY(nn_layer_add_param(l, be, NN_GAMMA, per_channel, "gamma"));
    NN_TRY(nn_layer_add_param(l, be, NN_BETA, per_channel, "beta"));
    NN_TRY(clcnn_tensor_alloc(be, &l->cache[0], per_group, CLCNN_REAL, l->name));
    return clcnn_tensor_alloc(be, &l->cache[1], per_group, CLCNN_REAL, l->name);
}

static clcnn_status groupnorm_forward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                                      clcnn_tensor *y)
{
    clcnn_tensor mean = nn_batch_view(&l->cache[0], st->n);
    clcnn_tensor invstd = nn_batch_view(&l->cache[1], st->n);
    return st->be->ops->groupnorm_forward(st->be, gn_groups(l), l->spec.eps, x,
                                          &l->value[NN_GAMMA], &l->value[NN_BETA], &mean,
                                          &invstd, y);
}

static clcnn_status groupnorm_backward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                                       const clcnn_tensor *y, const clcnn_tensor *dy,
                                       clcnn_tensor *dx, int need_dx)
{
    /* The op always produces dx; when it is not needed it lands in scratch. */
    clcnn_tensor mean = nn_batch_view(&l->cache[0], st->n);
    clcnn_tensor invstd = nn_batch_view(&l->cache[1], st->n);
    return st->be->ops->groupnorm_backward(st->be, gn_groups(l), dy, x, &l->value[NN_GAMMA],
                                           &mean, &invstd, dx, &l->grad[NN_GAMMA],
                                           &l->grad[NN_BETA]);
}

const nn_layer_ops nn_groupnorm_ops = {groupnorm_setup, groupnorm_forward, groupnorm_backward};
