/* clcnn — networks: model descriptions, the sequential network, gradient check.
 *
 * A model is described by a clcnn_model_spec: the input shape and a list of
 * layer specs. Specs come from the plain-text model format (one layer a line,
 * see README "Model files"), from a model file, or from a built-in preset
 * ("cifar", "lenet", "small", "gradcheck", and the notebooks' recipes
 * "seed-cifar", "seed-small", "seed-lenet"): the files host/nn/models/<name>.txt,
 * embedded into the library at build time and installed to
 * share/clcnn/models). A model text may end with a [train] section: the
 * training recipe (clcnn/train.h, clcnn_recipe_parse()).
 *
 * A clcnn_net is a spec instantiated on a backend for a maximum batch size:
 * every tensor it needs (parameters, gradients, activations, caches, im2col
 * scratch) is allocated once by clcnn_net_create(); forward and backward then
 * run any batch n <= that maximum without allocating. All arithmetic goes
 * through the backend's ops, so the same network runs on "ref", "ref64" and
 * "cl".
 */
#ifndef CLCNN_NET_H
#define CLCNN_NET_H

#include <stddef.h>
#include <stdint.h>

#include "clcnn/backend.h"
#include "clcnn/status.h"
#include "clcnn/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Model descriptions                                                        */
/* ------------------------------------------------------------------------ */

#define CLCNN_MAX_LAYERS 128
#define CLCNN_MAX_NAME 24      /* a layer's name=, with its terminating NUL */
#define CLCNN_MAX_SUMMANDS 8   /* tensors an add layer sums besides its input */

/* Where a layer's input comes from (clcnn_layer_spec.input, summands): */
#define CLCNN_INPUT_PREVIOUS 0 /* the layer before (the network input for the first) */
#define CLCNN_INPUT_NETWORK (-1) /* the network input ("from=input") */
/* k >= 1: the output of layer k - 1 (0-based), which must come earlier */

typedef enum clcnn_layer_kind {
    CLCNN_LAYER_CONV,       /* convolution: im2col + GEMM */
    CLCNN_LAYER_FC,         /* fully connected; flattens a C x H x W input */
    CLCNN_LAYER_MAXPOOL,
    CLCNN_LAYER_AVGPOOL,
    CLCNN_LAYER_BATCHNORM,  /* per channel (per feature after an fc layer), or per
                             * activation (per c, h, w position) */
    CLCNN_LAYER_RELU,
    CLCNN_LAYER_LEAKY_RELU,
    CLCNN_LAYER_SIGMOID,
    CLCNN_LAYER_DROPOUT,    /* inverted dropout; identity at evaluation */
    CLCNN_LAYER_GROUPNORM,  /* group normalization: per image over each group of
                             * channels and all positions; gamma, beta per channel;
                             * no running statistics (training = evaluation) */
    CLCNN_LAYER_LAYERNORM,  /* group normalization with one group: per image over
                             * all its features (C, H, W); gamma, beta per channel
                             * (per feature after an fc layer) */
    CLCNN_LAYER_ADD,        /* elementwise sum of its input and the outputs of the
                             * named layers (summands), all of one shape: the
                             * residual shortcut */
    CLCNN_LAYER_KIND_COUNT  /* the number of kinds, not a kind */
} clcnn_layer_kind;

/* The model-file keyword of kind ("conv", "batchnorm"); NULL out of range. */
const char *clcnn_layer_kind_name(clcnn_layer_kind kind);

/* Weight initialization of conv and fc layers. AUTO (the default) picks HE
 * when the layer's output goes (possibly through a normalization or dropout)
 * into relu or leakyrelu, XAVIER otherwise. HE: normal, std sqrt(2 / fan_in).
 * XAVIER: normal, std sqrt(2 / (fan_in + fan_out)). NORMAL: normal with the
 * layer's init_std ("init=normal:0.1", as the CIFAR notebook). fan_in =
 * C*KH*KW (inputs for fc), fan_out = F*KH*KW (outputs for fc). */
typedef enum clcnn_init_kind {
    CLCNN_INIT_AUTO,
    CLCNN_INIT_HE,
    CLCNN_INIT_XAVIER,
    CLCNN_INIT_NORMAL
} clcnn_init_kind;

typedef struct clcnn_layer_spec {
    clcnn_layer_kind kind;
    int line;            /* line in the source text (0 when built in code) */
    int outputs;         /* CONV: filters; FC: output features */
    int kh, kw;          /* CONV, pools: window */
    int sh, sw;          /* CONV, pools: stride */
    int ph, pw;          /* CONV, pools: zero padding on each side */
    int bias;            /* CONV, FC: 1 if the layer has a bias */
    clcnn_init_kind init;/* CONV, FC */
    float init_std;      /* CONV, FC: standard deviation of init NORMAL */
    float momentum;      /* BATCHNORM: running-average factor (default 0.1) */
    float eps;           /* BATCHNORM, GROUPNORM, LAYERNORM: variance epsilon
                          * (default 1e-5) */
    int per_activation;  /* BATCHNORM: statistics, gamma and beta per (c, h, w)
                          * position instead of per channel ("per=activation") */
    int groups;          /* GROUPNORM: channel groups, dividing C (1: layer
                          * norm, C: instance norm); LAYERNORM: 1 */
    float alpha;         /* LEAKY_RELU: negative slope (default 0.01) */
    float p;             /* DROPOUT: probability of dropping an element */
    int global;          /* AVGPOOL: the window is the whole input plane
                          * ("avgpool global"; kh, kw are then 0 in the spec) */
    /* The graph: a layer reads one input and, for ADD, more summands. */
    char name[CLCNN_MAX_NAME]; /* name=NAME ("" without): what from= and add name */
    int input;           /* from=: CLCNN_INPUT_PREVIOUS, CLCNN_INPUT_NETWORK or
                          * 1 + an earlier layer's index */
    int n_summands;      /* ADD: further tensors summed with the input */
    int summands[CLCNN_MAX_SUMMANDS]; /* each coded like input (never PREVIOUS) */
} clcnn_layer_spec;

typedef struct clcnn_model_spec {
    char source[256];    /* file name or preset name, used in error messages */
    int c, h, w;         /* input shape of one image */
    int input_line;      /* line of the input statement (0 when built in code) */
    int n_layers;
    clcnn_layer_spec layers[CLCNN_MAX_LAYERS];
    int section_line;    /* line of the first "[section]" header, where layer
                          * parsing stopped; 0 when the text has none */
} clcnn_model_spec;

/* Parse model text. source names it in error messages, which read
 * "<source>:<line>: <reason>" (CLCNN_ERR_FORMAT). The result is validated:
 * every layer's output size is positive, the last layer produces a vector
 * (K x 1 x 1), every from= and add names an earlier layer (or "input"),
 * summands have their add's shape, and every layer but the last feeds
 * another (no dead branch). Parsing stops at the first line starting with '['. */
clcnn_status clcnn_model_spec_parse(const char *text, const char *source, clcnn_model_spec *spec);

/* Read and parse a model file (CLCNN_ERR_IO when it cannot be read). */
clcnn_status clcnn_model_spec_load(const char *path, clcnn_model_spec *spec);

/* The text of a built-in preset, or NULL for an unknown name. */
const char *clcnn_model_preset_text(const char *name);

/* NULL-terminated list of the preset names. */
const char *const *clcnn_model_preset_names(void);
/* The preset names, comma-separated, into buf (for messages and --help). */
void clcnn_model_preset_list(char *buf, size_t size);

/* Parse a built-in preset (CLCNN_ERR_ARG for an unknown name). */
clcnn_status clcnn_model_spec_preset(const char *name, clcnn_model_spec *spec);

/* A preset when name is one, otherwise a model file path. */
clcnn_status clcnn_model_spec_resolve(const char *name_or_path, clcnn_model_spec *spec);

/* The layer whose output feeds layer i (its input, or one of its summands
 * with k >= 1: the k-th): its index, or -1 for the network input. */
int clcnn_model_spec_source(const clcnn_model_spec *spec, int i, int k);

/* The input shape of layer i (n = 1) given every layer's output shape (from
 * clcnn_model_spec_shapes). */
clcnn_shape clcnn_model_spec_input_shape(const clcnn_model_spec *spec, const clcnn_shape *shapes,
                                         int i);

/* Validate spec and compute each layer's output shape (n = 1) into
 * out_shapes[0 .. n_layers-1] (may be NULL). Fails like the parser. */
clcnn_status clcnn_model_spec_shapes(const clcnn_model_spec *spec, clcnn_shape *out_shapes);

/* 1 if a and b describe the same network (source and line numbers ignored). */
int clcnn_model_spec_equal(const clcnn_model_spec *a, const clcnn_model_spec *b);

/* Number of trained parameters (weights, biases, batchnorm gamma and beta). */
size_t clcnn_model_spec_param_count(const clcnn_model_spec *spec);

/* Write spec as model text (parses back to an equal spec). Returns the length
 * the full text needs, like snprintf; the output is truncated to size. */
size_t clcnn_model_spec_format(const clcnn_model_spec *spec, char *buf, size_t size);

/* The name the network gives layer i of spec ("conv1", "bn2", "gn1": a
 * prefix per kind, counted per kind), as in its parameter names. */
void clcnn_model_spec_layer_name(const clcnn_model_spec *spec, int i, char *buf, size_t size);

/* A table of the layers: kind and settings, output shape, parameter count,
 * and the total. Returns the full length like snprintf. The spec must be valid. */
size_t clcnn_model_spec_summary(const clcnn_model_spec *spec, char *buf, size_t size);

/* ------------------------------------------------------------------------ */
/* Networks                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct clcnn_net clcnn_net;

/* A trained parameter with its gradient and optimizer state. */
typedef struct clcnn_param {
    const char *name;    /* "conv1.weight", "bn2.gamma", "fc1.bias" */
    clcnn_tensor *value;
    clcnn_tensor *grad;  /* overwritten by every clcnn_net_backward() */
    clcnn_tensor *m;     /* optimizer state; NULL until clcnn_net_alloc_optimizer_state() */
    clcnn_tensor *v;
    int is_weight;       /* 1 for conv/fc weights (L2 and weight decay apply), 0 otherwise */
} clcnn_param;

/* A non-trained state tensor kept in checkpoints (batchnorm running stats). */
typedef struct clcnn_state {
    const char *name;    /* "bn1.running_mean", "bn1.running_var" */
    clcnn_tensor *value;
} clcnn_state;

typedef struct clcnn_net_options {
    /* Upper bound on the im2col scratch matrix in bytes; convolutions run in
     * chunks of images small enough to stay below it (at least one image).
     * 0 means the default, 256 MiB. On the OpenCL backend it is capped at
     * the device's maximum allocation size. */
    size_t col_budget_bytes;
    /* 1: every parameter's gradient is a part of one tensor,
     * clcnn_net_gradients(), so that one transfer moves them all (the
     * gradient exchange of distributed training). It must fit the device's
     * largest allocation. */
    int flat_gradients;
    /* 1: every layer runs its own ops. By default an activation layer that
     * alone reads a batchnorm layer's output runs inside the batchnorm's op
     * (one pass over memory instead of three, and its output is not kept);
     * the results are the same. For comparisons (the bench, the tests). */
    int unfused;
    /* 1: the network only evaluates (forward with training = 0; training
     * forward and backward fail): no output is kept for backward, and there
     * are no activation-gradient buffers and no max-pooling argmax, so it
     * needs less memory. clcnn_checkpoint_create_net() makes such networks. */
    int inference;
} clcnn_net_options;

/* Create a network for spec on backend, for batches of at most batch images,
 * with parameters initialized from seed (see clcnn_init_kind; biases 0,
 * batchnorm gamma 1 and beta 0, running mean 0 and variance 1). The values are
 * generated on the host in float, so one seed gives identical parameters on
 * every backend. opts may be NULL. */
clcnn_status clcnn_net_create_ex(clcnn_backend *backend, const clcnn_model_spec *spec, int batch,
                                 uint32_t seed, const clcnn_net_options *opts, clcnn_net **out);
clcnn_status clcnn_net_create(clcnn_backend *backend, const clcnn_model_spec *spec, int batch,
                              uint32_t seed, clcnn_net **out);

/* Free every tensor of net (NULL is ignored). */
void clcnn_net_destroy(clcnn_net *net);

/* Run the first n images (1 <= n <= max batch) of input (N x C x H x W REAL,
 * N >= n, normalized) through the network. training: batchnorm uses batch
 * statistics and updates its running averages, dropout drops with a mask from
 * (seed, layer, step); otherwise batchnorm uses the running averages and
 * dropout passes values through. input (the struct and its storage) must
 * stay valid and unchanged until clcnn_net_backward() has run. */
clcnn_status clcnn_net_forward(clcnn_net *net, const clcnn_tensor *input, int n, int training,
                               uint32_t step);

/* The logits of the last forward: a view n x K x 1 x 1 (valid until the next
 * forward; do not free), NULL before the first. */
const clcnn_tensor *clcnn_net_output(const clcnn_net *net);

/* Back-propagate dlogits (n x K x 1 x 1 of the last forward, e.g. from the
 * loss op) and overwrite every parameter's gradient. No input gradient is
 * computed. */
clcnn_status clcnn_net_backward(clcnn_net *net, const clcnn_tensor *dlogits);

/* With flat_gradients: the one tensor every parameter's gradient is a part
 * of, in parameter order, each starting at a multiple of the backend's
 * part_align (the gaps stay zero). NULL otherwise. Belongs to net. */
clcnn_tensor *clcnn_net_gradients(const clcnn_net *net);

/* Parameters and state, in layer order. The arrays belong to net. */
const clcnn_param *clcnn_net_params(const clcnn_net *net, int *count);
const clcnn_state *clcnn_net_states(const clcnn_net *net, int *count);

/* Allocate n_state (0, 1 or 2) zero-filled optimizer state tensors per
 * parameter (m, then v); a second call with a smaller or equal n_state does
 * nothing. SGD needs 0, momentum and RMSprop 1, Adam 2. */
clcnn_status clcnn_net_alloc_optimizer_state(clcnn_net *net, int n_state);

/* Number of floats in the flat form: every parameter value, then every state
 * tensor, in list order. */
size_t clcnn_net_flat_count(const clcnn_net *net);

/* Copy all parameters and states to / from a host float array of
 * clcnn_net_flat_count() elements (checkpoints, backend comparison). */
clcnn_status clcnn_net_get_flat(const clcnn_net *net, float *dst);
clcnn_status clcnn_net_set_flat(clcnn_net *net, const float *src);

const clcnn_model_spec *clcnn_net_spec(const clcnn_net *net);
int clcnn_net_max_batch(const clcnn_net *net);
clcnn_backend *clcnn_net_backend(const clcnn_net *net);

/* clcnn_model_spec_summary() of the net's spec plus the batch size and the
 * bytes of backend storage the net holds. */
size_t clcnn_net_summary(const clcnn_net *net, char *buf, size_t size);

/* ------------------------------------------------------------------------ */
/* Gradient check                                                            */
/* ------------------------------------------------------------------------ */

/* Relative error of a parameter tensor T ("all its gradients together"):
 *     ||a_T - n_T|| / max(||a_T + n_T||, CLCNN_GRADCHECK_FLOOR)
 * with a_T the analytic and n_T the numerical gradient (2-norms over T's
 * entries); the floor only guards a division by zero. The check's figure is
 * the maximum over the tensors, so a wrong gradient in any one tensor shows
 * even when larger tensors dominate the global figure.
 *
 * Why not per entry: central differences in double with h = 1e-5 carry an
 * absolute error near 1e-10 (rounding of the loss, which dominates: h = 1e-6
 * is worse, h = 1e-4 crosses ReLU/max-pool kinks), so an entry whose gradient
 * is 1e-4 shows a relative error near 1e-6 however right it is. The
 * per-entry maximum is still reported as a diagnostic.
 *
 * A tensor whose analytic and numerical gradients both have an RMS below
 * that noise, 64 * DBL_EPSILON * max(|loss|, 1) / h (about 3e-8 for a summed
 * loss of 20), is "vanishing": its true gradient is zero to the check's precision
 * (a bias followed by batchnorm) and no relative error can be measured, so
 * it is left out of max_rel_err.
 *
 * ReLU and max pooling make the loss non-differentiable at some points; when
 * one lies within +-h of an entry, the finite difference is meaningless
 * there. Such an entry is recognised from the loss alone: its one-sided
 * slopes (f(x+h) - f(x)) / h and (f(x) - f(x-h)) / h differ by more than 1% of
 * |n| plus the noise. It is skipped and counted in n_kinks (networks
 * without batchnorm, where a first-layer weight moves thousands of
 * pre-activations, hit a few). */
#define CLCNN_GRADCHECK_FLOOR 1e-12
#define CLCNN_GRADCHECK_ENTRY_FLOOR 1e-5
#define CLCNN_GRADCHECK_MAX_TENSORS (2 * CLCNN_MAX_LAYERS)

typedef struct clcnn_gradcheck_tensor {
    char name[32];          /* "conv1.weight" */
    size_t count;
    double rel_err;         /* as defined above */
    int vanishing;          /* 1: gradient below the noise (see above) */
    size_t kinks;           /* entries skipped: a kink within +-h */
} clcnn_gradcheck_tensor;

typedef struct clcnn_gradcheck_result {
    double max_rel_err;     /* max over the tensors that are not vanishing of
                             * their relative error */
    char worst_tensor[32];
    double global_rel_err;  /* the same over all entries of all tensors together
                             * (the notebook's figure) */
    double max_entry_rel_err; /* max over the entries i of tensors that are not
                               * vanishing of |a_i - n_i| /
                               * max(|a_i| + |n_i|, CLCNN_GRADCHECK_ENTRY_FLOOR):
                               * a diagnostic (see above) */
    char worst_entry[48];   /* "conv1.weight[17]" */
    double worst_analytic, worst_numeric;
    size_t n_checked;       /* parameter entries visited (every entry) */
    size_t n_kinks;         /* of those, skipped at a kink (see above) */
    double loss;            /* mean loss at the checked point */
    int n_tensors;
    clcnn_gradcheck_tensor tensors[CLCNN_GRADCHECK_MAX_TENSORS];
} clcnn_gradcheck_result;

/* Gradient check of spec on the double-precision reference backend: a random
 * batch (normal inputs, uniform labels) from seed, biases and batchnorm
 * gamma/beta moved off 0/1 so they are checked at a general point, then for
 * every parameter entry the central difference (h = 1e-5) of the loss summed
 * over the batch (N times the mean loss, so that no rounded 1/N enters one
 * side only) is compared with the analytic gradient. Training mode:
 * batchnorm uses batch statistics and dropout keeps one fixed mask.
 * label_smoothing: as the loss op takes it (softmax only; 0: none). */
clcnn_status clcnn_gradcheck(const clcnn_model_spec *spec, clcnn_loss_kind loss,
                             float label_smoothing, int batch, uint32_t seed,
                             clcnn_gradcheck_result *result);

/* The same, visiting at most max_entries entries of each parameter tensor
 * (evenly spaced: every ceil(count / max_entries)-th from 0; 0 means all),
 * for checks of large networks in limited time (the tests under sanitizers).
 * n_checked then counts the entries visited. */
clcnn_status clcnn_gradcheck_sampled(const clcnn_model_spec *spec, clcnn_loss_kind loss,
                                     float label_smoothing, int batch, uint32_t seed,
                                     size_t max_entries,
                                     clcnn_gradcheck_result *result);

#ifdef __cplusplus
}
#endif
#endif
