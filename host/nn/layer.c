/* The table of layer kinds, and layer helpers shared by every kind. */
#include "nn/layer.h"

#include <stdio.h>
#include <string.h>

/* Each kind's ops, defined in its layer_<kind>.c. */
extern const nn_layer_ops nn_conv_ops, nn_fc_ops, nn_maxpool_ops, nn_avgpool_ops,
    nn_batchnorm_ops, nn_relu_ops, nn_leaky_relu_ops, nn_sigmoid_ops, nn_dropout_ops,
    nn_groupnorm_ops, nn_layernorm_ops, nn_add_ops;

/* The one table of layer kinds, indexed by the enum. */
static const nn_layer_ops *const layer_kinds[] = {
    [CLCNN_LAYER_CONV] = &nn_conv_ops,
    [CLCNN_LAYER_FC] = &nn_fc_ops,
    [CLCNN_LAYER_MAXPOOL] = &nn_maxpool_ops,
    [CLCNN_LAYER_AVGPOOL] = &nn_avgpool_ops,
    [CLCNN_LAYER_BATCHNORM] = &nn_batchnorm_ops,
    [CLCNN_LAYER_RELU] = &nn_relu_ops,
    [CLCNN_LAYER_LEAKY_RELU] = &nn_leaky_relu_ops,
    [CLCNN_LAYER_SIGMOID] = &nn_sigmoid_ops,
    [CLCNN_LAYER_DROPOUT] = &nn_dropout_ops,
    [CLCNN_LAYER_GROUPNORM] = &nn_groupnorm_ops,
    [CLCNN_LAYER_LAYERNORM] = &nn_layernorm_ops,
    [CLCNN_LAYER_ADD] = &nn_add_ops,
};
_Static_assert(sizeof layer_kinds / sizeof layer_kinds[0] == CLCNN_LAYER_KIND_COUNT,
               "every clcnn_layer_kind needs its entry in layer_kinds");

const nn_layer_ops *nn_layer_ops_for(clcnn_layer_kind kind)
{
    return (unsigned)kind < CLCNN_LAYER_KIND_COUNT ? layer_kinds[kind] : NULL;
}

const char *clcnn_layer_kind_name(clcnn_layer_kind kind)
{
    const nn_layer_ops *ops = nn_layer_ops_for(kind);
    return ops ? ops->keyword : NULL;
}

void clcnn_model_spec_layer_name(const clcnn_model_spec *spec, int i, char *buf, size_t size)
{
    clcnn_layer_kind kind = spec->layers[i].kind;
    int k = 1;
    for (int j = 0; j < i; j++)
        k += spec->layers[j].kind == kind;
    snprintf(buf, size, "%s%d", nn_layer_ops_for(kind)->prefix, k);
}

clcnn_status nn_layer_add_param(nn_layer *l, clcnn_backend *be, int i, clcnn_shape shape,
                                const char *what)
{
    snprintf(l->param_names[i], sizeof l->param_names[i], "%s.%s", l->name, what);
    CLCNN_TRY(clcnn_tensor_alloc(be, &l->value[i], shape, CLCNN_REAL, l->param_names[i]));
    CLCNN_TRY(clcnn_tensor_alloc(be, &l->grad[i], shape, CLCNN_REAL, l->param_names[i]));
    if (l->n_params < i + 1)
        l->n_params = i + 1;
    return CLCNN_OK;
}

clcnn_status nn_layer_add_state(nn_layer *l, clcnn_backend *be, int i, clcnn_shape shape,
                                const char *what)
{
    snprintf(l->state_names[i], sizeof l->state_names[i], "%s.%s", l->name, what);
    CLCNN_TRY(clcnn_tensor_alloc(be, &l->state[i], shape, CLCNN_REAL, l->state_names[i]));
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
    if (l->y_slot == NN_Y_OWN)
        clcnn_tensor_free(&l->y);
}

clcnn_tensor nn_matrix_view(const clcnn_tensor *t, int rows, int cols)
{
    return clcnn_tensor_view(t, clcnn_shape_make(1, 1, rows, cols));
}
