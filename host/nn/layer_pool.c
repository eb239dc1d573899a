/* Max and average pooling. Max pooling keeps the argmax of every window
 * from the forward pass, so backward scatters through it without
 * recomputing. */
#include <string.h>

#include "nn/layer.h"

/* ---- the model-file statement: maxpool|avgpool K[xK2] [stride=S[xS2]] [pad=P[xP2]],
 * or maxpool|avgpool global: the window is the whole input plane (one value
 * per channel; global average pooling before a ResNet's classifier) ---- */

static clcnn_status pool_parse_positional(const nn_parser *p, clcnn_layer_spec *l, char **pos)
{
    if (strcmp(pos[0], "global") == 0) {
        l->global = 1;
        return CLCNN_OK;
    }
    clcnn_status st = nn_parse_pair(p, pos[0], "window size", 1, NN_MAX_DIM, &l->kh, &l->kw);
    l->sh = l->kh; /* non-overlapping windows unless stride= says otherwise */
    l->sw = l->kw;
    return st;
}

static clcnn_status pool_parse_option(const nn_parser *p, clcnn_layer_spec *l, const char *key,
                                      const char *value)
{
    return nn_parse_shared_option(p, l, key, value, NN_OPT_WINDOW);
}

static clcnn_status pool_output_shape(const clcnn_model_spec *spec, const clcnn_layer_spec *l,
                                      clcnn_shape in, clcnn_shape *out)
{
    const char *kw = nn_layer_ops_for(l->kind)->keyword;
    if (l->global) {
        if (l->ph || l->pw || l->sh != 1 || l->sw != 1)
            return nn_spec_error(spec, l->line, "%s global: takes no stride= or pad=", kw);
        *out = clcnn_shape_make(1, in.c, 1, 1);
        return CLCNN_OK;
    }
    int padded_h = in.h + 2 * l->ph, padded_w = in.w + 2 * l->pw;
    if (l->ph >= l->kh || l->pw >= l->kw)
        return nn_spec_error(spec, l->line, "%s: padding %dx%d must be smaller than the window "
                             "%dx%d", kw, l->ph, l->pw, l->kh, l->kw);
    if (l->kh > padded_h || l->kw > padded_w)
        return nn_spec_error(spec, l->line, "%s: window %dx%d larger than its %sinput %dx%d", kw,
                             l->kh, l->kw, (l->ph || l->pw) ? "padded " : "", padded_h,
                             padded_w);
    *out = nn_window_output(l, in, in.c);
    return CLCNN_OK;
}

static void pool_format(nn_text *o, const clcnn_layer_spec *l)
{
    if (l->global) {
        nn_text_printf(o, "%s global", nn_layer_ops_for(l->kind)->keyword);
        return;
    }
    nn_text_printf(o, "%s %dx%d stride=%dx%d pad=%dx%d", nn_layer_ops_for(l->kind)->keyword,
                   l->kh, l->kw, l->sh, l->sw, l->ph, l->pw);
}

static int pool_equal(const clcnn_layer_spec *a, const clcnn_layer_spec *b)
{
    return a->global == b->global && nn_shared_options_equal(a, b, NN_OPT_WINDOW);
}

/* ---- the layers ---- */

static clcnn_status pool_window(nn_layer *l)
{
    const clcnn_layer_spec *s = &l->spec;
    if (s->global)
        return clcnn_window_init(&l->win, l->in.c, l->in.h, l->in.w, l->in.h, l->in.w, 1, 1, 0,
                                 0);
    return clcnn_window_init(&l->win, l->in.c, l->in.h, l->in.w, s->kh, s->kw, s->sh, s->sw, s->ph,
                             s->pw);
}

static clcnn_status maxpool_setup(nn_layer *l, clcnn_backend *be, int batch)
{
    CLCNN_TRY(pool_window(l));
    if (l->inference) /* evaluation keeps no argmax */
        return CLCNN_OK;
    return clcnn_tensor_alloc(be, &l->cache[0], l->out, CLCNN_I32, l->name);
}

static clcnn_status maxpool_forward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                                    clcnn_tensor *y)
{
    if (!st->training) /* backward will not run: no argmax */
        return st->be->ops->maxpool_forward(st->be, &l->win, l->act, l->act_alpha, x, y, NULL);
    clcnn_tensor argmax = clcnn_tensor_first_images(&l->cache[0], st->n);
    return st->be->ops->maxpool_forward(st->be, &l->win, l->act, l->act_alpha, x, y, &argmax);
}

static clcnn_status maxpool_backward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                                     const clcnn_tensor *y, const clcnn_tensor *dy,
                                     clcnn_tensor *dx, int need_dx)
{
    clcnn_tensor argmax = clcnn_tensor_first_images(&l->cache[0], st->n);
    /* y: the output, read for a fused activation's derivative (then kept) */
    return st->be->ops->maxpool_backward(st->be, &l->win, l->act, l->act_alpha, y, dy, &argmax,
                                         dx);
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

#define POOL_STATEMENT                                                                            \
    .n_positional = 1, .usage = "maxpool|avgpool K[xK2]|global [key=value ...]",                  \
    .parse_positional = pool_parse_positional, .parse_option = pool_parse_option,                 \
    .output_shape = pool_output_shape, .format = pool_format, .equal = pool_equal

const nn_layer_ops nn_maxpool_ops = {
    .keyword = "maxpool",
    .prefix = "maxpool",
    POOL_STATEMENT,
    /* backward needs only the argmax, and y with the activation before it
     * fused in (fusion.h: max(act(x)) = act(max(x)) for a non-decreasing act) */
    .flags = NN_KIND_NO_X | NN_KIND_NO_Y | NN_KIND_FUSES_ACTIVATION_BEFORE,
    .setup = maxpool_setup,
    .forward = maxpool_forward,
    .backward = maxpool_backward,
};

const nn_layer_ops nn_avgpool_ops = {
    .keyword = "avgpool",
    .prefix = "avgpool",
    POOL_STATEMENT,
    .flags = NN_KIND_NO_X | NN_KIND_NO_Y, /* backward needs only dy */
    .setup = avgpool_setup,
    .forward = avgpool_forward,
    .backward = avgpool_backward,
};
