/* Max and average pooling. Max pooling keeps the argmax of every window
 * from the forward pass, so backward scatters through it without
 * recomputing. */
#include "nn/layer.h"

static clcnn_status pool_window(nn_layer *l)
{
    const clcnn_layer_spec *s = &l->spec;
    return clcnn_window_init(&l->win, l->in.c, l->in.h, l->in.w, s->kh, s->kw, s->sh, s->sw, s->ph,
                             s->pw);
}

static clcnn_status maxpool_setup(nn_layer *l, clcnn_backend *be, int batch)
{
    NN_TRY(pool_window(l));
    return clcnn_tensor_alloc(be, &l->cache[0], l->out, CLCNN_I32, l->name);
}

static clcnn_status maxpool_forward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                                    clcnn_tensor *y)
{
    clcnn_tensor argmax = nn_batch_view(&l->cache[0], st->n);
    return st->be->ops->maxpool_forward(st->be, &l->win, x, y, &argmax);
}

static clcnn_status maxpool_backward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                                     const clcnn_tensor *y, const clcnn_tensor *dy,
                                     clcnn_tensor *dx, int need_dx)
{
    clcnn_tensor argmax = nn_batch_view(&l->cache[0], st->n);
    return st->be->ops->maxpool_backward(st->be, &l->win, dy, &argmax, dx);
}

static clcnn_status avgpool_setup(nn_layer *l, clcnn_backend *be, int batch)
{
    return pool_window(l);
}

static clcnn_status avgpool_forward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                                    clcnn_tensor *y)
{
    return st->be->ops->avgpool_forward(st->be, &l->win, x, y);
}

static clcnn_status avgpool_backward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                                     const clcnn_tensor *y, const clcnn_tensor *dy,
                                     clcnn_tensor *dx, int need_dx)
{
    return st->be->ops->avgpool_backward(st->be, &l->win, dy, dx);
}

const nn_layer_ops nn_maxpool_ops = {maxpool_setup, maxpool_forward, maxpool_backward};
const nn_layer_ops nn_avgpool_ops = {avgpool_setup, avgpool_forward, avgpool_backward};
