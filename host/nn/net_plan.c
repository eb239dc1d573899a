/* The network's memory plan, made once when it is created.
 *
 * Fusions (fusion.h): an activation run inside a neighbour's op has no op
 * and no buffer; its output is its input's buffer (holding act(z) when the
 * layer before applies it, z when the pooling after it does), and backward
 * hands its dy on to its input, as an add layer of one input would.
 *
 * Activations: a layer's output is kept in a buffer of its own when backward
 * reads it (the layer's own backward reads y, or a consumer's reads it as
 * x; never in a network made for inference), and for the last layer (the
 * logits). Every other output is needed
 * only until its last consumer's forward has run, and shares one of a few
 * pooled buffers with outputs whose lifetimes do not overlap.
 *
 * Gradients: backward walks the layers in reverse and keeps, per layer
 * output, the buffer that holds its gradient so far. The first consumer to
 * reach a tensor writes its gradient there directly; a later one writes into
 * a free buffer and adds it in (the op add), so a tensor that feeds several
 * layers gets the sum of their gradients. An add layer hands its dy to each
 * of its inputs by sharing the buffer (reference counted); a buffer shared
 * that way is never written: the sum then goes to a fresh buffer. The walk
 * is simulated here to record the actions and count the buffers.
 */
#include <stdlib.h>
#include <string.h>

#include "nn/fusion.h"
#include "nn/net_internal.h"

/* Sources of layer i: its input, then its summands (-1: the network input). */
static int n_sources(const clcnn_net *net, int i) { return 1 + net->spec.layers[i].n_summands; }
static int source(const clcnn_net *net, int i, int k)
{
    return clcnn_model_spec_source(&net->spec, i, k);
}

/* ---- fusions ---- */

void nn_plan_fusions(clcnn_net *net)
{
    for (int i = 0; i < net->n_layers; i++) {
        nn_layer *l = &net->layers[i];
        l->flags = l->ops->flags;
        l->act = CLCNN_ACT_NONE;
        l->fused_into = net->unfused ? -1 : nn_fused_into(&net->spec, i);
    }
    for (int i = 0; i < net->n_layers; i++) {
        nn_layer *l = &net->layers[i];
        if (l->fused_into < 0)
            continue;
        nn_layer *into = &net->layers[l->fused_into];
        into->act = l->ops->activation;
        into->act_alpha = l->spec.alpha;
        if (into->flags & NN_KIND_FUSES_ACTIVATION_BEFORE)
            into->flags &= ~NN_KIND_NO_Y; /* its backward reads y for the derivative */
        l->flags = NN_KIND_NO_X | NN_KIND_NO_Y | NN_KIND_SUM; /* the identity on its input's buffer */
    }
}

/* The layer whose output layer j's buffer ends up being: the fused
 * activation that reads it, else j. */
static int buffer_owner(const clcnn_net *net, int j)
{
    for (int i = j + 1; i < net->n_layers; i++)
        if (net->layers[i].fused_into >= 0 && source(net, i, 0) == j)
            return i;
    return j;
}

/* ---- activations ---- */

static int output_kept(const clcnn_net *net, int j)
{
    if (j == net->n_layers - 1)
        return 1;
    if (net->inference) /* no backward will read it */
        return 0;
    if (!(net->layers[j].flags & NN_KIND_NO_Y))
        return 1;
    for (int i = j + 1; i < net->n_layers; i++)
        if (source(net, i, 0) == j && !(net->layers[i].flags & NN_KIND_NO_X))
            return 1;
    return 0;
}

static int last_use(const clcnn_net *net, int j)
{
    int last = j;
    for (int i = j + 1; i < net->n_layers; i++)
        for (int k = 0; k < n_sources(net, i); k++)
            if (source(net, i, k) == j)
                last = i;
    return last;
}

void nn_plan_outputs(clcnn_net *net)
{
    int slot_until[CLCNN_MAX_LAYERS]; /* per slot: the last layer that reads it */
    net->n_act_slots = 0;
    for (int j = 0; j < net->n_layers; j++) {
        nn_layer *l = &net->layers[j];
        if (l->fused_into >= 0) { /* planned with its input's buffer */
            l->y_slot = NN_Y_FUSED;
            l->kept = net->layers[source(net, j, 0)].kept;
            continue;
        }
        int owner = buffer_owner(net, j);
        l->kept = output_kept(net, j) || output_kept(net, owner);
        l->y_slot = NN_Y_OWN;
        if (l->kept)
            continue;
        int s = 0;
        while (s < net->n_act_slots && slot_until[s] >= j)
            s++;
        if (s == net->n_act_slots)
            net->n_act_slots++;
        slot_until[s] = last_use(net, owner);
        l->y_slot = s;
    }
}

/* ---- gradients ---- */

#define DLOGITS (-2) /* the caller's dlogits: read only */

typedef struct walk {
    clcnn_net *net;
    int grad[CLCNN_MAX_LAYERS];  /* buffer of each output's gradient, -1 none yet */
    int *refs;                   /* per buffer: holders (0: free) */
    int n_buffers, max_buffers;
} walk;

static int acquire(walk *w)
{
    int b = 0;
    while (b < w->n_buffers && w->refs[b] > 0)
        b++;
    if (b == w->n_buffers)
        w->n_buffers++;
    w->refs[b] = 1;
    return b;
}

static void release(walk *w, int b)
{
    if (b >= 0)
        w->refs[b]--;
}

static void record(walk *w, int kind, int layer, int a, int b, int dst)
{
    nn_grad_action *act = &w->net->grad_plan[w->net->n_grad_actions++];
    act->kind = kind;
    act->layer = layer;
    act->a = a;
    act->b = b;
    act->dst = dst;
}

/* Add the gradient in buffer g to what output j has so far: in place when
 * j's buffer is its alone, else into a fresh buffer (or g itself when g is
 * free to take, owned). */
static void accumulate(walk *w, int j, int g, int g_owned)
{
    int have = w->grad[j];
    if (have >= 0 && w->refs[have] == 1) {
        record(w, NN_GRAD_ADD, j, have, g, have);
        if (g_owned)
            release(w, g);
        return;
    }
    int dst = g_owned ? g : acquire(w);
    record(w, NN_GRAD_ADD, j, have, g, dst);
    release(w, have);
    w->grad[j] = dst;
}

static void walk_sum(walk *w, int i, int dy)
{
    for (int k = 0; k < n_sources(w->net, i); k++) {
        int j = source(w->net, i, k);
        if (j < 0)
            continue;
        if (w->grad[j] == -1) {
            w->grad[j] = dy; /* shared */
            if (dy >= 0)
                w->refs[dy]++;
        } else {
            accumulate(w, j, dy, 0);
        }
    }
}

static void walk_layer(walk *w, int i, int dy)
{
    int j = source(w->net, i, 0);
    if (j < 0 && w->net->layers[i].n_params == 0)
        return; /* nothing to compute */
    if (j >= 0 && w->grad[j] == -1) {
        w->grad[j] = acquire(w);
        record(w, NN_GRAD_LAYER, i, dy, 1, w->grad[j]);
        return;
    }
    int dx = acquire(w); /* a scratch dx when none is needed: some ops write it anyway */
    record(w, NN_GRAD_LAYER, i, dy, j >= 0, dx);
    if (j >= 0)
        accumulate(w, j, dx, 1);
    else
        release(w, dx);
}

clcnn_status nn_plan_gradients(clcnn_net *net)
{
    int n = net->n_layers;
    walk w = {net, {0}, calloc((size_t)n * (2 + CLCNN_MAX_SUMMANDS), sizeof(int)), 0, 0};
    net->grad_plan = calloc((size_t)n * (2 + CLCNN_MAX_SUMMANDS), sizeof *net->grad_plan);
    if (!w.refs || !net->grad_plan) {
        free(w.refs);
        return clcnn_fail(CLCNN_ERR_NOMEM, "network: out of host memory");
    }
    for (int j = 0; j < n; j++)
        w.grad[j] = -1;
    w.grad[n - 1] = DLOGITS;
    for (int i = n - 1; i >= 0; i--) {
        int dy = w.grad[i];
        if (net->layers[i].flags & NN_KIND_SUM)
            walk_sum(&w, i, dy);
        else
            walk_layer(&w, i, dy);
        release(&w, dy);
    }
    net->n_grad_buffers = w.n_buffers;
    free(w.refs);
    return CLCNN_OK;
}

int nn_forward_start(const clcnn_net *net, int first)
{
    int start = first;
    for (int i = start; i < net->n_layers; i++)
        for (int k = 0; k < n_sources(net, i); k++) {
            int j = source(net, i, k);
            if (j >= 0 && j < start && !net->layers[j].kept) {
                start = j; /* its output may be overwritten: recompute from there */
                i = start - 1;
                break;
            }
        }
    while (start < net->n_layers && net->layers[start].fused_into >= 0)
        start = source(net, start, 0); /* its output is its input's buffer */
    return start;
}
