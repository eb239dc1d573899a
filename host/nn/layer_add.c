/* The residual shortcut's sum: y = x + s_1 + ... + s_k over tensors of one
 * shape. Its gradient is dy for every input; the network hands dy on to
 * them (NN_KIND_SUM), adding it to what other consumers of the same tensor
 * contribute. */
#include "nn/layer.h"

/* ---- the model-file statement: add NAME [NAME ...] (the input, the layer
 * before or from=, is the first summand) ---- */

static clcnn_status add_parse_positional(const nn_parser *p, clcnn_layer_spec *l, char **pos)
{
    for (int k = 0; pos[k]; k++)
        CLCNN_TRY(nn_parse_summand(p, l, pos[k]));
    return CLCNN_OK;
}

/* ---- the layer ---- */

static clcnn_status add_setup(nn_layer *l, clcnn_backend *be, int batch) { return CLCNN_OK; }

static clcnn_status add_forward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                                clcnn_tensor *y)
{
    const clcnn_tensor *acc = x;
    for (int k = 0; k < st->n_summands; k++) {
        CLCNN_TRY(st->be->ops->add(st->be, acc, &st->summands[k], y));
        acc = y;
    }
    return CLCNN_OK;
}

const nn_layer_ops nn_add_ops = {
    .keyword = "add",
    .prefix = "add",
    .flags = NN_KIND_PASS_INIT | NN_KIND_NO_X | NN_KIND_NO_Y | NN_KIND_SUM,
    .n_positional = 1,
    .max_positional = CLCNN_MAX_SUMMANDS,
    .usage = "add NAME [NAME ...] (adds them to the input)",
    .parse_positional = add_parse_positional,
    .setup = add_setup,
    .forward = add_forward,
};
