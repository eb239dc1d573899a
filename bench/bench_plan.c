/* The ops one training step of a network runs, layer by layer, as op cases
 * at the layer's shapes (the network exposes no per-layer hooks, so the bench
 * replays what host/nn/layer_*.c enqueue, with the same GEMM shapes and
 * transposes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "clcnn/device.h"
#include "core/conv_plan.h"
#include "nn/fusion.h"

bench_row *bench_rows_add(bench_rows *rows)
{
    if (rows->count == rows->capacity) {
        int capacity = rows->capacity ? 2 * rows->capacity : 32;
        bench_row *r = realloc(rows->rows, (size_t)capacity * sizeof *r);
        if (!r) {
            clcnn_fail(CLCNN_ERR_NOMEM, "bench: out of memory for the op table");
            return NULL;
        }
        rows->rows = r;
        rows->capacity = capacity;
    }
    bench_row *row = &rows->rows[rows->count++];
    memset(row, 0, sizeof *row);
    return row;
}

void bench_rows_free(bench_rows *rows)
{
    free(rows->rows);
    memset(rows, 0, sizeof *rows);
}

static clcnn_op_case op_case(clcnn_op_kind op, int kind, unsigned flags, clcnn_shape s)
{
    clcnn_op_case cs;
    memset(&cs, 0, sizeof cs);
    cs.op = op;
    cs.kind = kind;
    cs.flags = flags;
    cs.n = s.n;
    cs.c = s.c;
    cs.h = s.h;
    cs.w = s.w;
    return cs;
}

/* A window op over input s with the layer's (square) window: the plane for
 * a global pool. */
static clcnn_op_case window_case(clcnn_op_kind op, clcnn_shape s, const clcnn_layer_spec *l)
{
    clcnn_op_case cs = op_case(op, 0, 0, s);
    cs.k = l->global ? s.h : l->kh;
    cs.s = l->global ? s.h : l->sh;
    cs.p = l->ph;
    return cs;
}

/* C = op(A) op(B) with C m x n and inner dimension k. */
static clcnn_op_case gemm_case(unsigned flags, int m, int n, int k)
{
    clcnn_op_case cs = op_case(CLCNN_OP_GEMM, 0, flags, clcnn_shape_make(0, 0, 0, 0));
    cs.gemm.m = m;
    cs.gemm.n = n;
    cs.gemm.k = k;
    return cs;
}

/* cols columns of rows rows, from rows of src_ld into rows of dst_ld. */
static clcnn_op_case copy_case(int rows, int cols, int src_ld, int dst_ld)
{
    clcnn_op_case cs = op_case(CLCNN_OP_COPY_COLUMNS, 0, 0, clcnn_shape_make(0, 0, 0, 0));
    cs.copy.rows = rows;
    cs.copy.cols = cols;
    cs.copy.src_ld = src_ld;
    cs.copy.dst_ld = dst_ld;
    return cs;
}

/* A GEMM of a convolution's plan. */
static clcnn_op_case conv_gemm_case(clcnn_conv_gemm g)
{
    unsigned flags = (g.trans_a ? CLCNN_OPF_TRANS_A : 0) | (g.trans_b ? CLCNN_OPF_TRANS_B : 0);
    return gemm_case(flags, g.m, g.n, g.k);
}

/* Add cs, run times a pass. */
static void add_case_times(bench_row *row, clcnn_op_case cs, int times)
{
    if (row->n_cases == BENCH_ROW_CASES) /* never: the largest row, the optimizer's, fits */
        return;
    row->repeat[row->n_cases] = times;
    row->cases[row->n_cases++] = cs;
}

static void add_case(bench_row *row, clcnn_op_case cs) { add_case_times(row, cs, 1); }

/* What a layer sees: its spec, name, input and output shapes at the batch. */
typedef struct plan_layer {
    const clcnn_layer_spec *spec;
    char name[24];
    clcnn_shape in, out;
    int first;            /* the first layer: backward computes no input gradient */
    int fused_into;       /* an activation run by a neighbour's op (nn/fusion.h), or -1 */
    char fused_into_name[24];
    clcnn_activation act; /* the activation this layer's op applies */
    char act_name[24];
} plan_layer;

static int has_params(clcnn_layer_kind kind)
{
    return kind == CLCNN_LAYER_CONV || kind == CLCNN_LAYER_FC || kind == CLCNN_LAYER_BATCHNORM ||
           kind == CLCNN_LAYER_GROUPNORM || kind == CLCNN_LAYER_LAYERNORM;
}

/* Elements of a normalization layer's gamma (and of beta): per channel, or
 * per activation for "batchnorm per=activation". */
static int norm_params(const clcnn_layer_spec *l, clcnn_shape in)
{
    return l->kind == CLCNN_LAYER_BATCHNORM && l->per_activation ? in.c * in.h * in.w : in.c;
}

static int square_window(const clcnn_layer_spec *l, clcnn_shape in)
{
    if (l->global)
        return in.h == in.w;
    return l->kh == l->kw && l->sh == l->sw && l->ph == l->pw;
}

/* Convolution (layer_conv.c) as the OpenCL backend runs it, from the plan the
 * layer runs (core/conv_plan.h): the im2col rows padded to
 * CLCNN_CL_GEMM_MULTIPLE_MK and the im2row rows to CLCNN_CL_GEMM_MULTIPLE_N
 * (the reference backend runs the same cases here; its own network pads
 * nothing). Per chunk of nb images: forward im2col, GEMM NN, cnp_to_nchw
 * (+ bias); backward nchw_to_cnp, im2row, GEMM NN (dW) and, past the first
 * layer, GEMM TN and col2im (dx); once per pass the weight's padding (before
 * the GEMMs that read it), the weight gradient's reordering from im2row's
 * window order (hwc_to_chw), and bias_backward. The chunks are timed as full
 * ones (a last, partial chunk counts as full). */
static clcnn_status plan_conv(const plan_layer *L, size_t budget, int backward, bench_row *row)
{
    const clcnn_layer_spec *l = L->spec;
    clcnn_conv_plan plan = clcnn_conv_plan_make(l->outputs, L->in.c, l->kh, l->kw, L->out.h,
                                                L->out.w, CLCNN_CL_GEMM_MULTIPLE_MK,
                                                CLCNN_CL_GEMM_MULTIPLE_N, sizeof(float), budget,
                                                L->in.n);
    int f = l->outputs, ckk = plan.ckk, rows = plan.col_rows, len = plan.colt_row_len;
    int nb = plan.chunk, times = plan.full_chunks + (plan.rest > 0);
    char chunks[48] = "";
    if (times > 1)
        snprintf(chunks, sizeof chunks, ", %d chunks of %d", times, nb);
    clcnn_shape in = L->in, out = L->out;
    in.n = out.n = nb;
    clcnn_conv_gemm fwd = clcnn_conv_plan_gemm(&plan, CLCNN_CONV_GEMM_FORWARD, nb);
    clcnn_conv_gemm dw = clcnn_conv_plan_gemm(&plan, CLCNN_CONV_GEMM_WEIGHT_GRAD, nb);
    clcnn_conv_gemm dx = clcnn_conv_plan_gemm(&plan, CLCNN_CONV_GEMM_INPUT_GRAD, nb);
    clcnn_op_case im2col = window_case(CLCNN_OP_IM2COL, in, l);
    clcnn_op_case im2row = window_case(CLCNN_OP_IM2ROW, in, l);
    im2col.pad_rows = rows - ckk;
    im2row.pad_rows = len - ckk;
    if (rows > ckk && (!backward || !L->first)) /* the padded weight */
        add_case(row, copy_case(f, ckk, ckk, rows));
    if (!backward) {
        snprintf(row->label, sizeof row->label, "%s fwd (im2col+gemm %dx%dx%d%s)", L->name,
                 fwd.m, fwd.n, fwd.k, chunks);
        add_case_times(row, im2col, times);
        add_case_times(row, conv_gemm_case(fwd), times);
        add_case_times(row, op_case(CLCNN_OP_CNP_TO_NCHW, 0, l->bias ? CLCNN_OPF_BIAS : 0, out),
                       times);
        return CLCNN_OK;
    }
    add_case_times(row, op_case(CLCNN_OP_NCHW_TO_CNP, 0, 0, out), times);
    add_case_times(row, im2row, times);
    add_case_times(row, conv_gemm_case(dw), times);
    if (L->first) {
        snprintf(row->label, sizeof row->label, "%s bwd (im2row+gemm %dx%dx%d%s)", L->name, dw.m,
                 dw.n, dw.k, chunks);
    } else {
        snprintf(row->label, sizeof row->label,
                 "%s bwd (im2row+gemm %dx%dx%d+gemm %dx%dx%d+col2im%s)", L->name, dw.m, dw.n,
                 dw.k, dx.m, dx.n, dx.k, chunks);
        add_case_times(row, conv_gemm_case(dx), times);
        add_case_times(row, window_case(CLCNN_OP_COL2IM, in, l), times);
    }
    if (plan.grad_reordered) { /* the gradient to the weight's order (and cropped) */
        clcnn_op_case reorder = copy_case(f, ckk, len, ckk);
        reorder.op = CLCNN_OP_HWC_TO_CHW;
        reorder.c = L->in.c;
        add_case(row, reorder);
    }
    if (l->bias) /* once over the whole batch, not per chunk */
        add_case(row, op_case(CLCNN_OP_BIAS_BACKWARD, 0, 0, L->out));
    return CLCNN_OK;
}

/* Fully connected (layer_fc.c): forward GEMM NT (+ add_bias); backward GEMM
 * TN (dW), bias_backward, GEMM NN (dx, past the first layer). */
static void plan_fc(const plan_layer *L, int backward, bench_row *row)
{
    int n = L->in.n, in = L->in.c * L->in.h * L->in.w, out = L->spec->outputs;
    if (!backward) {
        snprintf(row->label, sizeof row->label, "%s fwd (gemm %dx%dx%d)", L->name, n, out, in);
        add_case(row, gemm_case(CLCNN_OPF_TRANS_B, n, out, in));
        if (L->spec->bias)
            add_case(row, op_case(CLCNN_OP_ADD_BIAS, 0, 0, L->out));
        return;
    }
    add_case(row, gemm_case(CLCNN_OPF_TRANS_A, out, in, n));
    if (L->spec->bias)
        add_case(row, op_case(CLCNN_OP_BIAS_BACKWARD, 0, 0, L->out));
    if (L->first) {
        snprintf(row->label, sizeof row->label, "%s bwd (gemm %dx%dx%d)", L->name, out, in, n);
        return;
    }
    snprintf(row->label, sizeof row->label, "%s bwd (gemm %dx%dx%d+gemm %dx%dx%d)", L->name, out,
             in, n, n, in, out);
    add_case(row, gemm_case(0, n, in, out));
}

/* One layer's forward or backward row. */
static clcnn_status plan_layer_row(const plan_layer *L, size_t budget, int backward,
                                   bench_row *row)
{
    const clcnn_layer_spec *l = L->spec;
    const char *dir = backward ? "bwd" : "fwd";
    clcnn_shape in = L->in;
    char shape[64];
    snprintf(shape, sizeof shape, "N%d C%d %dx%d", in.n, in.c, in.h, in.w);
    if (L->fused_into >= 0) {
        snprintf(row->label, sizeof row->label, "%s %s (fused into %s)", L->name, dir,
                 L->fused_into_name);
        return CLCNN_OK;
    }
    int windowed = l->kind == CLCNN_LAYER_CONV || l->kind == CLCNN_LAYER_MAXPOOL ||
                   l->kind == CLCNN_LAYER_AVGPOOL;
    if (windowed && !square_window(l, in)) {
        snprintf(row->label, sizeof row->label, "%s %s (not timed: window %dx%d, stride %dx%d, "
                 "padding %dx%d are not square)", L->name, dir, l->kh, l->kw, l->sh, l->sw, l->ph,
                 l->pw);
        return CLCNN_OK;
    }
    switch (l->kind) {
    case CLCNN_LAYER_CONV:
        return plan_conv(L, budget, backward, row);
    case CLCNN_LAYER_FC:
        plan_fc(L, backward, row);
        return CLCNN_OK;
    case CLCNN_LAYER_MAXPOOL:
    case CLCNN_LAYER_AVGPOOL: {
        int max = l->kind == CLCNN_LAYER_MAXPOOL;
        clcnn_op_kind op = max ? (backward ? CLCNN_OP_MAXPOOL_BWD : CLCNN_OP_MAXPOOL_FWD)
                               : (backward ? CLCNN_OP_AVGPOOL_BWD : CLCNN_OP_AVGPOOL_FWD);
        clcnn_op_case cs = window_case(op, in, l);
        char fused[32] = "";
        if (L->act != CLCNN_ACT_NONE) { /* the activation before it, fused in */
            snprintf(fused, sizeof fused, "%s+", L->act_name);
            cs.kind = L->act;
        }
        snprintf(row->label, sizeof row->label, "%s%s %s (k%d s%d, %s)", fused, L->name, dir,
                 cs.k, cs.s, shape);
        add_case(row, cs);
        return CLCNN_OK;
    }
    case CLCNN_LAYER_ADD:
        /* forward: one add per summand; backward: dy is handed on, and the
         * input's gradient meets its other consumer's once per summand */
        snprintf(row->label, sizeof row->label, "%s %s (%d tensors, %s)", L->name, dir,
                 l->n_summands + 1, shape);
        for (int k = 0; k < l->n_summands; k++)
            add_case(row, op_case(CLCNN_OP_ADD, 0, backward ? CLCNN_OPF_IN_PLACE : 0, in));
        return CLCNN_OK;
    case CLCNN_LAYER_BATCHNORM: {
        /* per activation: the layer runs the op on an N x CHW x 1 x 1 view */
        clcnn_shape s = in;
        if (l->per_activation)
            s = clcnn_shape_make(in.n, in.c * in.h * in.w, 1, 1);
        char fused[32] = "";
        if (L->act != CLCNN_ACT_NONE)
            snprintf(fused, sizeof fused, "+%s", L->act_name);
        snprintf(row->label, sizeof row->label, "%s%s %s (%s%s)", L->name, fused, dir, shape,
                 l->per_activation ? ", per activation" : "");
        add_case(row, op_case(backward ? CLCNN_OP_BN_BWD : CLCNN_OP_BN_TRAIN, L->act, 0, s));
        return CLCNN_OK;
    }
    case CLCNN_LAYER_GROUPNORM:
    case CLCNN_LAYER_LAYERNORM: { /* layer norm: one group (layer_groupnorm.c) */
        clcnn_op_case cs = op_case(backward ? CLCNN_OP_GN_BWD : CLCNN_OP_GN_FWD, 0, 0, in);
        cs.groups = l->kind == CLCNN_LAYER_LAYERNORM ? 1 : l->groups;
        snprintf(row->label, sizeof row->label, "%s %s (G%d, %s)", L->name, dir, cs.groups,
                 shape);
        add_case(row, cs);
        return CLCNN_OK;
    }
    case CLCNN_LAYER_DROPOUT:
        snprintf(row->label, sizeof row->label, "%s %s (%s)", L->name, dir, shape);
        add_case(row, op_case(backward ? CLCNN_OP_DROPOUT_BWD : CLCNN_OP_DROPOUT_FWD, 0, 0, in));
        return CLCNN_OK;
    case CLCNN_LAYER_RELU:
    case CLCNN_LAYER_LEAKY_RELU:
    case CLCNN_LAYER_SIGMOID:
        snprintf(row->label, sizeof row->label, "%s %s (%s)", L->name, dir, shape);
        add_case(row, op_case(backward ? CLCNN_OP_ACT_BWD : CLCNN_OP_ACT_FWD,
                              nn_kind_activation(l->kind), 0, in));
        return CLCNN_OK;
    case CLCNN_LAYER_KIND_COUNT: break;
    }
    snprintf(row->label, sizeof row->label, "%s %s (not timed: the bench has no plan for it)",
             L->name, dir);
    return CLCNN_OK;
}

/* The Adam step of every parameter tensor, one op each, as the trainer runs
 * them (layer order: weight, bias / gamma, beta). */
static void plan_optimizer(const plan_layer *layers, int count, bench_row *row)
{
    for (int i = 0; i < count; i++) {
        const clcnn_layer_spec *l = layers[i].spec;
        clcnn_shape in = layers[i].in;
        if (l->kind == CLCNN_LAYER_CONV || l->kind == CLCNN_LAYER_FC) {
            clcnn_shape w = l->kind == CLCNN_LAYER_CONV
                                ? clcnn_shape_make(l->outputs, in.c, l->kh, l->kw)
                                : clcnn_shape_make(l->outputs, in.c * in.h * in.w, 1, 1);
            add_case(row, op_case(CLCNN_OP_OPTIMIZER, CLCNN_OPT_ADAM, 0, w));
            if (l->bias)
                add_case(row, op_case(CLCNN_OP_OPTIMIZER, CLCNN_OPT_ADAM, 0,
                                      clcnn_shape_make(1, l->outputs, 1, 1)));
        } else if (has_params(l->kind)) { /* normalizations */
            for (int k = 0; k < 2; k++) /* gamma, beta */
                add_case(row, op_case(CLCNN_OP_OPTIMIZER, CLCNN_OPT_ADAM, 0,
                                      clcnn_shape_make(1, norm_params(l, in), 1, 1)));
        }
    }
    snprintf(row->label, sizeof row->label, "optimizer (adam, %d tensors)", row->n_cases);
}

clcnn_status bench_plan(const clcnn_model_spec *spec, int batch, size_t col_budget_bytes,
                        int unfused, bench_rows *out)
{
    clcnn_shape shapes[CLCNN_MAX_LAYERS];
    clcnn_status st = clcnn_model_spec_shapes(spec, shapes);
    if (st != CLCNN_OK)
        return st;
    plan_layer layers[CLCNN_MAX_LAYERS];
    for (int i = 0; i < spec->n_layers; i++) {
        plan_layer *L = &layers[i];
        L->spec = &spec->layers[i];
        clcnn_model_spec_layer_name(spec, i, L->name, sizeof L->name); /* conv1, bn2, ... */
        L->in = clcnn_model_spec_input_shape(spec, shapes, i);
        L->in.n = batch;
        L->out = shapes[i];
        L->out.n = batch;
        L->first = clcnn_model_spec_source(spec, i, 0) < 0; /* no input gradient */
        L->act = CLCNN_ACT_NONE;
        L->fused_into = unfused ? -1 : nn_fused_into(spec, i);
    }
    for (int i = 0; i < spec->n_layers; i++) {
        plan_layer *L = &layers[i];
        if (L->fused_into >= 0) {
            plan_layer *into = &layers[L->fused_into];
            snprintf(L->fused_into_name, sizeof L->fused_into_name, "%s", into->name);
            snprintf(into->act_name, sizeof into->act_name, "%s", L->name);
            into->act = nn_kind_activation(L->spec->kind);
        }
    }
    bench_row *row = bench_rows_add(out);
    if (!row)
        return CLCNN_ERR_NOMEM;
    clcnn_shape input = clcnn_shape_make(batch, spec->c, spec->h, spec->w);
    snprintf(row->label, sizeof row->label, "input normalize_u8 (N%d C%d %dx%d)", batch, spec->c,
             spec->h, spec->w);
    add_case(row, op_case(CLCNN_OP_NORMALIZE_U8, 0, 0, input));
    for (int i = 0; i < spec->n_layers; i++) {
        if (!(row = bench_rows_add(out)))
            return CLCNN_ERR_NOMEM;
        if ((st = plan_layer_row(&layers[i], col_budget_bytes, 0, row)) != CLCNN_OK)
            return st;
    }
    clcnn_shape logits = layers[spec->n_layers - 1].out;
    if (!(row = bench_rows_add(out)))
        return CLCNN_ERR_NOMEM;
    snprintf(row->label, sizeof row->label, "loss softmax (N%d K%d)", batch,
             logits.c * logits.h * logits.w);
    add_case(row, op_case(CLCNN_OP_LOSS, CLCNN_LOSS_SOFTMAX, 0,
                          clcnn_shape_make(batch, logits.c * logits.h * logits.w, 1, 1)));
    for (int i = spec->n_layers - 1; i >= 0; i--) {
        /* clcnn_net_backward() skips a layer on the input without parameters */
        if (layers[i].first && !has_params(spec->layers[i].kind))
            continue;
        if (!(row = bench_rows_add(out)))
            return CLCNN_ERR_NOMEM;
        if ((st = plan_layer_row(&layers[i], col_budget_bytes, 1, row)) != CLCNN_OK)
            return st;
    }
    if (!(row = bench_rows_add(out)))
        return CLCNN_ERR_NOMEM;
    plan_optimizer(layers, spec->n_layers, row);
    return CLCNN_OK;
}
