/* ONNX model encoding (see onnx_graph.h). Field numbers and enum values from
 * onnx.proto: ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
 * ValueInfoProto, TypeProto, TensorShapeProto, OperatorSetIdProto,
 * StringStringEntryProto. */
#include "export/onnx_graph.h"

#include <stdio.h>
#include <string.h>

#include "export/pb_writer.h"

enum { MODEL_IR_VERSION = 1, MODEL_PRODUCER_NAME = 2, MODEL_PRODUCER_VERSION = 3,
       MODEL_GRAPH = 7, MODEL_OPSET_IMPORT = 8, MODEL_METADATA_PROPS = 14 };
enum { OPSET_DOMAIN = 1, OPSET_VERSION = 2 };
enum { ENTRY_KEY = 1, ENTRY_VALUE = 2 };
enum { GRAPH_NODE = 1, GRAPH_NAME = 2, GRAPH_INITIALIZER = 5, GRAPH_INPUT = 11,
       GRAPH_OUTPUT = 12 };
enum { NODE_INPUT = 1, NODE_OUTPUT = 2, NODE_NAME = 3, NODE_OP_TYPE = 4, NODE_ATTRIBUTE = 5 };
enum { ATTR_NAME = 1, ATTR_F = 2, ATTR_I = 3, ATTR_INTS = 8, ATTR_TYPE = 20 };
enum { ATTR_TYPE_FLOAT = 1, ATTR_TYPE_INT = 2, ATTR_TYPE_INTS = 7 };
enum { TENSOR_DIMS = 1, TENSOR_DATA_TYPE = 2, TENSOR_NAME = 8, TENSOR_RAW_DATA = 9 };
enum { ELEM_FLOAT = 1, ELEM_INT64 = 7 };
enum { VALUE_NAME = 1, VALUE_TYPE = 2 };
enum { TYPE_TENSOR = 1 };
enum { TYPE_TENSOR_ELEM_TYPE = 1, TYPE_TENSOR_SHAPE = 2 };
enum { SHAPE_DIM = 1 };
enum { DIM_VALUE = 1, DIM_PARAM = 2 };

onnx_attr onnx_attr_float(const char *name, float f)
{
    onnx_attr a = {.name = name, .kind = ONNX_ATTR_FLOAT, .f = f};
    return a;
}

onnx_attr onnx_attr_int(const char *name, int64_t i)
{
    onnx_attr a = {.name = name, .kind = ONNX_ATTR_INT, .i = i};
    return a;
}

onnx_attr onnx_attr_ints(const char *name, int n, const int64_t *ints)
{
    onnx_attr a = {.name = name, .kind = ONNX_ATTR_INTS, .n_ints = n};
    memcpy(a.ints, ints, sizeof(int64_t) * (size_t)n);
    return a;
}

void onnx_fresh_name(onnx_graph *g, const char *prefix, char out[ONNX_NAME_MAX])
{
    snprintf(out, ONNX_NAME_MAX, "%s_%d", prefix, g->names++);
}

static void encode_attr(byte_writer *w, const onnx_attr *a)
{
    pb_string(w, ATTR_NAME, a->name);
    switch (a->kind) {
    case ONNX_ATTR_FLOAT:
        pb_float(w, ATTR_F, a->f);
        pb_varint(w, ATTR_TYPE, ATTR_TYPE_FLOAT);
        break;
    case ONNX_ATTR_INT:
        pb_varint(w, ATTR_I, a->i);
        pb_varint(w, ATTR_TYPE, ATTR_TYPE_INT);
        break;
    case ONNX_ATTR_INTS:
        for (int k = 0; k < a->n_ints; k++)
            pb_varint(w, ATTR_INTS, a->ints[k]);
        pb_varint(w, ATTR_TYPE, ATTR_TYPE_INTS);
        break;
    }
}

void onnx_node(onnx_graph *g, const char *op_type, const char *const *inputs, int n_inputs,
               const char *output, const onnx_attr *attrs, int n_attrs)
{
    byte_writer node = {0};
    for (int i = 0; i < n_inputs; i++)
        pb_string(&node, NODE_INPUT, inputs[i]);
    pb_string(&node, NODE_OUTPUT, output);
    pb_string(&node, NODE_NAME, output); /* one output per node: name it after it */
    pb_string(&node, NODE_OP_TYPE, op_type);
    for (int i = 0; i < n_attrs; i++) {
        byte_writer attr = {0};
        encode_attr(&attr, &attrs[i]);
        pb_message(&node, NODE_ATTRIBUTE, &attr);
        bw_free(&attr);
    }
    pb_message(&g->nodes, GRAPH_NODE, &node);
    bw_free(&node);
}

/* An initializer: count = product of dims values of elem_type (float or
 * int64), stored as raw little-endian data. */
static void add_tensor(onnx_graph *g, const char *name, int elem_type, int n_dims,
                       const int64_t *dims, const void *data)
{
    size_t count = 1;
    for (int i = 0; i < n_dims; i++)
        count *= (size_t)dims[i];
    byte_writer raw = {0}, t = {0};
    for (size_t i = 0; i < count; i++) {
        if (elem_type == ELEM_FLOAT)
            bw_f32(&raw, ((const float *)data)[i]);
        else
            bw_i64(&raw, ((const int64_t *)data)[i]);
    }
    for (int i = 0; i < n_dims; i++)
        pb_varint(&t, TENSOR_DIMS, dims[i]);
    pb_varint(&t, TENSOR_DATA_TYPE, elem_type);
    pb_string(&t, TENSOR_NAME, name);
    pb_message(&t, TENSOR_RAW_DATA, &raw);
    pb_message(&g->initializers, GRAPH_INITIALIZER, &t);
    bw_free(&raw);
    bw_free(&t);
}

void onnx_floats(onnx_graph *g, const char *name, int n_dims, const int64_t *dims,
                 const float *data)
{
    add_tensor(g, name, ELEM_FLOAT, n_dims, dims, data);
}

void onnx_int64s(onnx_graph *g, const char *name, int n_dims, const int64_t *dims,
                 const int64_t *data)
{
    add_tensor(g, name, ELEM_INT64, n_dims, dims, data);
}

/* ValueInfoProto of a float tensor N x dims. */
static void encode_value(byte_writer *w, int field, const onnx_value *v)
{
    byte_writer shape = {0}, dim = {0};
    pb_string(&dim, DIM_PARAM, "N");
    pb_message(&shape, SHAPE_DIM, &dim);
    for (int i = 0; i < v->n_dims; i++) {
        dim.size = 0;
        pb_varint(&dim, DIM_VALUE, v->dims[i]);
        pb_message(&shape, SHAPE_DIM, &dim);
    }
    byte_writer tensor = {0}, type = {0}, value = {0};
    pb_varint(&tensor, TYPE_TENSOR_ELEM_TYPE, ELEM_FLOAT);
    pb_message(&tensor, TYPE_TENSOR_SHAPE, &shape);
    pb_message(&type, TYPE_TENSOR, &tensor);
    pb_string(&value, VALUE_NAME, v->name);
    pb_message(&value, VALUE_TYPE, &type);
    pb_message(w, field, &value);
    bw_free(&shape);
    bw_free(&dim);
    bw_free(&tensor);
    bw_free(&type);
    bw_free(&value);
}

void onnx_model_encode(const onnx_graph *g, const char *graph_name, byte_writer *out)
{
    byte_writer graph = {0}, opset = {0};
    bw_bytes(&graph, g->nodes.data, g->nodes.size);
    graph.failed |= g->nodes.failed;
    pb_string(&graph, GRAPH_NAME, graph_name);
    bw_bytes(&graph, g->initializers.data, g->initializers.size);
    graph.failed |= g->initializers.failed;
    encode_value(&graph, GRAPH_INPUT, &g->input);
    for (int i = 0; i < g->n_outputs; i++)
        encode_value(&graph, GRAPH_OUTPUT, &g->outputs[i]);

    pb_varint(out, MODEL_IR_VERSION, ONNX_IR_VERSION);
    pb_string(out, MODEL_PRODUCER_NAME, "clcnn");
    pb_string(out, MODEL_PRODUCER_VERSION, CLCNN_VERSION);
    pb_message(out, MODEL_GRAPH, &graph);
    pb_string(&opset, OPSET_DOMAIN, "");
    pb_varint(&opset, OPSET_VERSION, ONNX_OPSET);
    pb_message(out, MODEL_OPSET_IMPORT, &opset);
    for (int i = 0; i < g->n_metadata; i++) {
        byte_writer entry = {0};
        pb_string(&entry, ENTRY_KEY, g->metadata[i][0]);
        pb_string(&entry, ENTRY_VALUE, g->metadata[i][1]);
        pb_message(out, MODEL_METADATA_PROPS, &entry);
        bw_free(&entry);
    }
    bw_free(&graph);
    bw_free(&opset);
}

void onnx_graph_free(onnx_graph *g)
{
    bw_free(&g->nodes);
    bw_free(&g->initializers);
}
