/* Which layers the network runs fused (internal).
 *
 * An activation layer (relu, leakyrelu, sigmoid) runs inside the op of a
 * neighbour that can apply it, and has no op or buffer of its own:
 *   - the layer before it, when that layer's kind has NN_KIND_FUSES_ACTIVATION
 *     (batchnorm) and the activation is its output's only reader: forward
 *     writes act(z) once instead of writing z and reading it back, and
 *     backward folds the derivative into the normalization's own passes;
 *   - else the layer after it, when that is the activation's only reader and
 *     its kind has NN_KIND_FUSES_ACTIVATION_BEFORE (max pooling): the pooling
 *     reads the activation's input and writes act(max), a quarter of the
 *     elements for 2x2 windows, and backward scatters dy * act'.
 * The activation layer keeps its name and its
 * place in the model (checkpoints, exports and graphs see it); the network
 * gives it no op and no buffer of its own. The decision depends on the
 * model alone, so the network (net_plan.c) and the bench make the same one. */
#ifndef CLCNN_NN_FUSION_H
#define CLCNN_NN_FUSION_H

#include "clcnn/backend.h"
#include "clcnn/net.h"

/* The layer whose op computes layer i, an activation fused into it (the
 * layer before or after it), or -1 when layer i runs on its own. */
int nn_fused_into(const clcnn_model_spec *spec, int i);

/* The function of an activation layer kind (relu, leakyrelu, sigmoid);
 * CLCNN_ACT_NONE for every other kind. */
clcnn_activation nn_kind_activation(clcnn_layer_kind kind);

#endif
