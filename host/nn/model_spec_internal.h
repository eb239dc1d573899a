/* Helpers shared by the model parser, the spec functions and the network. */
#ifndef CLCNN_NN_MODEL_SPEC_INTERNAL_H
#define CLCNN_NN_MODEL_SPEC_INTERNAL_H

#include <stddef.h>

#include "clcnn/net.h"

/* Reset l to kind's defaults: stride 1, no padding, bias on, init auto,
 * batchnorm momentum 0.1 and eps 1e-5, leakyrelu alpha 0.01. */
void nn_layer_spec_defaults(clcnn_layer_spec *l, clcnn_layer_kind kind);

/* The model-file keyword of kind ("conv", "leakyrelu"). */
const char *nn_layer_keyword(clcnn_layer_kind kind);

/* Trained parameters of layer l on an input of one image of shape in. */
size_t nn_layer_param_count(const clcnn_layer_spec *l, clcnn_shape in);

/* The input shape of one image (n = 1). */
clcnn_shape nn_spec_input_shape(const clcnn_model_spec *spec);

#endif
