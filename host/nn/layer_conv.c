/* Convolution: im2col over a chunk of images, one GEMM per chunk.
 *
 * Forward, per chunk of nb images (P = OH*OW, CKK = C*KH*KW):
 *   col = im2col(x)                       CKK x nb*P
 *   cnp = W * col                         F x nb*P   (W is F x CKK)
 *   y   = cnp_to_nchw(cnp) + bias
 * Backward, per chunk:
 *   cnp  = nchw_to_cnp(dy)
 *   dW  += cnp * col^T                    (overwrites on the first chunk)
 *   col  = W^T * cnp                      (the column gradient, in place of col)
 *   dx   = col2im(col)
 * and db = bias_backward(dy) once. The chunk size keeps col under the
 * network's byte budget (set by the network before setup).
 */
#include "nn/layer.h"

static clcnn_status conv_setup(nn_layer *l, clcnn_backend *be, int batch)
{
    const clcnn_layer_spec *s = &l->spec;
    NN_TRY(clcnn_window_init(&l->win, l->in.c, l->in.h, l->in.w, s->kh, s->kw, s->sh, s->sw,
                             s->ph, s->pw));
    size_t ckk = (size_t)l->in.c * s->kh * s->kw, p = (size_t)l->win.oh * l->win.ow;
    l->col_per_image = ckk * p;
    l->cnp_per_image = (size_t)s->outputs * p;
    NN_TRY(nn_layer_add_param(l, be, NN_WEIGHT,
                              clcnn_shape_make(s->outputs, l->in.c, s->kh, s->kw), "weight"));
    if (s->bias)
        NN_TRY(nn_layer_add_param(l, be, NN_BIAS, clcnn_shape_make(1, s->outputs, 1, 1), "bias"));
    return CLCNN_OK;
}

static clcnn_status conv_forward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                                 clcnn_tensor *y)
{
    const clcnn_backend_ops *ops = st->be->ops;
    int f = l->spec.outputs, ckk = l->in.c * l->spec.kh * l->spec.kw;
    int p = l->win.oh * l->win.ow;
    const clcnn_tensor *bias = l->spec.bias ? &l->value[NN_BIAS] : NULL;
    for (int n0 = 0; n0 < st->n; n0 += l->chunk) {
        int nb = st->n - n0 < l->chunk ? st->n - n0 : l->chunk;
        int cols = nb * p;
        clcnn_tensor col = nn_matrix_view(&st->scratch->col, ckk, cols);
        clcnn_tensor cnp = nn_matrix_view(&st->scratch->cnp, f, cols);
        NN_TRY(ops->im2col(st->be, &l->win, x, n0, nb, &col));
        NN_TRY(ops->gemm(st->be, 0, 0, f, cols, ckk, 1.0f, &l->value[NN_WEIGHT], 0, ckk, &col, 0,
                         cols, 0.0f, &cnp, 0, cols));
        NN_TRY(ops->cnp_to_nchw(st->be, &cnp, bias, n0, nb, y));
    }
    return CLCNN_OK;
}

static clcnn_status conv_backward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                                  const clcnn_tensor *y, const clcnn_tensor *dy, clcnn_tensor *dx,
                                  int need_dx)
{
    const clcnn_backend_ops *ops = st->be->ops;
    int f = l->spec.outputs, ckk = l->in.c * l->spec.kh * l->spec.kw;
    int p = l->win.oh * l->win.ow;
    for (int n0 = 0; n0 < st->n; n0 += l->chunk) {
        int nb = st->n - n0 < l->chunk ? st->n - n0 : l->chunk;
        int cols = nb * p;
        clcnn_tensor col = nn_matrix_view(&st->scratch->col, ckk, cols);
        clcnn_tensor cnp = nn_matrix_view(&st->scratch->cnp, f, cols);
        NN_TRY(ops->nchw_to_cnp(st->be, dy, n0, nb, &cnp));
        NN_TRY(ops->im2col(st->be, &l->win, x, n0, nb, &col));
        NN_TRY(ops->gemm(st->be, 0, 1, f, ckk, cols, 1.0f, &cnp, 0, cols, &col, 0, cols,
                         n0 == 0 ? 0.0f : 1.0f, &l->grad[NN_WEIGHT], 0, ckk));
        if (!need_dx)
            continue;
        NN_TRY(ops->gemm(st->be, 1, 0, ckk, cols, f, 1.0f, &l->value[NN_WEIGHT], 0, ckk, &cnp, 0,
                         cols, 0.0f, &col, 0, cols));
        NN_TRY(ops->col2im(st->be, &l->win, &col, n0, nb, dx));
    }
    if (l->spec.bias)
        NN_TRY(ops->bias_backward(st->be, dy, &l->grad[NN_BIAS]));
    return CLCNN_OK;
}

const nn_layer_ops nn_conv_ops = {conv_setup, conv_forward, conv_backward};
