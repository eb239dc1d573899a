/* Model specs: defaults, shape inference and validation, comparison,
 * parameter counts, and writing a spec back as text. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/net.h"
#include "nn/model_spec_internal.h"

/* Bounds that keep every index of an activation and a weight in int range. */
#define MAX_ACTIVATION ((int64_t)1 << 28)
#define MAX_LAYER_PARAMS ((int64_t)1 << 30)

void nn_layer_spec_defaults(clcnn_layer_spec *l, clcnn_layer_kind kind)
{
    memset(l, 0, sizeof *l);
    l->kind = kind;
    l->sh = l->sw = 1;
    l->bias = 1;
    l->init = CLCNN_INIT_AUTO;
    l->momentum = 0.1f;
    l->eps = 1e-5f;
    l->alpha = 0.01f;
    l->groups = 1;
}

const char *nn_layer_keyword(clcnn_layer_kind kind)
{
    switch (kind) {
    case CLCNN_LAYER_CONV: return "conv";
    case CLCNN_LAYER_FC: return "fc";
    case CLCNN_LAYER_MAXPOOL: return "maxpool";
    case CLCNN_LAYER_AVGPOOL: return "avgpool";
    case CLCNN_LAYER_BATCHNORM: return "batchnorm";
    case CLCNN_LAYER_RELU: return "relu";
    case CLCNN_LAYER_LEAKY_RELU: return "leakyrelu";
    case CLCNN_LAYER_SIGMOID: return "sigmoid";
    case CLCNN_LAYER_DROPOUT: return "dropout";
    case CLCNN_LAYER_GROUPNORM: return "groupnorm";
    case CLCNN_LAYER_LAYERNORM: return "layernorm";
    }
    return "?";
}

clcnn_shape nn_spec_input_shape(const clcnn_model_spec *spec)
{
    return clcnn_shape_make(1, spec->c, spec->h, spec->w);
}

size_t nn_layer_param_count(const clcnn_layer_spec *l, clcnn_shape in)
{
    size_t in_count = (size_t)in.c * (size_t)in.h * (size_t)in.w;
    size_t bias = l->bias ? (size_t)l->outputs : 0;
    switch (l->kind) {
    case CLCNN_LAYER_CONV: return (size_t)l->outputs * (size_t)in.c * l->kh * l->kw + bias;
    case CLCNN_LAYER_FC: return (size_t)l->outputs * in_count + bias;
    case CLCNN_LAYER_BATCHNORM: return 2 * (l->per_activation ? in_count : (size_t)in.c);
    case CLCNN_LAYER_GROUPNORM:
    case CLCNN_LAYER_LAYERNORM: return 2 * (size_t)in.c;
    default: return 0;
    }
}

static clcnn_status spec_error(const clcnn_model_spec *spec, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static clcnn_status spec_error(const clcnn_model_spec *spec, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    clcnn_status st = clcnn_vfail_at_line(spec->source, line, fmt, ap);
    va_end(ap);
    return st;
}

/* Output shape of a sliding-window layer (conv or pool) on input in. */
static clcnn_status window_output(const clcnn_model_spec *spec, const clcnn_layer_spec *l,
                                  clcnn_shape in, clcnn_shape *out)
{
    const char *kw = nn_layer_keyword(l->kind);
    int padded_h = in.h + 2 * l->ph, padded_w = in.w + 2 * l->pw;
    if (l->kind != CLCNN_LAYER_CONV && (l->ph >= l->kh || l->pw >= l->kw))
        return spec_error(spec, l->line, "%s: padding %dx%d must be smaller than the window %dx%d",
                          kw, l->ph, l->pw, l->kh, l->kw);
    if (l->kh > padded_h || l->kw > padded_w) {
        if (l->kind == CLCNN_LAYER_CONV)
            return spec_error(spec, l->line,
                              "conv: non-positive output size: window %dx%d on a padded input "
                              "of %dx%d", l->kh, l->kw, padded_h, padded_w);
        return spec_error(spec, l->line, "%s: window %dx%d larger than its %sinput %dx%d", kw,
                          l->kh, l->kw, (l->ph || l->pw) ? "padded " : "", padded_h, padded_w);
    }
    out->n = 1;
    out->c = l->kind == CLCNN_LAYER_CONV ? l->outputs : in.c;
    out->h = (padded_h - l->kh) / l->sh + 1;
    out->w = (padded_w - l->kw) / l->sw + 1;
    return CLCNN_OK;
}

clcnn_status clcnn_model_spec_shapes(const clcnn_model_spec *spec, clcnn_shape *out_shapes)
{
    if (spec->c <= 0 || spec->h <= 0 || spec->w <= 0)
        return spec_error(spec, spec->input_line, "input: invalid shape %dx%dx%d", spec->c,
                          spec->h, spec->w);
    if (spec->n_layers <= 0 || spec->n_layers > CLCNN_MAX_LAYERS)
        return spec_error(spec, spec->input_line, "no layers after the input line");
    clcnn_shape in = nn_spec_input_shape(spec);
    for (int i = 0; i < spec->n_layers; i++) {
        const clcnn_layer_spec *l = &spec->layers[i];
        clcnn_shape out = in;
        if (l->kind == CLCNN_LAYER_CONV || l->kind == CLCNN_LAYER_MAXPOOL ||
            l->kind == CLCNN_LAYER_AVGPOOL) {
            clcnn_status st = window_output(spec, l, in, &out);
            if (st != CLCNN_OK)
                return st;
        } else if (l->kind == CLCNN_LAYER_FC) {
            out = clcnn_shape_make(1, l->outputs, 1, 1);
        } else if (l->kind == CLCNN_LAYER_GROUPNORM && (l->groups < 1 || in.c % l->groups)) {
            return spec_error(spec, l->line, "groupnorm: %d groups do not divide the %d input "
                              "channels", l->groups, in.c);
        }
        if ((int64_t)out.c * out.h * out.w > MAX_ACTIVATION)
            return spec_error(spec, l->line, "%s: output %dx%dx%d too large", nn_layer_keyword(l->kind),
                              out.c, out.h, out.w);
        if ((int64_t)nn_layer_param_count(l, in) > MAX_LAYER_PARAMS)
            return spec_error(spec, l->line, "%s: too many parameters (%zu)",
                              nn_layer_keyword(l->kind), nn_layer_param_count(l, in));
        if (out_shapes)
            out_shapes[i] = out;
        in = out;
    }
    if (in.h != 1 || in.w != 1)
        return spec_error(spec, spec->layers[spec->n_layers - 1].line,
                          "the last layer produces %dx%dx%d, not a vector of class scores (end "
                          "the network with an fc layer)", in.c, in.h, in.w);
    return CLCNN_OK;
}

static int layer_equal(const clcnn_layer_spec *a, const clcnn_layer_spec *b)
{
    if (a->kind != b->kind)
        return 0;
    switch (a->kind) {
    case CLCNN_LAYER_CONV:
        return a->outputs == b->outputs && a->kh == b->kh && a->kw == b->kw && a->sh == b->sh &&
               a->sw == b->sw && a->ph == b->ph && a->pw == b->pw && a->bias == b->bias &&
               a->init == b->init && (a->init != CLCNN_INIT_NORMAL || a->init_std == b->init_std);
    case CLCNN_LAYER_FC:
        return a->outputs == b->outputs && a->bias == b->bias && a->init == b->init &&
               (a->init != CLCNN_INIT_NORMAL || a->init_std == b->init_std);
    case CLCNN_LAYER_MAXPOOL:
    case CLCNN_LAYER_AVGPOOL:
        return a->kh == b->kh && a->kw == b->kw && a->sh == b->sh && a->sw == b->sw &&
               a->ph == b->ph && a->pw == b->pw;
    case CLCNN_LAYER_BATCHNORM:
        return a->momentum == b->momentum && a->eps == b->eps &&
               a->per_activation == b->per_activation;
    case CLCNN_LAYER_GROUPNORM: return a->groups == b->groups && a->eps == b->eps;
    case CLCNN_LAYER_LAYERNORM: return a->eps == b->eps;
    case CLCNN_LAYER_LEAKY_RELU: return a->alpha == b->alpha;
    case CLCNN_LAYER_DROPOUT: return a->p == b->p;
    case CLCNN_LAYER_RELU:
    case CLCNN_LAYER_SIGMOID: return 1;
    }
    return 0;
}

int clcnn_model_spec_equal(const clcnn_model_spec *a, const clcnn_model_spec *b)
{
    if (a->c != b->c || a->h != b->h || a->w != b->w || a->n_layers != b->n_layers)
        return 0;
    for (int i = 0; i < a->n_layers; i++)
        if (!layer_equal(&a->layers[i], &b->layers[i]))
            return 0;
    return 1;
}

size_t clcnn_model_spec_param_count(const clcnn_model_spec *spec)
{
    clcnn_shape shapes[CLCNN_MAX_LAYERS];
    if (clcnn_model_spec_shapes(spec, shapes) != CLCNN_OK)
        return 0;
    size_t total = 0;
    for (int i = 0; i < spec->n_layers; i++)
        total += nn_layer_param_count(&spec->layers[i],
                                      i ? shapes[i - 1] : nn_spec_input_shape(spec));
    return total;
}

/* Appends to a bounded buffer and counts the full length, like snprintf. */
typedef struct text_out {
    char *buf;
    size_t size, len;
} text_out;

static void out_printf(text_out *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void out_printf(text_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->size ? o->size - o->len : 0;
    int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

/* The shortest %g form of v that reads back as the same float. */
static const char *float_text(float v, char *buf, size_t size)
{
    for (int digits = 6; digits < 9; digits++) {
        snprintf(buf, size, "%.*g", digits, v);
        if (strtof(buf, NULL) == v)
            return buf;
    }
    snprintf(buf, size, "%.9g", v);
    return buf;
}

/* The init= value of l ("normal:0.1" needs buf). */
static const char *init_text(const clcnn_layer_spec *l, char *buf, size_t size)
{
    switch (l->init) {
    case CLCNN_INIT_HE: return "he";
    case CLCNN_INIT_XAVIER: return "xavier";
    case CLCNN_INIT_NORMAL: {
        char std[32];
        snprintf(buf, size, "normal:%s", float_text(l->init_std, std, sizeof std));
        return buf;
    }
    case CLCNN_INIT_AUTO: break;
    }
    return "auto";
}

/* One layer as a model-file statement with every setting explicit. */
static void format_layer(text_out *o, const clcnn_layer_spec *l)
{
    const char *kw = nn_layer_keyword(l->kind);
    char a[32], b[32], init[48];
    switch (l->kind) {
    case CLCNN_LAYER_CONV:
        out_printf(o, "conv %d %dx%d pad=%dx%d stride=%dx%d bias=%d init=%s", l->outputs, l->kh,
                   l->kw, l->ph, l->pw, l->sh, l->sw, l->bias, init_text(l, init, sizeof init));
        break;
    case CLCNN_LAYER_FC:
        out_printf(o, "fc %d bias=%d init=%s", l->outputs, l->bias,
                   init_text(l, init, sizeof init));
        break;
    case CLCNN_LAYER_MAXPOOL:
    case CLCNN_LAYER_AVGPOOL:
        out_printf(o, "%s %dx%d stride=%dx%d pad=%dx%d", kw, l->kh, l->kw, l->sh, l->sw, l->ph,
                   l->pw);
        break;
    case CLCNN_LAYER_BATCHNORM:
        out_printf(o, "batchnorm per=%s momentum=%s eps=%s",
                   l->per_activation ? "activation" : "channel",
                   float_text(l->momentum, a, sizeof a), float_text(l->eps, b, sizeof b));
        break;
    case CLCNN_LAYER_GROUPNORM:
        out_printf(o, "groupnorm %d eps=%s", l->groups, float_text(l->eps, a, sizeof a));
        break;
    case CLCNN_LAYER_LAYERNORM: out_printf(o, "layernorm eps=%s", float_text(l->eps, a, sizeof a)); break;
    case CLCNN_LAYER_LEAKY_RELU:
        out_printf(o, "leakyrelu alpha=%s", float_text(l->alpha, a, sizeof a));
        break;
    case CLCNN_LAYER_DROPOUT: out_printf(o, "dropout %s", float_text(l->p, a, sizeof a)); break;
    case CLCNN_LAYER_RELU:
    case CLCNN_LAYER_SIGMOID: out_printf(o, "%s", kw); break;
    }
}

size_t clcnn_model_spec_format(const clcnn_model_spec *spec, char *buf, size_t size)
{
    text_out o = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    out_printf(&o, "input %d %d %d\n", spec->c, spec->h, spec->w);
    for (int i = 0; i < spec->n_layers; i++) {
        format_layer(&o, &spec->layers[i]);
        out_printf(&o, "\n");
    }
    return o.len;
}

size_t clcnn_model_spec_summary(const clcnn_model_spec *spec, char *buf, size_t size)
{
    text_out o = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    clcnn_shape shapes[CLCNN_MAX_LAYERS];
    if (clcnn_model_spec_shapes(spec, shapes) != CLCNN_OK) {
        out_printf(&o, "invalid model: %s\n", clcnn_last_error());
        return o.len;
    }
    out_printf(&o, "%-3s %-52s %-14s %10s\n", "#", "layer", "output", "params");
    char shape[32];
    snprintf(shape, sizeof shape, "%dx%dx%d", spec->c, spec->h, spec->w);
    out_printf(&o, "%-3s %-52s %-14s %10s\n", "", "input", shape, "");
    size_t total = 0;
    clcnn_shape in = nn_spec_input_shape(spec);
    for (int i = 0; i < spec->n_layers; i++) {
        char desc[128];
        text_out d = {desc, sizeof desc, 0};
        format_layer(&d, &spec->layers[i]);
        snprintf(shape, sizeof shape, "%dx%dx%d", shapes[i].c, shapes[i].h, shapes[i].w);
        size_t params = nn_layer_param_count(&spec->layers[i], in);
        out_printf(&o, "%-3d %-52s %-14s %10zu\n", i + 1, desc, shape, params);
        total += params;
        in = shapes[i];
    }
    out_printf(&o, "total parameters: %zu\n", total);
    return o.len;
}
