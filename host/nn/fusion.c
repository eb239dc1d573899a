/* Which activation layers run inside a neighbour's op (see fusion.h). */
#include "nn/fusion.h"

#include "nn/layer.h"

/* How many times the layers after j read j's output (as input or summand). */
static int readers(const clcnn_model_spec *spec, int j)
{
    int count = 0;
    for (int i = j + 1; i < spec->n_layers; i++)
        for (int k = 0; k <= spec->layers[i].n_summands; k++)
            count += clcnn_model_spec_source(spec, i, k) == j;
    return count;
}

clcnn_activation nn_kind_activation(clcnn_layer_kind kind)
{
    const nn_layer_ops *ops = nn_layer_ops_for(kind);
    return ops ? ops->activation : CLCNN_ACT_NONE;
}

/* The one layer that reads layer i's output, as its input (-1: none, or
 * several readers, or a summand). */
static int only_reader(const clcnn_model_spec *spec, int i)
{
    if (readers(spec, i) != 1)
        return -1;
    for (int p = i + 1; p < spec->n_layers; p++)
        if (clcnn_model_spec_source(spec, p, 0) == i)
            return p;
    return -1;
}

static unsigned kind_flags(const clcnn_model_spec *spec, int i)
{
    return nn_layer_ops_for(spec->layers[i].kind)->flags;
}

int nn_fused_into(const clcnn_model_spec *spec, int i)
{
    int j = clcnn_model_spec_source(spec, i, 0);
    if (nn_kind_activation(spec->layers[i].kind) == CLCNN_ACT_NONE || j < 0)
        return -1;
    if ((kind_flags(spec, j) & NN_KIND_FUSES_ACTIVATION) && readers(spec, j) == 1)
        return j;
    int p = only_reader(spec, i);
    if (p >= 0 && (kind_flags(spec, p) & NN_KIND_FUSES_ACTIVATION_BEFORE))
        return p;
    return -1;
}
