/* Helpers shared by the model parser, the spec functions, the network and
 * the layers' model-file hooks (parsing, writing and checking one layer's
 * statement; see nn_layer_ops in layer.h). */
#ifndef CLCNN_NN_MODEL_SPEC_INTERNAL_H
#define CLCNN_NN_MODEL_SPEC_INTERNAL_H

#include <stddef.h>

#include "clcnn/net.h"

#if defined(__GNUC__)
#define NN_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define NN_PRINTF(fmt_index, first_arg)
#endif

/* Bound on every count and size in a model file, so products stay in range. */
#define NN_MAX_DIM 65536

/* Reset l to kind's defaults: stride 1, no padding, bias on, init auto,
 * batchnorm momentum 0.1 and eps 1e-5, leakyrelu alpha 0.01. */
void nn_layer_spec_defaults(clcnn_layer_spec *l, clcnn_layer_kind kind);

/* Trained parameters of layer l on an input of one image of shape in. */
size_t nn_layer_param_count(const clcnn_layer_spec *l, clcnn_shape in);

/* The input shape of one image (n = 1). */
clcnn_shape nn_spec_input_shape(const clcnn_model_spec *spec);

/* ---- parsing one statement (model_parse.c) ---- */

/* The layer names one statement refers to (from=, add's summands), kept as
 * text until the whole file is read: then each resolves to an earlier layer,
 * or fails as unknown, later (a cycle) or the layer itself. */
typedef struct nn_layer_refs {
    char from[CLCNN_MAX_NAME];                        /* "" without from= */
    char summands[CLCNN_MAX_SUMMANDS][CLCNN_MAX_NAME];
} nn_layer_refs;

typedef struct nn_parser {
    const char *source;
    int line;
    const char *keyword; /* of the statement being parsed, for messages */
    nn_layer_refs *refs; /* of the statement being parsed */
} nn_parser;

/* Record tok as the next summand of an add layer l (resolved later). */
clcnn_status nn_parse_summand(const nn_parser *p, clcnn_layer_spec *l, const char *tok);

/* Record "<source>:<line>: <reason>" (CLCNN_ERR_FORMAT). */
clcnn_status nn_parse_error(const nn_parser *p, const char *fmt, ...) NN_PRINTF(2, 3);
/* An integer in [min, max]; what names it in the message. */
clcnn_status nn_parse_int(const nn_parser *p, const char *tok, const char *what, int min, int max,
                          int *out);
/* "5" -> 5, 5; "5x3" -> 5, 3 (height x width), each in [min, max]. */
clcnn_status nn_parse_pair(const nn_parser *p, const char *tok, const char *what, int min,
                           int max, int *a, int *b);
/* A finite number in [min, max]. */
clcnn_status nn_parse_float(const nn_parser *p, const char *tok, const char *what, double min,
                            double max, float *out);

/* Options several kinds share: NN_OPT_WINDOW stride= and pad=, NN_OPT_WEIGHT
 * bias= and init=, NN_OPT_EPS eps=. */
enum { NN_OPT_WINDOW = 1u, NN_OPT_WEIGHT = 2u, NN_OPT_EPS = 4u };
/* Parse key=value if key belongs to one of the groups in shared; otherwise
 * fail with "unknown key". A kind's parse_option hook ends with this. */
clcnn_status nn_parse_shared_option(const nn_parser *p, clcnn_layer_spec *l, const char *key,
                                    const char *value, unsigned shared);

/* 1 if a and b agree on the settings of the shared option groups in shared
 * (NN_OPT_WINDOW also compares the window size). */
int nn_shared_options_equal(const clcnn_layer_spec *a, const clcnn_layer_spec *b,
                            unsigned shared);

/* ---- checking a spec (model_spec.c) ---- */

/* Record "<spec source>:<line>: <reason>" (CLCNN_ERR_FORMAT). */
clcnn_status nn_spec_error(const clcnn_model_spec *spec, int line, const char *fmt, ...)
    NN_PRINTF(3, 4);
/* Output shape of a sliding-window layer (conv or pool) on input in, with
 * `channels` output channels; the window must fit the padded input. */
clcnn_shape nn_window_output(const clcnn_layer_spec *l, clcnn_shape in, int channels);

/* ---- writing a spec as text (model_spec.c) ---- */

/* Appends to a bounded buffer and counts the full length, like snprintf. */
typedef struct nn_text {
    char *buf;
    size_t size, len;
} nn_text;

void nn_text_printf(nn_text *o, const char *fmt, ...) NN_PRINTF(2, 3);
/* The shortest %g form of v that reads back as the same float. */
const char *nn_float_text(float v, char *buf, size_t size);
/* The init= value of l ("normal:0.1" needs buf). */
const char *nn_init_text(const clcnn_layer_spec *l, char *buf, size_t size);

#endif
