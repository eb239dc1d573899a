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

int clcnn_model_spec_source(const clcnn_model_spec *spec, int i, int k)
{
    int code = k == 0 ? spec->layers[i].input : spec->layers[i].summands[k - 1];
    if (code == CLCNN_INPUT_PREVIOUS)
        return i - 1;
    return code == CLCNN_INPUT_NETWORK ? -1 : code - 1;
}

clcnn_shape clcnn_model_spec_input_shape(const clcnn_model_spec *spec, const clcnn_shape *shapes,
                                         int i)
{
    int j = clcnn_model_spec_source(spec, i, 0);
    return j < 0 ? nn_spec_input_shape(spec) : shapes[j];
}

/* Layer i's sources are earlier layers or the network input, and its
 * summands have the shape of its input. */
static clcnn_status check_sources(const clcnn_model_spec *spec, int i, const clcnn_shape *shapes)
{
    const clcnn_layer_spec *l = &spec->layers[i];
    const char *kw = nn_layer_ops_for(l->kind)->keyword;
    if (l->n_summands < 0 || l->n_summands > CLCNN_MAX_SUMMANDS)
        return nn_spec_error(spec, l->line, "%s: %d summands (at most %d)", kw, l->n_summands,
                             CLCNN_MAX_SUMMANDS);
    for (int k = 0; k <= l->n_summands; k++) {
        int code = k ? l->summands[k - 1] : l->input;
        if (code < CLCNN_INPUT_NETWORK || code > i || (k && code == CLCNN_INPUT_PREVIOUS))
            return nn_spec_error(spec, l->line, "%s: source %d is not an earlier layer", kw, code);
    }
    clcnn_shape in = clcnn_model_spec_input_shape(spec, shapes, i);
    for (int k = 1; k <= l->n_summands; k++) {
        int j = clcnn_model_spec_source(spec, i, k);
        clcnn_shape s = j < 0 ? nn_spec_input_shape(spec) : shapes[j];
        if (s.c != in.c || s.h != in.h || s.w != in.w)
            return nn_spec_error(spec, l->line, "%s: cannot add %s (%dx%dx%d, line %d) to the "
                                 "input %dx%dx%d: the shapes differ", kw,
                                 j < 0 ? "input" : spec->layers[j].name, s.c, s.h, s.w,
                                 j < 0 ? spec->input_line : spec->layers[j].line, in.c, in.h,
                                 in.w);
    }
    return CLCNN_OK;
}

/* 1 if a layer after j reads j's output. */
static int is_used(const clcnn_model_spec *spec, int j)
{
    for (int i = j + 1; i < spec->n_layers; i++)
        for (int k = 0; k <= spec->layers[i].n_summands; k++)
            if (clcnn_model_spec_source(spec, i, k) == j)
                return 1;
    return 0;
}

clcnn_status clcnn_model_spec_shapes(const clcnn_model_spec *spec, clcnn_shape *out_shapes)
{
    if (spec->c <= 0 || spec->h <= 0 || spec->w <= 0)
        return nn_spec_error(spec, spec->input_line, "input: invalid shape %dx%dx%d", spec->c,
                             spec->h, spec->w);
    if (spec->n_layers <= 0 || spec->n_layers > CLCNN_MAX_LAYERS)
        return nn_spec_error(spec, spec->input_line, "no layers after the input line");
    clcnn_shape shapes[CLCNN_MAX_LAYERS];
    for (int i = 0; i < spec->n_layers; i++) {
        const clcnn_layer_spec *l = &spec->layers[i];
        const nn_layer_ops *kind = nn_layer_ops_for(l->kind);
        if (!kind)
            return nn_spec_error(spec, l->line, "layer %d: unknown kind %d", i + 1, (int)l->kind);
        CLCNN_TRY(check_sources(spec, i, shapes));
        clcnn_shape in = clcnn_model_spec_input_shape(spec, shapes, i);
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
        shapes[i] = out;
    }
    for (int j = 0; j + 1 < spec->n_layers; j++)
        if (!is_used(spec, j))
            return nn_spec_error(spec, spec->layers[j].line, "%s: nothing uses this layer's "
                                 "output (a dead branch: name it in a later from= or add, or "
                                 "remove it)", nn_layer_ops_for(spec->layers[j].kind)->keyword);
    clcnn_shape last = shapes[spec->n_layers - 1];
    if (last.h != 1 || last.w != 1)
        return nn_spec_error(spec, spec->layers[spec->n_layers - 1].line,
                             "the last layer produces %dx%dx%d, not a vector of class scores (end "
                             "the network with an fc layer)", last.c, last.h, last.w);
    if (out_shapes)
        memcpy(out_shapes, shapes, (size_t)spec->n_layers * sizeof *shapes);
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

/* Names are not compared, the graph is: where each input comes from. */
static int layer_equal(const clcnn_model_spec *sa, const clcnn_model_spec *sb, int i)
{
    const clcnn_layer_spec *a = &sa->layers[i], *b = &sb->layers[i];
    if (a->kind != b->kind || a->n_summands != b->n_summands)
        return 0;
    for (int k = 0; k <= a->n_summands; k++)
        if (clcnn_model_spec_source(sa, i, k) != clcnn_model_spec_source(sb, i, k))
            return 0;
    const nn_layer_ops *kind = nn_layer_ops_for(a->kind);
    return kind && (!kind->equal || kind->equal(a, b));
}

int clcnn_model_spec_equal(const clcnn_model_spec *a, const clcnn_model_spec *b)
{
    if (a->c != b->c || a->h != b->h || a->w != b->w || a->n_layers != b->n_layers)
        return 0;
    for (int i = 0; i < a->n_layers; i++)
        if (!layer_equal(a, b, i))
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
                                      clcnn_model_spec_input_shape(spec, shapes, i));
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

/* How other layers refer to layer j (-1: the network input): its name, or
 * "L<j+1>" for an unnamed layer of a spec built in code. */
static void ref_text(const clcnn_model_spec *spec, int j, char *buf, size_t size)
{
    if (j < 0)
        snprintf(buf, size, "input");
    else if (spec->layers[j].name[0])
        snprintf(buf, size, "%s", spec->layers[j].name);
    else
        snprintf(buf, size, "L%d", j + 1);
}

/* 1 if a later layer names j (in from= or add). */
static int is_named_by_others(const clcnn_model_spec *spec, int j)
{
    for (int i = j + 1; i < spec->n_layers; i++)
        for (int k = 0; k <= spec->layers[i].n_summands; k++)
            if ((k || spec->layers[i].input != CLCNN_INPUT_PREVIOUS) &&
                clcnn_model_spec_source(spec, i, k) == j)
                return 1;
    return 0;
}

/* Layer i as a model-file statement with every setting explicit: the
 * kind's statement, then its summands, name= and from=. */
static void format_layer(nn_text *o, const clcnn_model_spec *spec, int i)
{
    const clcnn_layer_spec *l = &spec->layers[i];
    const nn_layer_ops *kind = nn_layer_ops_for(l->kind);
    if (kind && kind->format)
        kind->format(o, l);
    else
        nn_text_printf(o, "%s", kind ? kind->keyword : "?");
    char ref[CLCNN_MAX_NAME + 8];
    for (int k = 1; k <= l->n_summands; k++) {
        ref_text(spec, clcnn_model_spec_source(spec, i, k), ref, sizeof ref);
        nn_text_printf(o, " %s", ref);
    }
    if (l->name[0] || is_named_by_others(spec, i)) {
        ref_text(spec, i, ref, sizeof ref);
        nn_text_printf(o, " name=%s", ref);
    }
    if (l->input != CLCNN_INPUT_PREVIOUS) {
        ref_text(spec, clcnn_model_spec_source(spec, i, 0), ref, sizeof ref);
        nn_text_printf(o, " from=%s", ref);
    }
}

size_t clcnn_model_spec_format(const clcnn_model_spec *spec, char *buf, size_t size)
{
    nn_text o = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    nn_text_printf(&o, "input %d %d %d\n", spec->c, spec->h, spec->w);
    for (int i = 0; i < spec->n_layers; i++) {
        format_layer(&o, spec, i);
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
    for (int i = 0; i < spec->n_layers; i++) {
        char desc[160];
        nn_text d = {desc, sizeof desc, 0};
        format_layer(&d, spec, i);
        snprintf(shape, sizeof shape, "%dx%dx%d", shapes[i].c, shapes[i].h, shapes[i].w);
        size_t params =
            nn_layer_param_count(&spec->layers[i], clcnn_model_spec_input_shape(spec, shapes, i));
        nn_text_printf(&o, "%-3d %-52s %-14s %10zu\n", i + 1, desc, shape, params);
        total += params;
    }
    nn_text_printf(&o, "total parameters: %zu\n", total);
    return o.len;
}
