/* Batch normalization per channel (per feature after an fc layer, whose
 * output is N x D x 1 x 1), or per activation: every (c, h, w) position its
 * own statistics, gamma and beta, as the CIFAR notebook does; that is the
 * per-channel op on the N x (C*H*W) x 1 x 1 view of the same memory.
 * Training uses batch statistics and updates the running averages;
 * evaluation uses the running averages. The activation layer that follows
 * may run inside the op (fusion.h: l->act). */
#include <string.h>

#include "nn/net_internal.h"

/* ---- the model-file statement: batchnorm [per=channel|activation] [momentum=M] [eps=E] ---- */

static clcnn_status batchnorm_parse_option(const nn_parser *p, clcnn_layer_spec *l,
                                           const char *key, const char *value)
{
    if (strcmp(key, "momentum") == 0)
        return nn_parse_float(p, value, "momentum", 0.0, 1.0, &l->momentum);
    if (strcmp(key, "per") != 0)
        return nn_parse_shared_option(p, l, key, value, NN_OPT_EPS);
    if (strcmp(value, "channel") == 0)
        l->per_activation = 0;
    else if (strcmp(value, "activation") == 0)
        l->per_activation = 1;
    else
        return nn_parse_error(p, "%s: bad value '%s' for per (expected channel or activation)",
                              p->keyword, value);
    return CLCNN_OK;
}

static size_t batchnorm_param_count(const clcnn_layer_spec *l, clcnn_shape in)
{
    return 2 * (l->per_activation ? (size_t)in.c * (size_t)in.h * (size_t)in.w : (size_t)in.c);
}

static void batchnorm_format(nn_text *o, const clcnn_layer_spec *l)
{
    char a[32], b[32];
    nn_text_printf(o, "batchnorm per=%s momentum=%s eps=%s",
                   l->per_activation ? "activation" : "channel",
                   nn_float_text(l->momentum, a, sizeof a), nn_float_text(l->eps, b, sizeof b));
}

static int batchnorm_equal(const clcnn_layer_spec *a, const clcnn_layer_spec *b)
{
    return a->momentum == b->momentum && a->per_activation == b->per_activation &&
           nn_shared_options_equal(a, b, NN_OPT_EPS);
}

/* Gamma 1, beta 0; running mean 0, running variance 1. */
static clcnn_status batchnorm_init(nn_layer *l, const clcnn_net *net)
{
    CLCNN_TRY(nn_init_gamma_beta(l, net));
    CLCNN_TRY(net->be->ops->fill(net->be, &l->state[NN_RUNNING_MEAN], 0.0f));
    return net->be->ops->fill(net->be, &l->state[NN_RUNNING_VAR], 1.0f);
}

/* ---- the layer ---- */

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
    CLCNN_TRY(nn_layer_add_param(l, be, NN_GAMMA, per_unit, "gamma"));
    CLCNN_TRY(nn_layer_add_param(l, be, NN_BETA, per_unit, "beta"));
    CLCNN_TRY(nn_layer_add_state(l, be, NN_RUNNING_MEAN, per_unit, "running_mean"));
    CLCNN_TRY(nn_layer_add_state(l, be, NN_RUNNING_VAR, per_unit, "running_var"));
    CLCNN_TRY(clcnn_tensor_alloc(be, &l->cache[0], per_unit, CLCNN_REAL, l->name));
    return clcnn_tensor_alloc(be, &l->cache[1], per_unit, CLCNN_REAL, l->name);
}

static clcnn_status batchnorm_forward(nn_layer *l, const nn_step *st, const clcnn_tensor *x_in,
                                      clcnn_tensor *y_in)
{
    const clcnn_backend_ops *ops = st->be->ops;
    clcnn_tensor x = bn_view(l, x_in), y = bn_view(l, y_in);
    if (st->training)
        return ops->batchnorm_forward_train(st->be, &x, &l->value[NN_GAMMA], &l->value[NN_BETA],
                                            l->spec.momentum, l->spec.eps, l->act, l->act_alpha,
                                            &l->state[NN_RUNNING_MEAN], &l->state[NN_RUNNING_VAR],
                                            &l->cache[0], &l->cache[1], &y);
    return ops->batchnorm_forward_eval(st->be, &x, &l->value[NN_GAMMA], &l->value[NN_BETA],
                                       &l->state[NN_RUNNING_MEAN], &l->state[NN_RUNNING_VAR],
                                       l->spec.eps, l->act, l->act_alpha, &y);
}

static clcnn_status batchnorm_backward(nn_layer *l, const nn_step *st, const clcnn_tensor *x_in,
                                       const clcnn_tensor *y_in, const clcnn_tensor *dy_in,
                                       clcnn_tensor *dx_in, int need_dx)
{
    /* The op always produces dx; when it is not needed it lands in scratch.
     * With a fused activation dy is the gradient of its output: the op
     * recomputes z from x, so y is not read (NN_KIND_NO_Y either way). */
    clcnn_tensor x = bn_view(l, x_in), dy = bn_view(l, dy_in), dx = bn_view(l, dx_in);
    return st->be->ops->batchnorm_backward(st->be, &dy, &x, &l->value[NN_GAMMA],
                                           &l->value[NN_BETA], &l->cache[0], &l->cache[1],
                                           l->act, l->act_alpha, &dx, &l->grad[NN_GAMMA],
                                           &l->grad[NN_BETA]);
}

const nn_layer_ops nn_batchnorm_ops = {
    .keyword = "batchnorm",
    .prefix = "bn",
    .flags = NN_KIND_PASS_INIT | NN_KIND_NO_Y | NN_KIND_FUSES_ACTIVATION,
    .parse_option = batchnorm_parse_option,
    .param_count = batchnorm_param_count,
    .format = batchnorm_format,
    .equal = batchnorm_equal,
    .init = batchnorm_init,
    .setup = batchnorm_setup,
    .forward = batchnorm_forward,
    .backward = batchnorm_backward,
};
