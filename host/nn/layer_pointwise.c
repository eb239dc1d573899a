/* Element-wise layers without parameters: activations and dropout. */
#include <string.h>

#include "nn/layer.h"

/* ---- the model-file statements: relu | leakyrelu [alpha=A] | sigmoid | dropout P ---- */

static clcnn_status leaky_relu_parse_option(const nn_parser *p, clcnn_layer_spec *l,
                                            const char *key, const char *value)
{
    if (strcmp(key, "alpha") == 0)
        return nn_parse_float(p, value, "alpha", -1e6, 1e6, &l->alpha);
    return nn_parse_shared_option(p, l, key, value, 0);
}

static void leaky_relu_format(nn_text *o, const clcnn_layer_spec *l)
{
    char a[32];
    nn_text_printf(o, "leakyrelu alpha=%s", nn_float_text(l->alpha, a, sizeof a));
}

static int leaky_relu_equal(const clcnn_layer_spec *a, const clcnn_layer_spec *b)
{
    return a->alpha == b->alpha;
}

static clcnn_status dropout_parse_positional(const nn_parser *p, clcnn_layer_spec *l, char **pos)
{
    /* p = 1 would drop everything and scale by 1/0 */
    return nn_parse_float(p, pos[0], "drop probability", 0.0, 0.999999, &l->p);
}

static void dropout_format(nn_text *o, const clcnn_layer_spec *l)
{
    char a[32];
    nn_text_printf(o, "dropout %s", nn_float_text(l->p, a, sizeof a));
}

static int dropout_equal(const clcnn_layer_spec *a, const clcnn_layer_spec *b)
{
    return a->p == b->p;
}

/* ---- the layers ---- */

static clcnn_status no_setup(nn_layer *l, clcnn_backend *be, int batch) { return CLCNN_OK; }

static clcnn_status activation_forward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                                       clcnn_tensor *y)
{
    return st->be->ops->activation_forward(st->be, l->ops->activation, l->spec.alpha, x, y);
}

static clcnn_status activation_backward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                                        const clcnn_tensor *y, const clcnn_tensor *dy,
                                        clcnn_tensor *dx, int need_dx)
{
    return st->be->ops->activation_backward(st->be, l->ops->activation, l->spec.alpha, y, dy,
                                            dx);
}

/* Each dropout layer draws its own masks: the network seed mixed with the
 * layer's position. */
static uint32_t dropout_seed(const nn_layer *l, const nn_step *st)
{
    return clcnn_mix32(st->seed + 0x9E3779B9u * (uint32_t)(l->index + 1));
}

static clcnn_status dropout_forward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                                    clcnn_tensor *y)
{
    /* At evaluation dropout is the identity: p = 0 keeps every element with
     * scale 1, which copies x to y through the same op. */
    float p = st->training ? l->spec.p : 0.0f;
    return st->be->ops->dropout_forward(st->be, p, dropout_seed(l, st), st->step, x, y);
}

static clcnn_status dropout_backward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                                     const clcnn_tensor *y, const clcnn_tensor *dy,
                                     clcnn_tensor *dx, int need_dx)
{
    float p = st->training ? l->spec.p : 0.0f;
    return st->be->ops->dropout_backward(st->be, p, dropout_seed(l, st), st->step, dy, dx);
}

#define ACTIVATION_LAYER                                                                          \
    .setup = no_setup, .forward = activation_forward, .backward = activation_backward

const nn_layer_ops nn_relu_ops = {
    .keyword = "relu",
    .prefix = "relu",
    .flags = NN_KIND_RELU_LIKE | NN_KIND_NO_X,
    .activation = CLCNN_ACT_RELU,
    ACTIVATION_LAYER,
};

const nn_layer_ops nn_leaky_relu_ops = {
    .keyword = "leakyrelu",
    .prefix = "leakyrelu",
    .flags = NN_KIND_RELU_LIKE | NN_KIND_NO_X,
    .activation = CLCNN_ACT_LEAKY_RELU,
    .parse_option = leaky_relu_parse_option,
    .format = leaky_relu_format,
    .equal = leaky_relu_equal,
    ACTIVATION_LAYER,
};

const nn_layer_ops nn_sigmoid_ops = {
    .keyword = "sigmoid",
    .prefix = "sigmoid",
    .flags = NN_KIND_NO_X,
    .activation = CLCNN_ACT_SIGMOID,
    ACTIVATION_LAYER,
};

const nn_layer_ops nn_dropout_ops = {
    .keyword = "dropout",
    .prefix = "dropout",
    .flags = NN_KIND_PASS_INIT | NN_KIND_NO_X | NN_KIND_NO_Y, /* masks are redrawn */
    .n_positional = 1,
    .usage = "dropout P",
    .parse_positional = dropout_parse_positional,
    .format = dropout_format,
    .equal = dropout_equal,
    .setup = no_setup,
    .forward = dropout_forward,
    .backward = dropout_backward,
};
