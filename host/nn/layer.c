/* Layer helpers shared by every layer family. */
#include "nn/layer.h"

#include <stdio.h>
#include <string.h>

const nn_layer_ops *nn_layer_ops_for(clcnn_layer_kind kind)
{
    switch (kind) {
    case CLCNN_LAYER_CONV: return &nn_conv_ops;
    case CLCNN_LAYER_FC: return &nn_fc_ops;
    case CLCNN_LAYER_MAXPOOL: return &nn_maxpool_ops;
    case CLCNN_LAYER_AVGPOOL: return &nn_avgpool_ops;
    case CLCNN_LAYER_BATCHNORM: return &nn_batchnorm_ops;
    case CLCNN_LAYER_RELU:
    case CLCNN_LAYER_LEAKY_RELU:
    case CLCNN_LAYER_SIGMOID: return &nn_activation_ops;
    case CLCNN_LAYER_DROPOUT: return &nn_dropout_ops;
    case CLCNN_LAYER_GROUPNORM:
    case CLCNN_LAYER_LAYERNORM: return &nn_groupnorm_ops;
    }
    return NULL;
}

clcnn_status nn_layer_add_param(nn_layer *l, clcnn_backend *be, int i, clcnn_shape shape,
                                const char *what)
{
    snprintf(l->param_names[i], sizeof l->param_names[i], "%s.%s", l->name, what);
    NN_TRY(clcnn_tensor_alloc(be, &l->value[i], shape, CLCNN_REAL, l->param_names[i]));
    NN_TRY(clcnn_tensor_alloc(be, &l->grad[i], shape, CLCNN_REAL, l->param_names[i]));
    if (l->n_params < i + 1)
        l->n_params = i + 1;
    return CLCNN_OK;
}

clcnn_status nn_layer_add_state(nn_layer *l, clcnn_backend *be, int i, clcnn_shape shape,
                                const char *what)
{
    snprintf(l->state_names[i], sizeof l->state_names[i], "%s.%s", l->name, what);
    NN_TRY(clcnn_tensor_alloc(be, &l->state[i], shape, CLCNN_REAL, l->state_names[i]));
    if (l->n_states < i + 1)
        l->n_states = i + 1;
    return CLCNN_OK;
}

void nn_layer_release(nn_layer *l)
{
    for (int i = 0; i < NN_MAX_PARAMS; i++) {
        clcnn_tensor_free(&l->value[i]);
        clcnn_tensor_free(&l->grad[i]);
        clcnn_tensor_free(&l->m[i]);
        clcnn_tensor_free(&l->v[i]);
    }
    for (int i = 0; i < NN_MAX_STATES; i++)
        clcnn_tensor_free(&l->state[i]);
    for (int i = 0; i < 2; i++)
        clcnn_tensor_free(&l->cache[i]);
    clcnn_tensor_free(&l->y);
}

clcnn_tensor nn_batch_view(const clcnn_tensor *t, int n)
{
    clcnn_tensor v = *t;
    v.shape.n = n;
    v.count = clcnn_shape_count(v.shape);
    return v;
}

clcnn_tensor nn_matrix_view(const clcnn_tensor *t, int rows, int cols)
{
    clcnn_tensor v = *t;
    v.shape = clcnn_shape_make(1, 1, rows, cols);
    v.count = (size_t)rows * (size_t)cols;
    return v;
}
