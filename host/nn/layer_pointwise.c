/* Element-wise layers without parameters: activations and dropout. */
#include "nn/layer.h"

static clcnn_activation activation_of(const clcnn_layer_spec *s)
{
    switch (s->kind) {
    case CLCNN_LAYER_LEAKY_RELU: return CLCNN_ACT_LEAKY_RELU;
    case CLCNN_LAYER_SIGMOID: return CLCNN_ACT_SIGMOID;
    default: return CLCNN_ACT_RELU;
    }
}

static clcnn_status no_setup(nn_layer *l, clcnn_backend *be, int batch) { return CLCNN_OK; }

static clcnn_status activation_forward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                                       clcnn_tensor *y)
{
    return st->be->ops->activation_forward(st->be, activation_of(&l->spec), l->spec.alpha, x, y);
}

static clcnn_status activation_backward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                                        const clcnn_tensor *y, const clcnn_tensor *dy,
                                        clcnn_tensor *dx, int need_dx)
{
    return st->be->ops->activation_backward(st->be, activation_of(&l->spec), l->spec.alpha, y, dy,
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

const nn_layer_ops nn_activation_ops = {no_setup, activation_forward, activation_backward};
const nn_layer_ops nn_dropout_ops = {no_setup, dropout_forward, dropout_backward};
