/* The network struct, shared by the files of host/nn (internal). */
#ifndef CLCNN_NN_NET_INTERNAL_H
#define CLCNN_NN_NET_INTERNAL_H

#include "clcnn/net.h"
#include "nn/layer.h"

/* One step of backward (net_plan.c). Buffers are indices into grad_pool;
 * -2 is the caller's dlogits. */
enum { NN_GRAD_LAYER, NN_GRAD_ADD };
typedef struct nn_grad_action {
    int kind;
    int layer;  /* LAYER: whose backward; ADD: whose output's gradient */
    int a, b;   /* LAYER: a = dy, b = need_dx; ADD: the two gradients */
    int dst;    /* LAYER: dx; ADD: where a + b goes (may be a or b) */
} nn_grad_action;

struct clcnn_net {
    clcnn_backend *be;
    clcnn_model_spec spec;
    int batch;                 /* maximum images per step */
    uint32_t seed;
    size_t col_budget_bytes;
    int flat_gradients;        /* clcnn_net_options.flat_gradients */
    int unfused;               /* clcnn_net_options.unfused */
    int inference;             /* clcnn_net_options.inference */
    clcnn_tensor grad_flat;    /* with flat_gradients: every gradient's storage */

    int n_layers;
    nn_layer *layers;          /* n_layers, never moved (tensors point at their names) */
    nn_scratch scratch;
    int n_act_slots;           /* pooled outputs (nn_layer.y_slot) */
    clcnn_tensor *act_pool;
    int n_grad_buffers;        /* activation gradients, each as large as any */
    clcnn_tensor *grad_pool;
    nn_grad_action *grad_plan; /* backward, in order */
    int n_grad_actions;

    int n_params, n_states;
    clcnn_param *params;       /* views of the layers' parameter slots */
    clcnn_state *states;
    int n_optimizer_state;     /* 0, 1 (m) or 2 (m and v) allocated per parameter */

    /* The last forward, for clcnn_net_output() and backward. */
    const clcnn_tensor *last_input;
    int last_n, last_training;
    uint32_t last_step;
    clcnn_tensor output_view;
};

/* clcnn_net_forward() starting at layer first, whose input (the previous
 * layer's output) must still hold this batch: used by the gradient check,
 * where a perturbed parameter changes only its layer and those after it. */
clcnn_status nn_net_forward_from(clcnn_net *net, const clcnn_tensor *input, int n, int training,
                                 uint32_t step, int first);

/* The memory plan (net_plan.c): which outputs keep a buffer of their own
 * and which share the pool (y_slot, before the layers are set up), and how
 * backward routes gradients (after: it needs each layer's parameters). */
void nn_plan_outputs(clcnn_net *net);
/* Which activation layers run inside the layer before them (fusion.h):
 * sets every layer's flags, fused_into and act; first of the plan. */
void nn_plan_fusions(clcnn_net *net);
clcnn_status nn_plan_gradients(clcnn_net *net);

/* The first layer a forward from layer first must run: earlier when a layer
 * from first on reads an output that shares a pooled buffer. */
int nn_forward_start(const clcnn_net *net, int first);

/* Initialize every parameter and state of net from net->seed (init.c). */
clcnn_status nn_init_params(clcnn_net *net);

/* Build net->params and net->states from the layers (net_params.c). */
clcnn_status nn_collect_params(clcnn_net *net);

/* Deterministic host random numbers: a splitmix64 stream. */
typedef struct nn_rng {
    uint64_t state;
} nn_rng;

/* A stream for (seed, stream id); different ids give independent streams. */
nn_rng nn_rng_make(uint32_t seed, uint32_t stream);
/* Uniform in [0, 1). */
double nn_rng_uniform(nn_rng *r);
/* Standard normal (Box-Muller). */
double nn_rng_normal(nn_rng *r);

#endif
