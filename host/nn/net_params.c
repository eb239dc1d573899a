/* The network's parameter and state lists, optimizer state, the flat host
 * form used by checkpoints, and the summary. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "nn/net_internal.h"

/* Reallocate every parameter's gradient as a part of one tensor (they are
 * zero and unused until the first backward, so nothing is copied). */
static clcnn_status flatten_gradients(clcnn_net *net)
{
    size_t align = net->be->part_align, total = 0;
    for (int i = 0; i < net->n_params; i++)
        total = (total + align - 1) / align * align + net->params[i].grad->count;
    if (total > INT_MAX)
        return clcnn_fail(CLCNN_ERR_ARG, "network: %zu gradient elements exceed one tensor",
                          total);
    CLCNN_TRY(clcnn_tensor_alloc(net->be, &net->grad_flat, clcnn_shape_make(1, 1, 1, (int)total),
                                 CLCNN_REAL, "gradients"));
    size_t offset = 0;
    for (int i = 0; i < net->n_params; i++) {
        clcnn_tensor *g = net->params[i].grad;
        clcnn_shape shape = g->shape;
        const char *name = g->name;
        clcnn_tensor_free(g);
        offset = (offset + align - 1) / align * align;
        CLCNN_TRY(clcnn_tensor_alloc_part(&net->grad_flat, offset, g, shape, name));
        offset += g->count;
    }
    return CLCNN_OK;
}

clcnn_status nn_collect_params(clcnn_net *net)
{
    int n_params = 0, n_states = 0;
    for (int i = 0; i < net->n_layers; i++) {
        n_params += net->layers[i].n_params;
        n_states += net->layers[i].n_states;
    }
    net->params = calloc((size_t)n_params + 1, sizeof *net->params);
    net->states = calloc((size_t)n_states + 1, sizeof *net->states);
    if (!net->params || !net->states)
        return clcnn_fail(CLCNN_ERR_NOMEM, "network: out of host memory");
    for (int i = 0; i < net->n_layers; i++) {
        nn_layer *l = &net->layers[i];
        for (int k = 0; k < l->n_params; k++) {
            if (!l->value[k].backend)
                continue; /* a conv or fc layer without bias */
            clcnn_param *p = &net->params[net->n_params++];
            p->name = l->param_names[k];
            p->value = &l->value[k];
            p->grad = &l->grad[k];
            p->is_weight = (l->spec.kind == CLCNN_LAYER_CONV || l->spec.kind == CLCNN_LAYER_FC) &&
                           k == NN_WEIGHT;
        }
        for (int k = 0; k < l->n_states; k++) {
            clcnn_state *s = &net->states[net->n_states++];
            s->name = l->state_names[k];
            s->value = &l->state[k];
        }
    }
    return net->flat_gradients ? flatten_gradients(net) : CLCNN_OK;
}

clcnn_tensor *clcnn_net_gradients(const clcnn_net *net)
{
    /* like clcnn_param's grad: the caller may write the net's gradients */
    return net->grad_flat.backend ? (clcnn_tensor *)&net->grad_flat : NULL;
}

const clcnn_param *clcnn_net_params(const clcnn_net *net, int *count)
{
    *count = net->n_params;
    return net->params;
}

const clcnn_state *clcnn_net_states(const clcnn_net *net, int *count)
{
    *count = net->n_states;
    return net->states;
}

/* The layer slot behind parameter p (params are views of layer slots). */
static void param_slot(clcnn_net *net, const clcnn_param *p, nn_layer **layer, int *slot)
{
    for (int i = 0; i < net->n_layers; i++)
        for (int k = 0; k < NN_MAX_PARAMS; k++)
            if (&net->layers[i].value[k] == p->value) {
                *layer = &net->layers[i];
                *slot = k;
                return;
            }
}

clcnn_status clcnn_net_alloc_optimizer_state(clcnn_net *net, int n_state)
{
    if (n_state < 0 || n_state > 2)
        return clcnn_fail(CLCNN_ERR_ARG, "optimizer state: %d tensors per parameter (0 to 2)",
                          n_state);
    for (int i = 0; i < net->n_params; i++) {
        clcnn_param *p = &net->params[i];
        nn_layer *l = NULL;
        int k = 0;
        param_slot(net, p, &l, &k);
        if (n_state >= 1 && !l->m[k].backend) {
            CLCNN_TRY(clcnn_tensor_alloc(net->be, &l->m[k], p->value->shape, CLCNN_REAL, p->name));
            p->m = &l->m[k];
        }
        if (n_state >= 2 && !l->v[k].backend) {
            CLCNN_TRY(clcnn_tensor_alloc(net->be, &l->v[k], p->value->shape, CLCNN_REAL, p->name));
            p->v = &l->v[k];
        }
    }
    if (n_state > net->n_optimizer_state)
        net->n_optimizer_state = n_state;
    return CLCNN_OK;
}

size_t clcnn_net_flat_count(const clcnn_net *net)
{
    size_t total = 0;
    for (int i = 0; i < net->n_params; i++)
        total += net->params[i].value->count;
    for (int i = 0; i < net->n_states; i++)
        total += net->states[i].value->count;
    return total;
}

/* The tensor holding element range i of the flat form (params, then states). */
static clcnn_tensor *flat_tensor(const clcnn_net *net, int i)
{
    return i < net->n_params ? net->params[i].value : net->states[i - net->n_params].value;
}

clcnn_status clcnn_net_get_flat(const clcnn_net *net, float *dst)
{
    for (int i = 0; i < net->n_params + net->n_states; i++) {
        const clcnn_tensor *t = flat_tensor(net, i);
        CLCNN_TRY(clcnn_tensor_download(t, 0, t->count, dst));
        dst += t->count;
    }
    return CLCNN_OK;
}

clcnn_status clcnn_net_set_flat(clcnn_net *net, const float *src)
{
    for (int i = 0; i < net->n_params + net->n_states; i++) {
        clcnn_tensor *t = flat_tensor(net, i);
        CLCNN_TRY(clcnn_tensor_upload(t, 0, t->count, src));
        src += t->count;
    }
    return CLCNN_OK;
}

size_t clcnn_net_summary(const clcnn_net *net, char *buf, size_t size)
{
    size_t len = clcnn_model_spec_summary(&net->spec, buf, size);
    size_t used = len < size ? len : (size ? size - 1 : 0);
    int n = snprintf(size > used ? buf + used : NULL, size > used ? size - used : 0,
                     "batch %d on backend %s (%.1f MiB of tensors on the backend)\n", net->batch, net->be->name,
                     (double)net->be->counters.bytes_in_use / (1024.0 * 1024.0));
    return len + (n > 0 ? (size_t)n : 0);
}
