/* Convolution: im2col over a chunk of images, one GEMM per chunk.
 *
 * P = OH*OW and CKK = C*KH*KW; R = CKK padded to the backend's
 * gemm_multiple_mk and Rt = CKK padded to its gemm_multiple_n; Wr = W padded
 * with zero columns to R. Forward, per chunk of nb images:
 *   col = im2col(x)                       R x nb*P      (rows past CKK zero)
 *   cnp = Wr * col                        F x nb*P
 *   y   = cnp_to_nchw(cnp) + bias
 * Backward, per chunk:
 *   cnp  = nchw_to_cnp(dy)
 *   colt = im2row(x)                      nb*P x Rt     (col transposed, window order)
 *   dWt += cnp * colt                     F x Rt        (overwrites on the first chunk)
 *   col  = Wr^T * cnp                     (the column gradient, in place of colt)
 *   dx   = col2im(col)
 * then dW = hwc_to_chw(dWt): its first CKK columns from im2row's window
 * order (i, j, c) to the weight's (c, i, j); and db = bias_backward(dy) once.
 *
 * Every GEMM reads its big operand (col, colt) along the rows it is stored
 * in, with sizes padded to the backend's multiples, so that a GEMM library
 * makes no transposed or padded copy of it: the weight gradient reads colt
 * rather than col^T for that reason. Without padding (the reference
 * backend) Wr is W, and dWt is dW where the two orders agree (C = 1 or a
 * 1x1 window). The chunk size keeps col and colt under the network's byte
 * budget. The padded sizes, the chunks, the GEMM shapes and whether dWt
 * needs reordering come from clcnn_conv_plan (core/conv_plan.h), shared with
 * the tuner and the bench.
 */
#include "nn/layer.h"

enum { WEIGHT_PADDED = 0, GRAD_WINDOW_ORDER = 1 }; /* cache slots */

/* ---- the model-file statement: conv FILTERS K[xK2] [pad=] [stride=] [bias=] [init=] ---- */

static clcnn_status conv_parse_positional(const nn_parser *p, clcnn_layer_spec *l, char **pos)
{
    clcnn_status st = nn_parse_int(p, pos[0], "filter count", 1, NN_MAX_DIM, &l->outputs);
    return st != CLCNN_OK ? st : nn_parse_pair(p, pos[1], "kernel size", 1, NN_MAX_DIM, &l->kh,
                                               &l->kw);
}

static clcnn_status conv_parse_option(const nn_parser *p, clcnn_layer_spec *l, const char *key,
                                      const char *value)
{
    return nn_parse_shared_option(p, l, key, value, NN_OPT_WINDOW | NN_OPT_WEIGHT);
}

static clcnn_status conv_output_shape(const clcnn_model_spec *spec, const clcnn_layer_spec *l,
                                      clcnn_shape in, clcnn_shape *out)
{
    int padded_h = in.h + 2 * l->ph, padded_w = in.w + 2 * l->pw;
    if (l->kh > padded_h || l->kw > padded_w)
        return nn_spec_error(spec, l->line,
                             "conv: non-positive output size: window %dx%d on a padded input "
                             "of %dx%d", l->kh, l->kw, padded_h, padded_w);
    *out = nn_window_output(l, in, l->outputs);
    return CLCNN_OK;
}

static size_t conv_param_count(const clcnn_layer_spec *l, clcnn_shape in)
{
    return (size_t)l->outputs * (size_t)in.c * l->kh * l->kw + (l->bias ? (size_t)l->outputs : 0);
}

static void conv_format(nn_text *o, const clcnn_layer_spec *l)
{
    char init[48];
    nn_text_printf(o, "conv %d %dx%d pad=%dx%d stride=%dx%d bias=%d init=%s", l->outputs, l->kh,
                   l->kw, l->ph, l->pw, l->sh, l->sw, l->bias,
                   nn_init_text(l, init, sizeof init));
}

static int conv_equal(const clcnn_layer_spec *a, const clcnn_layer_spec *b)
{
    return a->outputs == b->outputs && nn_shared_options_equal(a, b, NN_OPT_WINDOW | NN_OPT_WEIGHT);
}

/* ---- the layer ---- */

static clcnn_status conv_setup(nn_layer *l, clcnn_backend *be, int batch)
{
    const clcnn_layer_spec *s = &l->spec;
    CLCNN_TRY(clcnn_window_init(&l->win, l->in.c, l->in.h, l->in.w, s->kh, s->kw, s->sh, s->sw,
                                s->ph, s->pw));
    const clcnn_conv_plan *plan = &l->plan;
    l->plan = clcnn_conv_plan_make(s->outputs, l->in.c, s->kh, s->kw, l->win.oh, l->win.ow,
                                   be->gemm_multiple_mk, be->gemm_multiple_n, be->real_size,
                                   l->col_budget_bytes, batch);
    l->scratch_col = plan->col_per_image * (size_t)plan->chunk;
    l->scratch_cnp = plan->cnp_per_image * (size_t)plan->chunk;
    CLCNN_TRY(nn_layer_add_param(l, be, NN_WEIGHT,
                                 clcnn_shape_make(s->outputs, l->in.c, s->kh, s->kw), "weight"));
    if (s->bias)
        CLCNN_TRY(
            nn_layer_add_param(l, be, NN_BIAS, clcnn_shape_make(1, s->outputs, 1, 1), "bias"));
    if (plan->col_rows > plan->ckk)
        CLCNN_TRY(clcnn_tensor_alloc(be, &l->cache[WEIGHT_PADDED],
                                     clcnn_shape_make(1, 1, s->outputs, plan->col_rows), CLCNN_REAL,
                                     "padded weight"));
    if (plan->grad_reordered)
        CLCNN_TRY(clcnn_tensor_alloc(be, &l->cache[GRAD_WINDOW_ORDER],
                                     clcnn_shape_make(1, 1, s->outputs, plan->colt_row_len),
                                     CLCNN_REAL, "weight gradient in window order"));
    return CLCNN_OK;
}

/* Wr: the weight padded to col_rows columns (W itself when not padded). */
static clcnn_status padded_weight(nn_layer *l, const nn_step *st, const clcnn_tensor **wr)
{
    int ckk = l->plan.ckk;
    *wr = &l->value[NN_WEIGHT];
    if (l->plan.col_rows == ckk)
        return CLCNN_OK;
    *wr = &l->cache[WEIGHT_PADDED];
    return st->be->ops->copy_columns(st->be, l->spec.outputs, ckk, &l->value[NN_WEIGHT], ckk,
                                     &l->cache[WEIGHT_PADDED], l->plan.col_rows);
}

/* C = op(A) op(B) with the plan's GEMM of role for nb images; A and B stored
 * with leading dimensions lda and ldb, C with its row length n. */
static clcnn_status plan_gemm(const nn_layer *l, const nn_step *st, clcnn_conv_gemm_role role,
                              int nb, const clcnn_tensor *a, int lda, const clcnn_tensor *b,
                              int ldb, float beta, clcnn_tensor *c)
{
    clcnn_conv_gemm g = clcnn_conv_plan_gemm(&l->plan, role, nb);
    return st->be->ops->gemm(st->be, g.trans_a, g.trans_b, g.m, g.n, g.k, 1.0f, a, 0, lda, b, 0,
                             ldb, beta, c, 0, g.n);
}

static clcnn_status conv_forward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                                 clcnn_tensor *y)
{
    const clcnn_backend_ops *ops = st->be->ops;
    int f = l->spec.outputs, rows = l->plan.col_rows, chunk = l->plan.chunk;
    const clcnn_tensor *bias = l->spec.bias ? &l->value[NN_BIAS] : NULL, *wr;
    CLCNN_TRY(padded_weight(l, st, &wr));
    for (int n0 = 0; n0 < st->n; n0 += chunk) {
        int nb = st->n - n0 < chunk ? st->n - n0 : chunk;
        int cols = nb * l->plan.positions;
        clcnn_tensor col = nn_matrix_view(&st->scratch->col, rows, cols);
        clcnn_tensor cnp = nn_matrix_view(&st->scratch->cnp, f, cols);
        CLCNN_TRY(ops->im2col(st->be, &l->win, x, n0, nb, rows, &col));
        CLCNN_TRY(plan_gemm(l, st, CLCNN_CONV_GEMM_FORWARD, nb, wr, rows, &col, cols, 0.0f, &cnp));
        CLCNN_TRY(ops->cnp_to_nchw(st->be, &cnp, bias, n0, nb, y));
    }
    return CLCNN_OK;
}

static clcnn_status conv_backward(nn_layer *l, const nn_step *st, const clcnn_tensor *x,
                                  const clcnn_tensor *y, const clcnn_tensor *dy, clcnn_tensor *dx,
                                  int need_dx)
{
    const clcnn_backend_ops *ops = st->be->ops;
    int f = l->spec.outputs, rows = l->plan.col_rows;
    int len = l->plan.colt_row_len, chunk = l->plan.chunk;
    const clcnn_tensor *wr = NULL;
    if (need_dx)
        CLCNN_TRY(padded_weight(l, st, &wr));
    clcnn_tensor *dwt = l->plan.grad_reordered ? &l->cache[GRAD_WINDOW_ORDER] : &l->grad[NN_WEIGHT];
    for (int n0 = 0; n0 < st->n; n0 += chunk) {
        int nb = st->n - n0 < chunk ? st->n - n0 : chunk;
        int cols = nb * l->plan.positions;
        clcnn_tensor col = nn_matrix_view(&st->scratch->col, rows, cols);
        clcnn_tensor colt = nn_matrix_view(&st->scratch->col, cols, len);
        clcnn_tensor cnp = nn_matrix_view(&st->scratch->cnp, f, cols);
        CLCNN_TRY(ops->nchw_to_cnp(st->be, dy, n0, nb, &cnp));
        CLCNN_TRY(ops->im2row(st->be, &l->win, x, n0, nb, len, &colt));
        CLCNN_TRY(plan_gemm(l, st, CLCNN_CONV_GEMM_WEIGHT_GRAD, nb, &cnp, cols, &colt, len,
                            n0 == 0 ? 0.0f : 1.0f, dwt));
        if (!need_dx)
            continue;
        CLCNN_TRY(plan_gemm(l, st, CLCNN_CONV_GEMM_INPUT_GRAD, nb, wr, rows, &cnp, cols, 0.0f,
                            &col));
        CLCNN_TRY(ops->col2im(st->be, &l->win, &col, n0, nb, dx));
    }
    if (l->plan.grad_reordered)
        CLCNN_TRY(ops->hwc_to_chw(st->be, f, l->in.c, l->spec.kh * l->spec.kw, dwt, len,
                                  &l->grad[NN_WEIGHT]));
    if (l->spec.bias)
        CLCNN_TRY(ops->bias_backward(st->be, dy, &l->grad[NN_BIAS]));
    return CLCNN_OK;
}

const nn_layer_ops nn_conv_ops = {
    .keyword = "conv",
    .prefix = "conv",
    .flags = NN_KIND_NO_Y,
    .n_positional = 2,
    .usage = "conv FILTERS K[xK2] [key=value ...]",
    .parse_positional = conv_parse_positional,
    .parse_option = conv_parse_option,
    .output_shape = conv_output_shape,
    .param_count = conv_param_count,
    .format = conv_format,
    .equal = conv_equal,
    .init = nn_init_weight,
    .setup = conv_setup,
    .forward = conv_forward,
    .backward = conv_backward,
};
