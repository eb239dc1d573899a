/* Layers of the sequential network (internal).
 *
 * Each layer kind is described by one nn_layer_ops in its own file
 * (layer_conv.c, layer_fc.c, layer_pool.c, layer_batchnorm.c,
 * layer_groupnorm.c, layer_pointwise.c, layer_add.c): its model-file keyword and layer
 * name, how its statement is parsed, checked, counted and written back, how
 * its parameters are initialized, and its setup/forward/backward. layer.c
 * holds the one table of kinds, indexed by clcnn_layer_kind. A new kind adds
 * its enum value (clcnn/net.h), its file, its table entry, its sample line in
 * tests/test_net_parse.c and its ONNX exporter (host/export/onnx_layers.c).
 *
 * A layer is a small struct with its spec, shapes, tensors and ops. Layers
 * compute only through the backend's ops, on tensors allocated once for the
 * maximum batch; a step with n images uses views of the first n.
 */
#ifndef CLCNN_NN_LAYER_H
#define CLCNN_NN_LAYER_H

#include <stdint.h>

#include "clcnn/backend.h"
#include "clcnn/net.h"
#include "core/conv_plan.h"
#include "core/try.h"
#include "nn/model_spec_internal.h"

/* Scratch shared by all convolutions: the im2col matrix (reused for the
 * column gradient) and the F x (nb*P) product. */
typedef struct nn_scratch {
    clcnn_tensor col;
    clcnn_tensor cnp;
} nn_scratch;

/* What one step tells every layer. */
typedef struct nn_step {
    clcnn_backend *be;
    int n;             /* images in this batch */
    int training;
    uint32_t seed;     /* network seed (dropout masks) */
    uint32_t step;     /* training step (dropout masks) */
    nn_scratch *scratch;
    const clcnn_tensor *summands; /* NN_KIND_SUM layers: the tensors added to x */
    int n_summands;
} nn_step;

/* Parameter slots: weight/bias for conv and fc, gamma/beta for the normalizations. */
enum { NN_WEIGHT = 0, NN_BIAS = 1, NN_MAX_PARAMS = 2 };
enum { NN_GAMMA = 0, NN_BETA = 1 };
/* State slots (batchnorm running statistics). */
enum { NN_RUNNING_MEAN = 0, NN_RUNNING_VAR = 1, NN_MAX_STATES = 2 };

typedef struct nn_layer nn_layer;

/* nn_layer.y_slot values other than a pool slot. */
enum { NN_Y_OWN = -1, NN_Y_FUSED = -2 };

/* Kind flags: AUTO weight initialization (init.c) reads the first two, the
 * network's memory plan (net_plan.c) the others. */
enum {
    NN_KIND_RELU_LIKE = 1u,   /* a ReLU-like activation: the layers before it get He */
    NN_KIND_PASS_INIT = 2u,   /* looked through on the way to that activation
                               * (normalizations, dropout, add) */
    NN_KIND_NO_X = 4u,        /* backward does not read the input x */
    NN_KIND_NO_Y = 8u,        /* backward does not read the output y */
    NN_KIND_SUM = 16u,        /* the output is the sum of the input and the
                               * summands: the network hands dy on to each of
                               * them as their gradient (no backward hook) */
    NN_KIND_FUSES_ACTIVATION = 32u, /* its op can apply the activation layer that
                                     * follows it (fusion.c) */
    NN_KIND_FUSES_ACTIVATION_BEFORE = 64u /* ... or the one before it; its backward
                                           * then reads y (NN_KIND_NO_Y no longer holds) */
};

typedef struct nn_layer_ops {
    const char *keyword;      /* model-file keyword: "batchnorm" */
    const char *prefix;       /* layer names: "bn" -> bn1, bn1.gamma */
    unsigned flags;           /* NN_KIND_* */
    clcnn_activation activation; /* an activation layer's function (it may be
                                  * fused into the layer before); else NONE */

    /* ---- the model-file statement ---- */
    /* Positional values (tokens without '='): n_positional of them, or up
     * to max_positional when that is larger (pos is NULL-terminated);
     * usage goes in the message when their count is wrong (NULL: the
     * keyword alone). */
    int n_positional, max_positional;
    const char *usage;
    clcnn_status (*parse_positional)(const nn_parser *p, clcnn_layer_spec *l, char **pos);
    /* One key=value option (NULL: none); ends with nn_parse_shared_option(). */
    clcnn_status (*parse_option)(const nn_parser *p, clcnn_layer_spec *l, const char *key,
                                 const char *value);
    /* Validate l on an input of shape in (n = 1) and give its output shape
     * (NULL: the input shape, nothing to check). */
    clcnn_status (*output_shape)(const clcnn_model_spec *spec, const clcnn_layer_spec *l,
                                 clcnn_shape in, clcnn_shape *out);
    /* Trained parameters on an input of shape in (NULL: none). */
    size_t (*param_count)(const clcnn_layer_spec *l, clcnn_shape in);
    /* Write l as its statement with every setting explicit (NULL: the
     * keyword alone). */
    void (*format)(nn_text *o, const clcnn_layer_spec *l);
    /* 1 if a and b (both of this kind) describe the same layer (NULL: no
     * settings, always equal). */
    int (*equal)(const clcnn_layer_spec *a, const clcnn_layer_spec *b);

    /* ---- the layer in a network ---- */
    /* Initialize parameters and state from the network's seed (NULL: none). */
    clcnn_status (*init)(nn_layer *l, const clcnn_net *net);
    /* Allocate the layer's tensors (everything but the output y, which the
     * network allocates) for batch images of shape l->in. */
    clcnn_status (*setup)(nn_layer *l, clcnn_backend *be, int batch);
    /* y = layer(x) for step->n images. */
    clcnn_status (*forward)(nn_layer *l, const nn_step *step, const clcnn_tensor *x,
                            clcnn_tensor *y);
    /* Parameter gradients from dy; dx when need_dx (dx is always a valid
     * buffer of x's shape, so layers that cannot skip it may write it).
     * x or y is not valid when the kind says NN_KIND_NO_X or NN_KIND_NO_Y:
     * the network may have reused its memory. NULL for NN_KIND_SUM. */
    clcnn_status (*backward)(nn_layer *l, const nn_step *step, const clcnn_tensor *x,
                             const clcnn_tensor *y, const clcnn_tensor *dy, clcnn_tensor *dx,
                             int need_dx);
} nn_layer_ops;

struct nn_layer {
    clcnn_layer_spec spec;
    const nn_layer_ops *ops;
    int index;                  /* position in the network */
    char name[16];              /* "conv1", "bn2", "fc1" */
    clcnn_shape in, out;        /* n = maximum batch */
    clcnn_window win;           /* conv and pools */
    clcnn_conv_plan plan;       /* conv: padded sizes, chunks, GEMM shapes */
    size_t col_budget_bytes;    /* the network's im2col budget (set before setup) */
    int inference;              /* the network only evaluates: setup may leave out
                                 * what backward alone needs (set before setup) */
    size_t scratch_col;         /* elements of the shared scratch col and cnp the */
    size_t scratch_cnp;         /* layer uses (set by setup; 0: none) */
    clcnn_tensor y;             /* output, maximum batch: its own (y_slot
                                 * NN_Y_OWN), a view of a pooled buffer
                                 * (y_slot >= 0; net_plan.c), or, for an
                                 * activation fused into a neighbour's op
                                 * (NN_Y_FUSED), its input's */
    int y_slot;
    int kept;                   /* the output outlives the forward pass */
    unsigned flags;             /* NN_KIND_* as this network runs the layer */
    int fused_into;             /* the layer whose op computes this activation, or -1 */
    clcnn_activation act;       /* the activation fused into this layer's op */
    float act_alpha;            /* and its leaky ReLU slope */

    int n_params;
    clcnn_tensor value[NN_MAX_PARAMS];
    clcnn_tensor grad[NN_MAX_PARAMS];
    clcnn_tensor m[NN_MAX_PARAMS], v[NN_MAX_PARAMS]; /* optimizer state, lazily */
    char param_names[NN_MAX_PARAMS][32];

    int n_states;
    clcnn_tensor state[NN_MAX_STATES];
    char state_names[NN_MAX_STATES][32];

    /* batchnorm, groupnorm: saved mean, 1/std; maxpool: argmax; conv: the
     * weight padded to col_rows columns and its gradient padded to
     * colt_row_len columns, where these exceed CKK */
    clcnn_tensor cache[2];
};

/* The ops of a layer kind (the table in layer.c; NULL out of range). */
const nn_layer_ops *nn_layer_ops_for(clcnn_layer_kind kind);

/* Draw a conv or fc weight (slot NN_WEIGHT) from the network's seed by the
 * layer's init kind, and zero its bias (init.c). */
clcnn_status nn_init_weight(nn_layer *l, const clcnn_net *net);
/* Fill gamma with 1 and beta with 0 (the normalizations). */
clcnn_status nn_init_gamma_beta(nn_layer *l, const clcnn_net *net);

/* Allocate parameter slot i of l (value and gradient) with shape, named
 * "<layer>.<what>". */
clcnn_status nn_layer_add_param(nn_layer *l, clcnn_backend *be, int i, clcnn_shape shape,
                                const char *what);
/* Allocate state slot i of l, named "<layer>.<what>". */
clcnn_status nn_layer_add_state(nn_layer *l, clcnn_backend *be, int i, clcnn_shape shape,
                                const char *what);
/* Free every tensor of l. */
void nn_layer_release(nn_layer *l);

/* t viewed as a matrix rows x cols (1 x 1 x rows x cols). */
clcnn_tensor nn_matrix_view(const clcnn_tensor *t, int rows, int cols);

#endif
