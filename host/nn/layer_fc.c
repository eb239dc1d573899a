/* Fully connected: y = x W^T + b with W of O x I; an N x C x H x W input is
 * read as N x (C*H*W) (NCHW is already row-major in that order).
 * Backward: dW = dy^T x, db = column sums of dy, dx = dy W. */
#include "nn/layer.h"

static int fc_inputs(const nn_layer *l) { return l->in.c * l->in.h * l->in.w; }

static clcnn_status fc_setup(nn_layer *l, clcnn_backend *be, int batch)
{
    int outputs = l->spec.outputs;
    NN_TRY(nn_layer_add_param(l, be, NN_WEIGHT, clcnn_shape_make(outputs, fc_inputs(l), 1, 1),
                              "weight"));
    if (l->spec.bias)
        NN_TRY(nn_layer_add_param(l, be, NN_BIAS, clcnn_shape_make(1, outputs, 1, 1), "bias"));
    return CLCNN_OK;
}

static clcnn_status fc_forward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                               clcnn_tensor *y)
{
    const clcnn_backend_ops *ops = st->be->ops;
    int in = fc_inputs(l), out = l->spec.outputs;
    NN_TRY(ops->gemm(st->be, 0, 1, st->n, out, in, 1.0f, x, 0, in, &l->value[NN_WEIGHT], 0, in,
                     0.0f, y, 0, out));
    if (l->spec.bias)
        NN_TRY(ops->add_bias(st->be, &l->value[NN_BIAS], y));
    return CLCNN_OK;
}

static clcnn_status fc_backward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                                const clcnn_tensor *y, const clcnn_tensor *dy, clcnn_tensor *dx,
                                int need_dx)
{
    const clcnn_backend_ops *ops = st->be->ops;
    int in = fc_inputs(l), out = l->spec.outputs;
    NN_TRY(ops->gemm(st->be, 1, 0, out, in, st->n, 1.0f, dy, 0, out, x, 0, in, 0.0f,
                     &l->grad[NN_WEIGHT], 0, in));
    if (l->spec.bias)
        NN_TRY(ops->bias_backward(st->be, dy, &l->grad[NN_BIAS]));
    if (need_dx)
        NN_TRY(ops->gemm(st->be, 0, 0, st->n, in, out, 1.0f, dy, 0, out, &l->value[NN_WEIGHT], 0,
                         in, 0.0f, dx, 0, in));
    return CLCNN_OK;
}

const nn_layer_ops nn_fc_ops = {fc_setup, fc_forward, fc_backward};
