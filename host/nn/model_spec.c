/* Model specs: defaults, shape inference and validation, comparison,
 * parameter counts, and writing a spec back as text, each through the
 * hooks of the layer's kind (nn_layer_ops). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/net.h"
#include "nn/layer.h"

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

clcnn_shape nn_spec_input_shape(const clcnn_model_spec *spec)
{
    return clcnn_shape_make(1, spec->c, spec->h, spec->w);
}

size_t nn_layer_param_count(const clcnn_layer_spec *l, clcnn_shape in)
{
    const nn_layer_ops *kind = nn_layer_ops_for(l->kind);
    return kind && kind->param_count ? kind->param_count(l, in) : 0;
}

clcnn_status nn_spec_error(const clcnn_model_spec *spec, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    clcnn_status st = clcnn_vfail_at_line(spec->source, line, fmt, ap);
    va_end(ap);
    return st;
}

clcnn_shape nn_window_output(const clcnn_layer_spec *l, clcnn_shape in, int channels)
{
    return clcnn_shape_make(1, channels, (in.h + 2 * l->ph - l->kh) / l->sh + 1,
                            (in.w + 2 * l->pw - l->kw) / l->sw + 1);
}

clcnn_status clcnn_model_spec_shapes(const clcnn_model_spec *spec, clcnn_shape *out_shapes)
{
    if (spec->c <= 0 || spec->h <= 0 || spec->w <= 0)
        return nn_spec_error(spec, spec->input_line, "input: invalid shape %dx%dx%d", spec->c,
                             spec->h, spec->w);
    if (spec->n_layers <= 0 || spec->n_layers > CLCNN_MAX_LAYERS)
        return nn_spec_error(spec, spec->input_line, "no layers after the input line");
    clcnn_shape in = nn_spec_input_shape(spec);
    for (int i = 0; i < spec->n_layers; i++) {
        const clcnn_layer_spec *l = &spec->layers[i];
        const nn_layer_ops *kind = nn_layer_ops_for(l->kind);
        if (!kind)
            return nn_spec_error(spec, l->line, "layer %d: unknown kind %d", i + 1, (int)l->kind);
        clcnn_shape out = in;
        if (kind->output_shape) {
            clcnn_status st = kind->output_shape(spec, l, in, &out);
            if (st != CLCNN_OK)
                return st;
        }
        if ((int64_t)out.c * out.h * out.w > MAX_ACTIVATION)
            return nn_spec_error(spec, l->line, "%s: output %dx%dx%d too large", kind->keyword,
                                 out.c, out.h, out.w);
        if ((int64_t)nn_layer_param_count(l, in) > MAX_LAYER_PARAMS)
            return nn_spec_error(spec, l->line, "%s: too many parameters (%zu)",
                                 kind->keyword, nn_layer_param_count(l, in));
        if (out_shapes)
            out_shapes[i] = out;
        in = out;
    }
    if (in.h != 1 || in.w != 1)
        return nn_spec_error(spec, spec->layers[spec->n_layers - 1].line,
                             "the last layer produces %dx%dx%d, not a vector of class scores (end "
                             "the network with an fc layer)", in.c, in.h, in.w);
    return CLCNN_OK;
}

int nn_shared_options_equal(const clcnn_layer_spec *a, const clcnn_layer_spec *b,
                            unsigned shared)
{
    if ((shared & NN_OPT_WINDOW) &&
        (a->kh != b->kh || a->kw != b->kw || a->sh != b->sh || a->sw != b->sw || a->ph != b->ph ||
         a->pw != b->pw))
        return 0;
    if ((shared & NN_OPT_WEIGHT) &&
        (a->bias != b->bias || a->init != b->init ||
         (a->init == CLCNN_INIT_NORMAL && a->init_std != b->init_std)))
        return 0;
    return !(shared & NN_OPT_EPS) || a->eps == b->eps;
}

static int layer_equal(const clcnn_layer_spec *a, const clcnn_layer_spec *b)
{
    if (a->kind != b->kind)
        return 0;
    const nn_layer_ops *kind = nn_layer_ops_for(a->kind);
    return kind && (!kind->equal || kind->equal(a, b));
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

void nn_text_printf(nn_text *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->size ? o->size - o->len : 0;
    int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

const char *nn_float_text(float v, char *buf, size_t size)
{
    for (int digits = 6; digits < 9; digits++) {
        snprintf(buf, size, "%.*g", digits, v);
        if (strtof(buf, NULL) == v)
            return buf;
    }
    snprintf(buf, size, "%.9g", v);
    return buf;
}

const char *nn_init_text(const clcnn_layer_spec *l, char *buf, size_t size)
{
    switch (l->init) {
    case CLCNN_INIT_HE: return "he";
    case CLCNN_INIT_XAVIER: return "xavier";
    case CLCNN_INIT_NORMAL: {
        char std[32];
        snprintf(buf, size, "normal:%s", nn_float_text(l->init_std, std, sizeof std));
        return buf;
    }
    case CLCNN_INIT_AUTO: break;
    }
    return "auto";
}

/* One layer as a model-file statement with every setting explicit. */
static void format_layer(nn_text *o, const clcnn_layer_spec *l)
{
    const nn_layer_ops *kind = nn_layer_ops_for(l->kind);
    if (kind && kind->format)
        kind->format(o, l);
    else
        nn_text_printf(o, "%s", kind ? kind->keyword : "?");
}

size_t clcnn_model_spec_format(const clcnn_model_spec *spec, char *buf, size_t size)
{
    nn_text o = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    nn_text_printf(&o, "input %d %d %d\n", spec->c, spec->h, spec->w);
    for (int i = 0; i < spec->n_layers; i++) {
        format_layer(&o, &spec->layers[i]);
        nn_text_printf(&o, "\n");
    }
    return o.len;
}

size_t clcnn_model_spec_summary(const clcnn_model_spec *spec, char *buf, size_t size)
{
    nn_text o = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    clcnn_shape shapes[CLCNN_MAX_LAYERS];
    if (clcnn_model_spec_shapes(spec, shapes) != CLCNN_OK) {
        nn_text_printf(&o, "invalid model: %s\n", clcnn_last_error());
        return o.len;
    }
    nn_text_printf(&o, "%-3s %-52s %-14s %10s\n", "#", "layer", "output", "params");
    char shape[32];
    snprintf(shape, sizeof shape, "%dx%dx%d", spec->c, spec->h, spec->w);
    nn_text_printf(&o, "%-3s %-52s %-14s %10s\n", "", "input", shape, "");
    size_t total = 0;
    clcnn_shape in = nn_spec_input_shape(spec);
    for (int i = 0; i < spec->n_layers; i++) {
        char desc[128];
        nn_text d = {desc, sizeof desc, 0};
        format_layer(&d, &spec->layers[i]);
        snprintf(shape, sizeof shape, "%dx%dx%d", shapes[i].c, shapes[i].h, shapes[i].w);
        size_t params = nn_layer_param_count(&spec->layers[i], in);
        nn_text_printf(&o, "%-3d %-52s %-14s %10zu\n", i + 1, desc, shape, params);
        total += params;
        in = shapes[i];
    }
    nn_text_printf(&o, "total parameters: %zu\n", total);
    return o.len;
}
