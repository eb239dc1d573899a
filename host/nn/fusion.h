/* Which layers the network runs fused (internal).
 *
 * An activation layer (relu, leakyrelu, sigmoid) whose input is the output
 * of a layer whose op can apply it (a kind with NN_KIND_FUSES_ACTIVATION:
 * batchnorm), and which is that output's only reader, runs inside that
 * layer's op: forward writes act(z) once instead of writing z and then
 * reading it back, and backward folds the activation's derivative into the
 * normalization's own passes. The activation layer keeps its name and its
 * place in the model (checkpoints, exports and graphs see it); the network
 * gives it no op and no buffer of its own. The decision depends on the
 * model alone, so the network (net_plan.c) and the bench make the same one. */
#ifndef CLCNN_NN_FUSION_H
#define CLCNN_NN_FUSION_H

#include "clcnn/backend.h"
#include "clcnn/net.h"

/* The layer whose op computes layer i, an activation fused into it, or -1
 * when layer i runs on its own. */
int nn_fused_into(const clcnn_model_spec *spec, int i);

/* The activation fused into layer j's op, and its leaky ReLU slope in
 * *alpha (CLCNN_ACT_NONE and 0: none). */
clcnn_activation nn_fused_activation(const clcnn_model_spec *spec, int j, float *alpha);

/* The function of an activation layer kind (relu, leakyrelu, sigmoid);
 * CLCNN_ACT_NONE for every other kind. */
clcnn_activation nn_kind_activation(clcnn_layer_kind kind);

#endif
