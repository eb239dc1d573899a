/* clcnn_export_onnx(): the checkpoint's network as an ONNX model (see
 * clcnn/export.h): input normalization, the layers (onnx_layers.c), the
 * logits and probabilities outputs and the metadata, written atomically. */
#include "clcnn/export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/cache.h"
#include "export/onnx_export_internal.h"
#include "nn/model_spec_internal.h"

/* Fail, before anything is built, on the first layer no exporter handles. */
static clcnn_status check_exportable(const clcnn_model_spec *spec)
{
    for (int i = 0; i < spec->n_layers; i++) {
        const clcnn_layer_spec *s = &spec->layers[i];
        if (!onnx_layer_exporter(s->kind)) {
            const char *name = clcnn_layer_kind_name(s->kind);
            return clcnn_fail(CLCNN_ERR_ARG,
                              "export: layer %d (%s, %s line %d) cannot be exported to ONNX", i + 1,
                              name ? name : "unknown kind", spec->source, s->line);
        }
    }
    return CLCNN_OK;
}

/* (x - mean) / std per channel, as clcnn normalizes the uint8 pixels. */
static void normalize_input(onnx_exporter *e, const clcnn_checkpoint *ckpt)
{
    snprintf(e->prefix, sizeof e->prefix, "input");
    onnx_channel_op(e, "Sub", "mean", ckpt->mean);
    onnx_channel_op(e, "Div", "std", ckpt->std);
}

static clcnn_status export_layers(onnx_exporter *e, const clcnn_checkpoint *ckpt)
{
    const clcnn_model_spec *spec = &ckpt->spec;
    clcnn_shape shapes[CLCNN_MAX_LAYERS];
    clcnn_status st = clcnn_model_spec_shapes(spec, shapes);
    if (st != CLCNN_OK)
        return st;
    size_t n_params = clcnn_model_spec_param_count(spec);
    if (n_params > ckpt->flat_count)
        return clcnn_fail(CLCNN_ERR_FORMAT, "export: the checkpoint holds %zu values, its "
                                            "network has %zu parameters", ckpt->flat_count, n_params);
    e->params = ckpt->flat;
    e->params_end = e->states = ckpt->flat + n_params;
    e->states_end = ckpt->flat + ckpt->flat_count;
    e->in = nn_spec_input_shape(spec);
    normalize_input(e, ckpt);
    char input[ONNX_NAME_MAX];
    memcpy(input, e->x, sizeof input);
    for (int i = 0; i < spec->n_layers && st == CLCNN_OK; i++) {
        const clcnn_layer_spec *s = &spec->layers[i];
        clcnn_model_spec_layer_name(spec, i, e->prefix, sizeof e->prefix); /* "conv1", "bn2" */
        int j = clcnn_model_spec_source(spec, i, 0); /* the graph: where x comes from */
        memcpy(e->x, j < 0 ? input : e->outputs[j], sizeof e->x);
        e->flat = j < 0 ? 0 : e->outputs_flat[j];
        e->in = clcnn_model_spec_input_shape(spec, shapes, i);
        e->n_summands = s->n_summands;
        for (int k = 0; k < s->n_summands; k++) {
            j = clcnn_model_spec_source(spec, i, k + 1);
            e->summands[k] = j < 0 ? input : e->outputs[j];
            e->summands_flat[k] = j < 0 ? 0 : e->outputs_flat[j];
        }
        st = onnx_layer_exporter(s->kind)(e, s, shapes[i]);
        memcpy(e->outputs[i], e->x, sizeof e->x);
        e->outputs_flat[i] = e->flat;
    }
    if (st == CLCNN_OK && (e->params != e->params_end || e->states != e->states_end))
        st = clcnn_fail(CLCNN_ERR_FORMAT, "export: the checkpoint holds more values than its "
                                          "network uses");
    return st;
}

/* "logits" (N x K) and "probabilities" of the trained loss. */
static void add_outputs(onnx_exporter *e, const clcnn_checkpoint *ckpt)
{
    snprintf(e->prefix, sizeof e->prefix, "output");
    if (!e->flat) {
        const onnx_attr axis = onnx_attr_int("axis", 1);
        char y[ONNX_NAME_MAX];
        const char *x = e->x;
        onnx_fresh_name(&e->g, e->prefix, y);
        onnx_node(&e->g, "Flatten", &x, 1, y, &axis, 1);
        memcpy(e->x, y, sizeof y);
    }
    const char *x = e->x, *logits = "logits";
    onnx_node(&e->g, "Identity", &x, 1, logits, NULL, 0);
    if (ckpt->config.loss == CLCNN_LOSS_BCE) {
        onnx_node(&e->g, "Sigmoid", &logits, 1, "probabilities", NULL, 0);
    } else {
        const onnx_attr axis = onnx_attr_int("axis", 1);
        onnx_node(&e->g, "Softmax", &logits, 1, "probabilities", &axis, 1);
    }
    for (int i = 0; i < 2; i++) {
        onnx_value *v = &e->g.outputs[i];
        snprintf(v->name, sizeof v->name, "%s", i ? "probabilities" : "logits");
        v->n_dims = 1;
        v->dims[0] = ckpt->classes;
    }
    e->g.n_outputs = 2;
}

/* The class names one a line (malloc'ed). */
static char *class_name_lines(const clcnn_checkpoint *ckpt)
{
    size_t size = 1;
    for (int k = 0; k < ckpt->classes; k++)
        size += strlen(ckpt->class_names[k]) + 1;
    char *text = malloc(size), *p = text;
    for (int k = 0; p && k < ckpt->classes; k++)
        p += sprintf(p, "%s%s", k ? "\n" : "", ckpt->class_names[k]);
    if (p)
        *p = '\0';
    return text;
}

clcnn_status clcnn_export_onnx(const clcnn_checkpoint *ckpt, const char *path)
{
    clcnn_status st = check_exportable(&ckpt->spec);
    if (st != CLCNN_OK)
        return st;
    onnx_exporter e;
    memset(&e, 0, sizeof e);
    snprintf(e.x, sizeof e.x, "input");
    e.g.input = (onnx_value){.name = "input", .n_dims = 3,
                             .dims = {ckpt->spec.c, ckpt->spec.h, ckpt->spec.w}};
    st = export_layers(&e, ckpt);
    char *names = class_name_lines(ckpt);
    byte_writer model = {0};
    if (st == CLCNN_OK) {
        add_outputs(&e, ckpt);
        const char *metadata[][2] = {{"class_names", names ? names : ""},
                                     {"loss", clcnn_loss_name(ckpt->config.loss)},
                                     {"clcnn_model", ckpt->model_text ? ckpt->model_text : ""}};
        for (int i = 0; i < 3; i++) {
            e.g.metadata[i][0] = metadata[i][0];
            e.g.metadata[i][1] = metadata[i][1];
        }
        e.g.n_metadata = 3;
        onnx_model_encode(&e.g, "clcnn", &model);
        if (model.failed || !names)
            st = clcnn_fail(CLCNN_ERR_NOMEM, "export: out of memory");
    }
    if (st == CLCNN_OK)
        st = clcnn_cache_write_atomic(path, model.data, (unsigned long)model.size);
    bw_free(&model);
    free(names);
    onnx_graph_free(&e.g);
    return st;
}
