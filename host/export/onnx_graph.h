/* Building an ONNX model (onnx.proto, IR version 7, opset 13): a graph of
 * nodes and float / int64 initializers, one float input and named float
 * outputs whose first dimension is the batch ("N"), and string metadata. The
 * encoding uses the field numbers published in onnx.proto (pb_writer.h). */
#ifndef CLCNN_EXPORT_ONNX_GRAPH_H
#define CLCNN_EXPORT_ONNX_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "train/byte_buffer.h"

#define ONNX_OPSET 13
#define ONNX_IR_VERSION 7
#define ONNX_NAME_MAX 48
#define ONNX_MAX_DIMS 4
#define ONNX_MAX_METADATA 8

/* A node attribute: one float, one int, or a list of ints. */
typedef enum onnx_attr_kind { ONNX_ATTR_FLOAT, ONNX_ATTR_INT, ONNX_ATTR_INTS } onnx_attr_kind;

typedef struct onnx_attr {
    const char *name;
    onnx_attr_kind kind;
    float f;
    int64_t i;
    int n_ints;
    int64_t ints[8];
} onnx_attr;

onnx_attr onnx_attr_float(const char *name, float f);
onnx_attr onnx_attr_int(const char *name, int64_t i);
onnx_attr onnx_attr_ints(const char *name, int n, const int64_t *ints);

/* A graph input or output: the batch dimension "N" then dims. */
typedef struct onnx_value {
    char name[ONNX_NAME_MAX];
    int n_dims;              /* after the batch dimension */
    int64_t dims[ONNX_MAX_DIMS];
} onnx_value;

typedef struct onnx_graph {
    byte_writer nodes;        /* encoded GraphProto.node fields */
    byte_writer initializers; /* encoded GraphProto.initializer fields */
    int names;                /* tensors named so far (onnx_fresh_name) */
    int n_outputs;
    onnx_value input, outputs[2];
    int n_metadata;
    const char *metadata[ONNX_MAX_METADATA][2]; /* key, value (not copied) */
} onnx_graph;

/* A new tensor name "<prefix>_<k>" with k unique in the graph, into out. */
void onnx_fresh_name(onnx_graph *g, const char *prefix, char out[ONNX_NAME_MAX]);

/* A node op_type(inputs...) -> output. */
void onnx_node(onnx_graph *g, const char *op_type, const char *const *inputs, int n_inputs,
               const char *output, const onnx_attr *attrs, int n_attrs);

/* Initializers: float data of shape dims (count = product of dims), int64 data. */
void onnx_floats(onnx_graph *g, const char *name, int n_dims, const int64_t *dims,
                 const float *data);
void onnx_int64s(onnx_graph *g, const char *name, int n_dims, const int64_t *dims,
                 const int64_t *data);

/* The encoded ModelProto (producer clcnn, opset 13, the graph, metadata);
 * out->failed when memory ran out. */
void onnx_model_encode(const onnx_graph *g, const char *graph_name, byte_writer *out);

void onnx_graph_free(onnx_graph *g);

#endif
