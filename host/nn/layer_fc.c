/* Fully connected: y = x W^T + b with W of O x I; an N x C x H x W input is
 * read as N x (C*H*W) (NCHW is already row-major in that order).
 * Backward: dW = dy^T x, db = column sums of dy, dx = dy W. */
#include "nn/layer.h"

/* ---- the model-file statement: fc OUTPUTS [bias=0|1] [init=INIT] ---- */

static clcnn_status fc_parse_positional(const nn_parser *p, clcnn_layer_spec *l, char **pos)
{
    return nn_parse_int(p, pos[0], "output count", 1, NN_MAX_DIM, &l->outputs);
}

static clcnn_status fc_parse_option(const nn_parser *p, clcnn_layer_spec *l, const char *key,
                                    const char *value)
{
    return nn_parse_shared_option(p, l, key, value, NN_OPT_WEIGHT);
}

static clcnn_status fc_output_shape(const clcnn_model_spec *spec, const clcnn_layer_spec *l,
                                    clcnn_shape in, clcnn_shape *out)
{
    *out = clcnn_shape_make(1, l->outputs, 1, 1);
    return CLCNN_OK;
}

static size_t fc_param_count(const clcnn_layer_spec *l, clcnn_shape in)
{
    size_t inputs = (size_t)in.c * (size_t)in.h * (size_t)in.w;
    return (size_t)l->outputs * inputs + (l->bias ? (size_t)l->outputs : 0);
}

static void fc_format(nn_text *o, const clcnn_layer_spec *l)
{
    char init[48];
    nn_text_printf(o, "fc %d bias=%d init=%s", l->outputs, l->bias,
                   nn_init_text(l, init, sizeof init));
}

static int fc_equal(const clcnn_layer_spec *a, const clcnn_layer_spec *b)
{
    return a->outputs == b->outputs && nn_shared_options_equal(a, b, NN_OPT_WEIGHT);
}

/* ---- the layer ---- */

static int fc_inputs(const nn_layer *l) { return l->in.c * l->in.h * l->in.w; }

static clcnn_status fc_setup(nn_layer *l, clcnn_backend *be, int batch)
{
    int outputs = l->spec.outputs;
    CLCNN_TRY(nn_layer_add_param(l, be, NN_WEIGHT, clcnn_shape_make(outputs, fc_inputs(l), 1, 1),
                                 "weight"));
    if (l->spec.bias)
        CLCNN_TRY(nn_layer_add_param(l, be, NN_BIAS, clcnn_shape_make(1, outputs, 1, 1), "bias"));
    return CLCNN_OK;
}

static clcnn_status fc_forward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                               clcnn_tensor *y)
{
    const clcnn_backend_ops *ops = st->be->ops;
    int in = fc_inputs(l), out = l->spec.outputs;
    CLCNN_TRY(ops->gemm(st->be, 0, 1, st->n, out, in, 1.0f, x, 0, in, &l->value[NN_WEIGHT], 0, in,
                        0.0f, y, 0, out));
    if (l->spec.bias)
        CLCNN_TRY(ops->add_bias(st->be, &l->value[NN_BIAS], y));
    return CLCNN_OK;
}

static clcnn_status fc_backward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                                const clcnn_tensor *y, const clcnn_tensor *dy, clcnn_tensor *dx,
                                int need_dx)
{
    const clcnn_backend_ops *ops = st->be->ops;
    int in = fc_inputs(l), out = l->spec.outputs;
    CLCNN_TRY(ops->gemm(st->be, 1, 0, out, in, st->n, 1.0f, dy, 0, out, x, 0, in, 0.0f,
                        &l->grad[NN_WEIGHT], 0, in));
    if (l->spec.bias)
        CLCNN_TRY(ops->bias_backward(st->be, dy, &l->grad[NN_BIAS]));
    if (need_dx)
        CLCNN_TRY(ops->gemm(st->be, 0, 0, st->n, in, out, 1.0f, dy, 0, out, &l->value[NN_WEIGHT], 0,
                            in, 0.0f, dx, 0, in));
    return CLCNN_OK;
}

const nn_layer_ops nn_fc_ops = {
    .keyword = "fc",
    .prefix = "fc",
    .flags = NN_KIND_NO_Y,
    .n_positional = 1,
    .usage = "fc OUTPUTS [key=value ...]",
    .parse_positional = fc_parse_positional,
    .parse_option = fc_parse_option,
    .output_shape = fc_output_shape,
    .param_count = fc_param_count,
    .format = fc_format,
    .equal = fc_equal,
    .init = nn_init_weight,
    .setup = fc_setup,
    .forward = fc_forward,
    .backward = fc_backward,
};
