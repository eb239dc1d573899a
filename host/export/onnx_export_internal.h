/* The ONNX exporter's state while it walks the layers (internal). */
#ifndef CLCNN_EXPORT_ONNX_EXPORT_INTERNAL_H
#define CLCNN_EXPORT_ONNX_EXPORT_INTERNAL_H

#include "clcnn/net.h"
#include "export/onnx_graph.h"

typedef struct onnx_exporter {
    onnx_graph g;
    char x[ONNX_NAME_MAX]; /* the tensor the next layer reads */
    int flat;              /* x is N x D (after fc or Flatten), else N x C x H x W */
    clcnn_shape in;        /* the layer's input shape (one image) */
    char prefix[16];       /* "conv1": names of the layer's tensors */
    const float *params;   /* the checkpoint's parameters not yet used */
    const float *params_end;
    const float *states;   /* its batchnorm running statistics not yet used */
    const float *states_end;
    /* the graph: each layer's output tensor and its form (flat), and the
     * tensors an add layer sums with x */
    char outputs[CLCNN_MAX_LAYERS][ONNX_NAME_MAX];
    int outputs_flat[CLCNN_MAX_LAYERS];
    int n_summands;
    const char *summands[CLCNN_MAX_SUMMANDS];
    int summands_flat[CLCNN_MAX_SUMMANDS];
} onnx_exporter;

/* Emit the ONNX nodes of one layer: read e->x (shape e->in), leave the
 * layer's output (shape out) in e->x; take the layer's parameters and
 * states from the cursors in checkpoint order. */
typedef clcnn_status (*onnx_layer_fn)(onnx_exporter *e, const clcnn_layer_spec *s,
                                      clcnn_shape out);

/* The function of kind, NULL when the kind cannot be exported. */
onnx_layer_fn onnx_layer_exporter(clcnn_layer_kind kind);

/* x = op(x, constant) for a per-channel float constant of e->in's channels
 * (C x 1 x 1, or D when e->x is flat). */
void onnx_channel_op(onnx_exporter *e, const char *op, const char *what, const float *values);

#endif
