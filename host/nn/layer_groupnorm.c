/* Group normalization and layer normalization (group norm with one group):
 * per image over each group of channels and all positions, gamma and beta
 * per channel (per feature after an fc layer). No running statistics, so
 * training and evaluation run the same op; the per-image statistics of the
 * last forward are kept for backward. */
#include "nn/layer.h"

/* ---- the model-file statements: groupnorm GROUPS [eps=E]  |  layernorm [eps=E] ---- */

static clcnn_status groupnorm_parse_positional(const nn_parser *p, clcnn_layer_spec *l,
                                               char **pos)
{
    return nn_parse_int(p, pos[0], "group count", 1, NN_MAX_DIM, &l->groups);
}

static clcnn_status norm_parse_option(const nn_parser *p, clcnn_layer_spec *l, const char *key,
                                      const char *value)
{
    return nn_parse_shared_option(p, l, key, value, NN_OPT_EPS);
}

static clcnn_status groupnorm_output_shape(const clcnn_model_spec *spec,
                                           const clcnn_layer_spec *l, clcnn_shape in,
                                           clcnn_shape *out)
{
    if (l->groups < 1 || in.c % l->groups)
        return nn_spec_error(spec, l->line, "groupnorm: %d groups do not divide the %d input "
                             "channels", l->groups, in.c);
    *out = in;
    return CLCNN_OK;
}

static size_t norm_param_count(const clcnn_layer_spec *l, clcnn_shape in)
{
    return 2 * (size_t)in.c;
}

static void groupnorm_format(nn_text *o, const clcnn_layer_spec *l)
{
    char a[32];
    nn_text_printf(o, "groupnorm %d eps=%s", l->groups, nn_float_text(l->eps, a, sizeof a));
}

static void layernorm_format(nn_text *o, const clcnn_layer_spec *l)
{
    char a[32];
    nn_text_printf(o, "layernorm eps=%s", nn_float_text(l->eps, a, sizeof a));
}

static int groupnorm_equal(const clcnn_layer_spec *a, const clcnn_layer_spec *b)
{
    return a->groups == b->groups && nn_shared_options_equal(a, b, NN_OPT_EPS);
}

static int layernorm_equal(const clcnn_layer_spec *a, const clcnn_layer_spec *b)
{
    return nn_shared_options_equal(a, b, NN_OPT_EPS);
}

/* ---- the layers ---- */

static int gn_groups(const nn_layer *l)
{
    return l->spec.kind == CLCNN_LAYER_LAYERNORM ? 1 : l->spec.groups;
}

static clcnn_status groupnorm_setup(nn_layer *l, clcnn_backend *be, int batch)
{
    clcnn_shape per_channel = clcnn_shape_make(1, l->in.c, 1, 1);
    clcnn_shape per_group = clcnn_shape_make(batch, gn_groups(l), 1, 1);
    CLCNN_TRY(nn_layer_add_param(l, be, NN_GAMMA, per_channel, "gamma"));
    CLCNN_TRY(nn_layer_add_param(l, be, NN_BETA, per_channel, "beta"));
    CLCNN_TRY(clcnn_tensor_alloc(be, &l->cache[0], per_group, CLCNN_REAL, l->name));
    return clcnn_tensor_alloc(be, &l->cache[1], per_group, CLCNN_REAL, l->name);
}

static clcnn_status groupnorm_forward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                                      clcnn_tensor *y)
{
    clcnn_tensor mean = clcnn_tensor_first_images(&l->cache[0], st->n);
    clcnn_tensor invstd = clcnn_tensor_first_images(&l->cache[1], st->n);
    return st->be->ops->groupnorm_forward(st->be, gn_groups(l), l->spec.eps, x,
                                          &l->value[NN_GAMMA], &l->value[NN_BETA], &mean,
                                          &invstd, y);
}

static clcnn_status groupnorm_backward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                                       const clcnn_tensor *y, const clcnn_tensor *dy,
                                       clcnn_tensor *dx, int need_dx)
{
    /* The op always produces dx; when it is not needed it lands in scratch. */
    clcnn_tensor mean = clcnn_tensor_first_images(&l->cache[0], st->n);
    clcnn_tensor invstd = clcnn_tensor_first_images(&l->cache[1], st->n);
    return st->be->ops->groupnorm_backward(st->be, gn_groups(l), dy, x, &l->value[NN_GAMMA],
                                           &mean, &invstd, dx, &l->grad[NN_GAMMA],
                                           &l->grad[NN_BETA]);
}

#define NORM_LAYER                                                                                \
    .flags = NN_KIND_PASS_INIT | NN_KIND_NO_Y, .parse_option = norm_parse_option,                                \
    .param_count = norm_param_count, .init = nn_init_gamma_beta, .setup = groupnorm_setup,        \
    .forward = groupnorm_forward, .backward = groupnorm_backward

const nn_layer_ops nn_groupnorm_ops = {
    .keyword = "groupnorm",
    .prefix = "gn",
    .n_positional = 1,
    .usage = "groupnorm GROUPS [eps=E]",
    .parse_positional = groupnorm_parse_positional,
    .output_shape = groupnorm_output_shape,
    .format = groupnorm_format,
    .equal = groupnorm_equal,
    NORM_LAYER,
};

const nn_layer_ops nn_layernorm_ops = {
    .keyword = "layernorm",
    .prefix = "ln",
    .format = layernorm_format,
    .equal = layernorm_equal,
    NORM_LAYER,
};
