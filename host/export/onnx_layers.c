/* The ONNX operators of each layer kind (see onnx_export_internal.h). Every
 * layer computes what clcnn's evaluation-mode forward computes:
 *   conv        Conv (pads, strides; weights F x C x KH x KW as clcnn keeps them)
 *   fc          Flatten (C,H,W order, as clcnn flattens) + Gemm with transB
 *   maxpool     MaxPool (ONNX pads with -inf: padding never wins, as in clcnn)
 *   avgpool     Pad with zeros + AveragePool: clcnn counts padding as zeros,
 *               and runtimes differ on AveragePool's count_include_pad
 *               (OpenCV 4.6 ignores it), so the padding is explicit
 *   batchnorm   BatchNormalization with the running statistics, per channel
 *               or per feature; per activation, on the N x CHW view (Reshape,
 *               BatchNormalization per feature, Reshape back) as clcnn does it
 *   groupnorm,  Reshape to N x G x M, ReduceMean, Sub, Mul, ReduceMean, Add eps,
 *   layernorm   Sqrt, Div, Reshape back, Mul gamma, Add beta. Each per-group
 *               statistic is broadcast back over its M elements by a MatMul with
 *               a 1 x M row of ones rather than by implicit broadcasting, which
 *               OpenCV's importer cannot do for a non-constant N x 1 x 1 tensor.
 *   relu, sigmoid, leakyrelu (alpha); dropout emits nothing.
 *   avgpool global, maxpool global: GlobalAveragePool, GlobalMaxPool
 *   add         Add, once per summand (N x C x H x W tensors)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/onnx_export_internal.h"

/* count values from a cursor, or a failure when the checkpoint ran short. */
static clcnn_status take(const float **cursor, const float *end, size_t count, const char *what,
                         const float **out)
{
    if ((size_t)(end - *cursor) < count)
        return clcnn_fail(CLCNN_ERR_FORMAT, "export: the checkpoint holds fewer %s than its "
                                            "network needs", what);
    *out = *cursor;
    *cursor += count;
    return CLCNN_OK;
}

static clcnn_status take_params(onnx_exporter *e, size_t count, const float **out)
{
    return take(&e->params, e->params_end, count, "parameters", out);
}

/* A float constant named after the layer; its name into name. */
static void constant(onnx_exporter *e, const char *what, int n_dims, const int64_t *dims,
                     const float *data, char name[ONNX_NAME_MAX])
{
    char prefix[ONNX_NAME_MAX];
    snprintf(prefix, sizeof prefix, "%s_%s", e->prefix, what);
    onnx_fresh_name(&e->g, prefix, name);
    onnx_floats(&e->g, name, n_dims, dims, data);
}

static void shape_constant(onnx_exporter *e, int n, const int64_t *shape, char name[ONNX_NAME_MAX])
{
    char prefix[ONNX_NAME_MAX];
    snprintf(prefix, sizeof prefix, "%s_shape", e->prefix);
    onnx_fresh_name(&e->g, prefix, name);
    const int64_t dims[1] = {n};
    onnx_int64s(&e->g, name, 1, dims, shape);
}

/* out = op(inputs) as a fresh tensor of the layer. */
static void node(onnx_exporter *e, const char *op, const char *const *inputs, int n_inputs,
                 const onnx_attr *attrs, int n_attrs, char out[ONNX_NAME_MAX])
{
    onnx_fresh_name(&e->g, e->prefix, out);
    onnx_node(&e->g, op, inputs, n_inputs, out, attrs, n_attrs);
}

/* x = op(x, other...) */
static void apply(onnx_exporter *e, const char *op, const char *other, const onnx_attr *attrs,
                  int n_attrs)
{
    const char *inputs[2] = {e->x, other};
    char out[ONNX_NAME_MAX];
    node(e, op, inputs, other ? 2 : 1, attrs, n_attrs, out);
    memcpy(e->x, out, sizeof out);
}

void onnx_channel_op(onnx_exporter *e, const char *op, const char *what, const float *values)
{
    const int64_t dims[3] = {e->in.c, 1, 1};
    char name[ONNX_NAME_MAX];
    constant(e, what, e->flat ? 1 : 3, dims, values, name);
    apply(e, op, name, NULL, 0);
}

static void reshape(onnx_exporter *e, int n, const int64_t *shape)
{
    char name[ONNX_NAME_MAX];
    shape_constant(e, n, shape, name);
    apply(e, "Reshape", name, NULL, 0);
}

/* Layers that need N x C x H x W after an fc layer get N x D x 1 x 1. */
static void ensure_spatial(onnx_exporter *e)
{
    if (!e->flat)
        return;
    const int64_t shape[4] = {0, e->in.c, e->in.h, e->in.w};
    reshape(e, 4, shape);
    e->flat = 0;
}

static void window_attrs(const clcnn_layer_spec *s, onnx_attr *attrs, int with_pads)
{
    const int64_t kernel[2] = {s->kh, s->kw}, strides[2] = {s->sh, s->sw};
    const int64_t pads[4] = {s->ph, s->pw, s->ph, s->pw}; /* begins, then ends */
    attrs[0] = onnx_attr_ints("kernel_shape", 2, kernel);
    attrs[1] = onnx_attr_ints("strides", 2, strides);
    if (with_pads)
        attrs[2] = onnx_attr_ints("pads", 4, pads);
}

static clcnn_status export_conv(onnx_exporter *e, const clcnn_layer_spec *s, clcnn_shape out)
{
    ensure_spatial(e);
    const float *w = NULL, *b = NULL;
    const int64_t w_dims[4] = {s->outputs, e->in.c, s->kh, s->kw}, b_dims[1] = {s->outputs};
    clcnn_status st = take_params(e, (size_t)w_dims[0] * w_dims[1] * w_dims[2] * w_dims[3], &w);
    if (st == CLCNN_OK && s->bias)
        st = take_params(e, (size_t)s->outputs, &b);
    if (st != CLCNN_OK)
        return st;
    char w_name[ONNX_NAME_MAX], b_name[ONNX_NAME_MAX], y[ONNX_NAME_MAX];
    constant(e, "weight", 4, w_dims, w, w_name);
    if (b)
        constant(e, "bias", 1, b_dims, b, b_name);
    onnx_attr attrs[3];
    window_attrs(s, attrs, 1);
    const char *inputs[3] = {e->x, w_name, b_name};
    node(e, "Conv", inputs, b ? 3 : 2, attrs, 3, y);
    memcpy(e->x, y, sizeof y);
    return CLCNN_OK;
}

static clcnn_status export_fc(onnx_exporter *e, const clcnn_layer_spec *s, clcnn_shape out)
{
    const int64_t inputs_count = (int64_t)e->in.c * e->in.h * e->in.w;
    if (!e->flat) {
        const onnx_attr axis = onnx_attr_int("axis", 1);
        apply(e, "Flatten", NULL, &axis, 1);
        e->flat = 1;
    }
    const float *w = NULL, *b = NULL;
    clcnn_status st = take_params(e, (size_t)s->outputs * (size_t)inputs_count, &w);
    if (st == CLCNN_OK && s->bias)
        st = take_params(e, (size_t)s->outputs, &b);
    if (st != CLCNN_OK)
        return st;
    float *zeros = NULL; /* Gemm's C is optional, but not every runtime agrees */
    if (!b && !(b = zeros = calloc((size_t)s->outputs, sizeof *zeros)))
        return clcnn_fail(CLCNN_ERR_NOMEM, "export: out of memory");
    const int64_t w_dims[2] = {s->outputs, inputs_count}, b_dims[1] = {s->outputs};
    char w_name[ONNX_NAME_MAX], b_name[ONNX_NAME_MAX], y[ONNX_NAME_MAX];
    constant(e, "weight", 2, w_dims, w, w_name);
    constant(e, "bias", 1, b_dims, b, b_name);
    free(zeros);
    const onnx_attr trans_b = onnx_attr_int("transB", 1);
    const char *inputs[3] = {e->x, w_name, b_name};
    node(e, "Gemm", inputs, 3, &trans_b, 1, y);
    memcpy(e->x, y, sizeof y);
    return CLCNN_OK;
}

static clcnn_status export_maxpool(onnx_exporter *e, const clcnn_layer_spec *s, clcnn_shape out)
{
    ensure_spatial(e);
    if (s->global) {
        apply(e, "GlobalMaxPool", NULL, NULL, 0);
        return CLCNN_OK;
    }
    onnx_attr attrs[3];
    window_attrs(s, attrs, 1);
    apply(e, "MaxPool", NULL, attrs, 3);
    return CLCNN_OK;
}

static clcnn_status export_avgpool(onnx_exporter *e, const clcnn_layer_spec *s, clcnn_shape out)
{
    ensure_spatial(e);
    if (s->global) {
        apply(e, "GlobalAveragePool", NULL, NULL, 0);
        return CLCNN_OK;
    }
    if (s->ph || s->pw) {
        /* N, C, H, W begins, then ends */
        const int64_t pads[8] = {0, 0, s->ph, s->pw, 0, 0, s->ph, s->pw};
        char name[ONNX_NAME_MAX];
        shape_constant(e, 8, pads, name);
        apply(e, "Pad", name, NULL, 0);
    }
    onnx_attr attrs[2];
    window_attrs(s, attrs, 0);
    apply(e, "AveragePool", NULL, attrs, 2);
    return CLCNN_OK;
}

static clcnn_status export_activation(onnx_exporter *e, const clcnn_layer_spec *s,
                                      clcnn_shape out)
{
    if (s->kind == CLCNN_LAYER_LEAKY_RELU) {
        const onnx_attr alpha = onnx_attr_float("alpha", s->alpha);
        apply(e, "LeakyRelu", NULL, &alpha, 1);
    } else {
        apply(e, s->kind == CLCNN_LAYER_RELU ? "Relu" : "Sigmoid", NULL, NULL, 0);
    }
    return CLCNN_OK;
}

static clcnn_status export_dropout(onnx_exporter *e, const clcnn_layer_spec *s, clcnn_shape out)
{
    return CLCNN_OK; /* identity in evaluation */
}

static clcnn_status export_batchnorm(onnx_exporter *e, const clcnn_layer_spec *s,
                                     clcnn_shape out)
{
    size_t units = s->per_activation ? (size_t)e->in.c * e->in.h * e->in.w : (size_t)e->in.c;
    const float *gamma = NULL, *beta, *mean = NULL, *var;
    clcnn_status st = take_params(e, 2 * units, &gamma);
    if (st == CLCNN_OK)
        st = take(&e->states, e->states_end, 2 * units, "batchnorm statistics", &mean);
    if (st != CLCNN_OK)
        return st;
    beta = gamma + units;
    var = mean + units;
    const int spatial = s->per_activation && !e->flat;
    if (spatial) { /* per activation: per feature of the N x CHW view, as in clcnn */
        const int64_t features[2] = {0, (int64_t)units};
        reshape(e, 2, features);
    }
    const int64_t dims[1] = {(int64_t)units};
    char names[4][ONNX_NAME_MAX], y[ONNX_NAME_MAX];
    constant(e, "gamma", 1, dims, gamma, names[0]);
    constant(e, "beta", 1, dims, beta, names[1]);
    constant(e, "mean", 1, dims, mean, names[2]);
    constant(e, "var", 1, dims, var, names[3]);
    const char *inputs[5] = {e->x, names[0], names[1], names[2], names[3]};
    const onnx_attr eps = onnx_attr_float("epsilon", s->eps);
    node(e, "BatchNormalization", inputs, 5, &eps, 1, y);
    memcpy(e->x, y, sizeof y);
    if (spatial) {
        const int64_t back[4] = {0, e->in.c, e->in.h, e->in.w};
        reshape(e, 4, back);
    }
    return CLCNN_OK;
}

/* x = the per-group statistic x (N x G x 1) repeated over M elements (N x G x M). */
static void broadcast_groups(onnx_exporter *e, int64_t groups, const char *ones)
{
    const int64_t column[3] = {0, groups, 1};
    reshape(e, 3, column);
    apply(e, "MatMul", ones, NULL, 0);
}

static clcnn_status export_groupnorm(onnx_exporter *e, const clcnn_layer_spec *s,
                                     clcnn_shape out)
{
    const float *gamma = NULL;
    clcnn_status st = take_params(e, 2 * (size_t)e->in.c, &gamma);
    if (st != CLCNN_OK)
        return st;
    const int64_t groups = s->kind == CLCNN_LAYER_LAYERNORM ? 1 : s->groups;
    const int64_t m = (int64_t)e->in.c * e->in.h * e->in.w / groups;
    float *ones = malloc((size_t)m * sizeof *ones);
    if (!ones)
        return clcnn_fail(CLCNN_ERR_NOMEM, "export: out of memory");
    for (int64_t i = 0; i < m; i++)
        ones[i] = 1.0f;
    const int64_t ones_dims[2] = {1, m};
    const float eps_value = s->eps;
    char ones_name[ONNX_NAME_MAX], eps_name[ONNX_NAME_MAX];
    constant(e, "ones", 2, ones_dims, ones, ones_name);
    constant(e, "eps", 0, NULL, &eps_value, eps_name);
    free(ones);

    const int64_t grouped[3] = {0, groups, m};
    reshape(e, 3, grouped);
    char x[ONNX_NAME_MAX], centered[ONNX_NAME_MAX];
    memcpy(x, e->x, sizeof x);
    const int64_t last_axis = 2;
    const onnx_attr reduce[2] = {onnx_attr_ints("axes", 1, &last_axis),
                                 onnx_attr_int("keepdims", 1)};
    apply(e, "ReduceMean", NULL, reduce, 2); /* the group means */
    broadcast_groups(e, groups, ones_name);
    const char *sub[2] = {x, e->x};
    node(e, "Sub", sub, 2, NULL, 0, centered);
    memcpy(e->x, centered, sizeof centered);
    apply(e, "Mul", centered, NULL, 0);
    apply(e, "ReduceMean", NULL, reduce, 2); /* the group variances */
    apply(e, "Add", eps_name, NULL, 0);
    apply(e, "Sqrt", NULL, NULL, 0);
    broadcast_groups(e, groups, ones_name);
    const char *div[2] = {centered, e->x};
    node(e, "Div", div, 2, NULL, 0, x);
    memcpy(e->x, x, sizeof x);
    const int64_t back[4] = {0, e->in.c, e->in.h, e->in.w};
    reshape(e, e->flat ? 2 : 4, back);
    onnx_channel_op(e, "Mul", "gamma", gamma);
    onnx_channel_op(e, "Add", "beta", gamma + e->in.c);
    return CLCNN_OK;
}

static clcnn_status export_add(onnx_exporter *e, const clcnn_layer_spec *s, clcnn_shape out)
{
    ensure_spatial(e);
    for (int k = 0; k < e->n_summands; k++) {
        if (e->summands_flat[k])
            return clcnn_fail(CLCNN_ERR_ARG, "export: %s (line %d) adds an fc layer's output: "
                                             "not exported", e->prefix, s->line);
        apply(e, "Add", e->summands[k], NULL, 0);
    }
    return CLCNN_OK;
}

static const onnx_layer_fn layer_exporters[] = {
    [CLCNN_LAYER_CONV] = export_conv,
    [CLCNN_LAYER_FC] = export_fc,
    [CLCNN_LAYER_MAXPOOL] = export_maxpool,
    [CLCNN_LAYER_AVGPOOL] = export_avgpool,
    [CLCNN_LAYER_BATCHNORM] = export_batchnorm,
    [CLCNN_LAYER_RELU] = export_activation,
    [CLCNN_LAYER_LEAKY_RELU] = export_activation,
    [CLCNN_LAYER_SIGMOID] = export_activation,
    [CLCNN_LAYER_DROPOUT] = export_dropout,
    [CLCNN_LAYER_GROUPNORM] = export_groupnorm,
    [CLCNN_LAYER_LAYERNORM] = export_groupnorm,
    [CLCNN_LAYER_ADD] = export_add,
};
_Static_assert(sizeof layer_exporters / sizeof layer_exporters[0] == CLCNN_LAYER_KIND_COUNT,
               "every layer kind needs an entry in the ONNX exporter table");

onnx_layer_fn onnx_layer_exporter(clcnn_layer_kind kind)
{
    if ((int)kind < 0 || (size_t)kind >= sizeof layer_exporters / sizeof layer_exporters[0])
        return NULL;
    return layer_exporters[kind];
}
