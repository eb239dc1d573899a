/* The op-case table (the shapes each op is checked at), case names, and the
 * device-vs-reference comparison (see clcnn/op_cases.h; what each op's case
 * builds and runs is op_descs_*.c, one case on one backend op_run.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check/op_run.h"

/* Table rows: window ops (square window k, stride s, padding p), other ops
 * with a kind and flags, and GEMMs (m, n, k). Each op's tolerance is its
 * descriptor's (op_descs_*.c). */
#define WIN(op_, k_, s_, p_, n_, c_, h_, w_, quick_)                                              \
    {.op = op_, .n = n_, .c = c_, .h = h_, .w = w_, .k = k_, .s = s_, .p = p_, .quick = quick_}
#define WINC(op_, k_, s_, p_, n_, c_, h_, w_, quick_)                                             \
    {.op = op_, .flags = CLCNN_OPF_CHUNK, .n = n_, .c = c_, .h = h_, .w = w_, .k = k_, .s = s_,  \
     .p = p_, .quick = quick_}
#define OP(op_, kind_, flags_, n_, c_, h_, w_, quick_)                                            \
    {.op = op_, .kind = kind_, .flags = flags_, .n = n_, .c = c_, .h = h_, .w = w_,             \
     .quick = quick_}
#define GEMM(flags_, m_, n_, k_, quick_)                                                          \
    {.op = CLCNN_OP_GEMM, .flags = flags_, .gemm = {m_, n_, k_}, .quick = quick_}
/* A window op whose column matrix has pad zero rows past C*K*K. */
#define WINPAD(op_, k_, s_, p_, n_, c_, h_, w_, pad_, quick_)                                     \
    {.op = op_, .n = n_, .c = c_, .h = h_, .w = w_, .k = k_, .s = s_, .p = p_, .pad_rows = pad_, \
     .quick = quick_}
/* A window op with an activation fused in. */
#define OP_WIN_ACT(op_, kind_, k_, s_, p_, n_, c_, h_, w_, quick_)                               \
    {.op = op_, .kind = kind_, .n = n_, .c = c_, .h = h_, .w = w_, .k = k_, .s = s_, .p = p_,   \
     .quick = quick_}
/* Group normalization of groups_ groups. */
#define GN(op_, groups_, n_, c_, h_, w_, quick_)                                                  \
    {.op = op_, .groups = groups_, .n = n_, .c = c_, .h = h_, .w = w_, .quick = quick_}
/* copy_columns: cols columns of rows rows, from rows of src_ld into rows of dst_ld. */
#define COPY(rows_, cols_, src_ld_, dst_ld_, quick_)                                              \
    {.op = CLCNN_OP_COPY_COLUMNS, .copy = {rows_, cols_, src_ld_, dst_ld_}, .quick = quick_}

/* hwc_to_chw: rows rows of c channels x hw window positions in rows of src_ld. */
#define HWC(rows_, c_, hw_, src_ld_, quick_)                                                      \
    {.op = CLCNN_OP_HWC_TO_CHW, .c = c_, .copy = {rows_, (c_) * (hw_), src_ld_, (c_) * (hw_)},   \
     .quick = quick_}

/* Window shapes shared by im2col/col2im and the pooling ops; the last one has
 * more images than a CPU work-item of im2col takes (cl_images_per_item). */
#define WINDOW_CASES(op)                                                                          \
    WIN(op, 2, 2, 0, 1, 3, 32, 32, 1), WIN(op, 3, 2, 1, 2, 5, 7, 5, 1),                           \
    WIN(op, 1, 1, 0, 1, 1, 1, 1, 1), WIN(op, 3, 1, 2, 1, 1, 7, 5, 0),                             \
    WIN(op, 3, 1, 1, 1, 64, 7, 5, 0), WIN(op, 5, 1, 2, 1, 3, 32, 32, 0),                          \
    WIN(op, 3, 1, 1, 40, 2, 16, 16, 0)

/* Element-wise shapes: one value, an odd image batch, FC activations, images. */
#define ELEMENT_CASES(op, kind)                                                                   \
    OP(op, kind, 0, 1, 1, 1, 1, 0), OP(op, kind, 0, 2, 5, 7, 5, 1),                               \
    OP(op, kind, 0, 128, 64, 1, 1, 0), OP(op, kind, 0, 1, 3, 32, 32, 0)

#define BN_CASES(op)                                                                              \
    OP(op, CLCNN_ACT_NONE, 0, 1, 1, 1, 1, 0), OP(op, CLCNN_ACT_NONE, 0, 2, 5, 7, 5, 1),           \
    OP(op, CLCNN_ACT_NONE, 0, 128, 64, 1, 1, 0), OP(op, CLCNN_ACT_NONE, 0, 128, 3, 32, 32, 0),    \
    OP(op, CLCNN_ACT_NONE, 0, 4, 64, 7, 5, 0)
/* Batchnorm with the activation that follows fused in (act): an odd batch of
 * images, fc features, and images at the cifar net's first layer. */
#define BN_ACT_CASES(op, act)                                                                     \
    OP(op, act, 0, 2, 5, 7, 5, 1), OP(op, act, 0, 128, 64, 1, 1, 0),                              \
    OP(op, act, 0, 16, 32, 32, 32, 0)

/* Group normalization: layer norm over C,H,W (1 group), groups, instance norm
 * (C groups), layer norm of fc activations, and a 32768-value group. */
#define GN_CASES(op)                                                                              \
    GN(op, 1, 1, 1, 1, 1, 0), GN(op, 1, 2, 5, 7, 5, 1), GN(op, 5, 2, 5, 7, 5, 1),                 \
    GN(op, 1, 128, 64, 1, 1, 0), GN(op, 2, 4, 64, 7, 5, 0), GN(op, 4, 3, 16, 32, 32, 0),          \
    GN(op, 1, 2, 32, 32, 32, 0)

/* n rows of c logits. */
#define LOSS_CASES(kind)                                                                          \
    OP(CLCNN_OP_LOSS, kind, 0, 1, 3, 1, 1, 0), OP(CLCNN_OP_LOSS, kind, 0, 128, 10, 1, 1, 1),      \
    OP(CLCNN_OP_LOSS, kind, 0, 5, 64, 1, 1, 0)
/* Softmax with label smoothing E. */
#define SMOOTHED_LOSS(E, n_, c_, quick_)                                                          \
    {.op = CLCNN_OP_LOSS, .kind = CLCNN_LOSS_SOFTMAX, .smoothing = E, .n = n_, .c = c_, .h = 1,   \
     .w = 1, .quick = quick_}

#define OPTIMIZER_CASES(kind, flags)                                                              \
    OP(CLCNN_OP_OPTIMIZER, kind, flags, 1, 1, 1, 1, 0),                                           \
    OP(CLCNN_OP_OPTIMIZER, kind, flags, 2, 5, 7, 5, 1),                                           \
    OP(CLCNN_OP_OPTIMIZER, kind, flags, 1, 64, 32, 32, 0)

static const clcnn_op_case cases[] = {
    OP(CLCNN_OP_FILL, 0, 0, 2, 5, 7, 5, 1),
    OP(CLCNN_OP_FILL, 0, 0, 128, 64, 1, 1, 0),
    OP(CLCNN_OP_AXPY, 0, 0, 2, 5, 7, 5, 1),
    OP(CLCNN_OP_AXPY, 0, 0, 1, 64, 32, 32, 0),
    OP(CLCNN_OP_SCALE, 0, 0, 1, 3, 32, 32, 1),
    OP(CLCNN_OP_ADD, 0, 0, 2, 5, 7, 5, 1),
    OP(CLCNN_OP_ADD, 0, 0, 128, 16, 32, 32, 0),   /* resnet20's first stage */
    OP(CLCNN_OP_ADD, 0, CLCNN_OPF_IN_PLACE, 2, 5, 7, 5, 1),
    OP(CLCNN_OP_ADD, 0, CLCNN_OPF_IN_PLACE, 128, 64, 8, 8, 0),

    GEMM(0, 1, 1, 1, 1),
    GEMM(CLCNN_OPF_PADDED, 7, 5, 3, 1),
    GEMM(CLCNN_OPF_PADDED | CLCNN_OPF_TRANS_B, 5, 7, 3, 0),
    GEMM(CLCNN_OPF_PADDED | CLCNN_OPF_TRANS_A, 5, 7, 3, 0),
    GEMM(CLCNN_OPF_PADDED | CLCNN_OPF_TRANS_A | CLCNN_OPF_TRANS_B, 7, 5, 3, 1),
    GEMM(CLCNN_OPF_PADDED, 64, 64, 64, 0),
    GEMM(CLCNN_OPF_TRANS_B, 128, 10, 256, 1),    /* FC forward: X W^T */
    GEMM(0, 32, 8192, 75, 0),                    /* conv forward: W col, 8 images 32x32 */
    GEMM(CLCNN_OPF_TRANS_B, 32, 75, 8192, 0),    /* conv weight gradient: dY col^T */
    GEMM(CLCNN_OPF_TRANS_A, 75, 8192, 32, 0),    /* conv input gradient: W^T dY */

    WINDOW_CASES(CLCNN_OP_IM2COL),
    WINDOW_CASES(CLCNN_OP_COL2IM),
    WINDOW_CASES(CLCNN_OP_IM2ROW),
    /* rows padded for the GEMMs: conv1 of the cifar net (75 -> 128), an odd pad */
    WINPAD(CLCNN_OP_IM2COL, 5, 1, 2, 2, 3, 32, 32, 53, 0),
    WINPAD(CLCNN_OP_IM2COL, 3, 2, 1, 2, 5, 7, 5, 3, 1),
    WINPAD(CLCNN_OP_IM2ROW, 5, 1, 2, 2, 3, 32, 32, 53, 0),
    WINPAD(CLCNN_OP_IM2ROW, 3, 2, 1, 2, 5, 7, 5, 3, 1),
    /* weight padding and cropping (rows, columns, source row, destination row) */
    COPY(5, 3, 3, 7, 1),
    COPY(5, 3, 7, 3, 1),
    COPY(32, 75, 75, 128, 0),
    COPY(64, 800, 832, 800, 0),
    /* the weight gradient from window order: unpadded, cropped, 1 channel, a
     * 1x1 window, conv1 and conv2 of the cifar net */
    HWC(5, 3, 4, 12, 1),
    HWC(5, 3, 4, 15, 1),
    HWC(4, 1, 9, 9, 0),
    HWC(3, 6, 1, 8, 0),
    HWC(32, 3, 25, 128, 0),
    HWC(64, 32, 25, 832, 0),
    /* im2row on CPU devices takes bands of output rows whose input rows fit a
     * 32 KB tile: here bands of 14 and 7 rows (the last ones shorter) */
    WIN(CLCNN_OP_IM2ROW, 3, 1, 1, 2, 16, 40, 32, 0),
    WIN(CLCNN_OP_IM2ROW, 3, 2, 1, 2, 16, 40, 32, 0),
    /* chunks: images N/2 .. N-1 only, as convolution lowers a large batch */
    WINC(CLCNN_OP_IM2COL, 3, 2, 1, 3, 5, 7, 5, 1),
    WINC(CLCNN_OP_IM2COL, 5, 1, 2, 16, 3, 32, 32, 0),
    WINC(CLCNN_OP_COL2IM, 3, 2, 1, 3, 5, 7, 5, 1),
    WINC(CLCNN_OP_COL2IM, 5, 1, 2, 16, 3, 32, 32, 0),
    WINC(CLCNN_OP_IM2ROW, 3, 2, 1, 3, 5, 7, 5, 1),
    OP(CLCNN_OP_CNP_TO_NCHW, 0, 0, 1, 1, 1, 1, 1),
    OP(CLCNN_OP_CNP_TO_NCHW, 0, CLCNN_OPF_CHUNK | CLCNN_OPF_BIAS, 3, 5, 7, 5, 1),
    OP(CLCNN_OP_CNP_TO_NCHW, 0, CLCNN_OPF_BIAS, 4, 64, 32, 32, 0),
    OP(CLCNN_OP_NCHW_TO_CNP, 0, 0, 1, 1, 1, 1, 1),
    OP(CLCNN_OP_NCHW_TO_CNP, 0, CLCNN_OPF_CHUNK, 3, 5, 7, 5, 1),
    OP(CLCNN_OP_NCHW_TO_CNP, 0, 0, 4, 64, 32, 32, 0),
    OP(CLCNN_OP_ADD_BIAS, 0, 0, 2, 5, 7, 5, 1),
    OP(CLCNN_OP_ADD_BIAS, 0, 0, 128, 64, 1, 1, 0),
    OP(CLCNN_OP_ADD_BIAS, 0, 0, 4, 3, 32, 32, 0),
    OP(CLCNN_OP_BIAS_BACKWARD, 0, 0, 1, 1, 1, 1, 1),
    OP(CLCNN_OP_BIAS_BACKWARD, 0, 0, 2, 5, 7, 5, 1),
    OP(CLCNN_OP_BIAS_BACKWARD, 0, 0, 128, 64, 1, 1, 0),
    OP(CLCNN_OP_BIAS_BACKWARD, 0, 0, 128, 3, 32, 32, 0),

    WINDOW_CASES(CLCNN_OP_MAXPOOL_FWD),
    WINDOW_CASES(CLCNN_OP_MAXPOOL_BWD),
    WINDOW_CASES(CLCNN_OP_AVGPOOL_FWD),
    WINDOW_CASES(CLCNN_OP_AVGPOOL_BWD),
    /* global average pooling (avgpool global): the window is the plane */
    WIN(CLCNN_OP_AVGPOOL_FWD, 8, 8, 0, 128, 64, 8, 8, 0),
    WIN(CLCNN_OP_AVGPOOL_BWD, 8, 8, 0, 128, 64, 8, 8, 0),
    WIN(CLCNN_OP_AVGPOOL_FWD, 7, 7, 0, 2, 5, 7, 7, 1),
    WIN(CLCNN_OP_AVGPOOL_BWD, 7, 7, 0, 2, 5, 7, 7, 1),
    WIN(CLCNN_OP_MAXPOOL_FWD, 2, 2, 0, 128, 3, 32, 32, 0),
    /* the activation before the pooling fused in (y = act(max)) */
    OP_WIN_ACT(CLCNN_OP_MAXPOOL_FWD, CLCNN_ACT_RELU, 3, 2, 1, 2, 5, 7, 5, 1),
    OP_WIN_ACT(CLCNN_OP_MAXPOOL_BWD, CLCNN_ACT_RELU, 3, 2, 1, 2, 5, 7, 5, 1),
    OP_WIN_ACT(CLCNN_OP_MAXPOOL_FWD, CLCNN_ACT_RELU, 2, 2, 0, 128, 6, 28, 28, 0),
    OP_WIN_ACT(CLCNN_OP_MAXPOOL_BWD, CLCNN_ACT_RELU, 2, 2, 0, 128, 6, 28, 28, 0),
    OP_WIN_ACT(CLCNN_OP_MAXPOOL_FWD, CLCNN_ACT_LEAKY_RELU, 3, 2, 1, 2, 5, 7, 5, 0),
    OP_WIN_ACT(CLCNN_OP_MAXPOOL_BWD, CLCNN_ACT_LEAKY_RELU, 3, 2, 1, 2, 5, 7, 5, 0),
    OP_WIN_ACT(CLCNN_OP_MAXPOOL_FWD, CLCNN_ACT_SIGMOID, 3, 2, 1, 2, 5, 7, 5, 0),
    OP_WIN_ACT(CLCNN_OP_MAXPOOL_BWD, CLCNN_ACT_SIGMOID, 3, 2, 1, 2, 5, 7, 5, 0),
    /* evaluation: no argmax */
    {.op = CLCNN_OP_MAXPOOL_FWD, .flags = CLCNN_OPF_EVAL, .n = 2, .c = 5, .h = 7, .w = 5, .k = 3,
     .s = 2, .p = 1, .quick = 1},
    {.op = CLCNN_OP_MAXPOOL_FWD, .flags = CLCNN_OPF_EVAL, .n = 128, .c = 3, .h = 32, .w = 32,
     .k = 2, .s = 2, .p = 0, .quick = 0},
    WIN(CLCNN_OP_MAXPOOL_BWD, 2, 2, 0, 128, 3, 32, 32, 0),

    BN_CASES(CLCNN_OP_BN_TRAIN),
    BN_CASES(CLCNN_OP_BN_EVAL),
    BN_CASES(CLCNN_OP_BN_BWD),
    BN_ACT_CASES(CLCNN_OP_BN_TRAIN, CLCNN_ACT_RELU),
    BN_ACT_CASES(CLCNN_OP_BN_EVAL, CLCNN_ACT_RELU),
    BN_ACT_CASES(CLCNN_OP_BN_BWD, CLCNN_ACT_RELU),
    BN_ACT_CASES(CLCNN_OP_BN_TRAIN, CLCNN_ACT_LEAKY_RELU),
    BN_ACT_CASES(CLCNN_OP_BN_BWD, CLCNN_ACT_LEAKY_RELU),
    BN_ACT_CASES(CLCNN_OP_BN_TRAIN, CLCNN_ACT_SIGMOID),
    BN_ACT_CASES(CLCNN_OP_BN_BWD, CLCNN_ACT_SIGMOID),

    ELEMENT_CASES(CLCNN_OP_ACT_FWD, CLCNN_ACT_RELU),
    ELEMENT_CASES(CLCNN_OP_ACT_BWD, CLCNN_ACT_RELU),
    ELEMENT_CASES(CLCNN_OP_ACT_FWD, CLCNN_ACT_LEAKY_RELU),
    ELEMENT_CASES(CLCNN_OP_ACT_BWD, CLCNN_ACT_LEAKY_RELU),
    ELEMENT_CASES(CLCNN_OP_ACT_FWD, CLCNN_ACT_SIGMOID),
    ELEMENT_CASES(CLCNN_OP_ACT_BWD, CLCNN_ACT_SIGMOID),
    ELEMENT_CASES(CLCNN_OP_DROPOUT_FWD, 0),
    ELEMENT_CASES(CLCNN_OP_DROPOUT_BWD, 0),

    LOSS_CASES(CLCNN_LOSS_SOFTMAX),
    SMOOTHED_LOSS(0.1f, 1, 3, 0), SMOOTHED_LOSS(0.1f, 128, 10, 1), SMOOTHED_LOSS(0.1f, 5, 64, 0),
    LOSS_CASES(CLCNN_LOSS_SVM),
    LOSS_CASES(CLCNN_LOSS_BCE),

    OPTIMIZER_CASES(CLCNN_OPT_SGD, 0),
    OPTIMIZER_CASES(CLCNN_OPT_MOMENTUM, 0),
    OPTIMIZER_CASES(CLCNN_OPT_MOMENTUM, CLCNN_OPF_NESTEROV),
    OPTIMIZER_CASES(CLCNN_OPT_RMSPROP, 0),
    OPTIMIZER_CASES(CLCNN_OPT_ADAM, 0),

    OP(CLCNN_OP_NORMALIZE_U8, 0, 0, 1, 1, 1, 1, 0),
    OP(CLCNN_OP_NORMALIZE_U8, 0, 0, 2, 3, 32, 32, 1),
    OP(CLCNN_OP_NORMALIZE_U8, 0, 0, 1, 5, 7, 5, 0),

    GN_CASES(CLCNN_OP_GN_FWD),
    GN_CASES(CLCNN_OP_GN_BWD),
};

int clcnn_op_case_count(void) { return (int)(sizeof cases / sizeof cases[0]); }

const clcnn_op_case *clcnn_op_case_at(int index)
{
    return index >= 0 && index < clcnn_op_case_count() ? &cases[index] : NULL;
}

void clcnn_op_case_name(const clcnn_op_case *cs, char *buf, size_t size)
{
    const clcnn_op_desc *desc = clcnn_op_desc_of(cs->op);
    if (desc && desc->describe) {
        desc->describe(cs, buf, size);
        return;
    }
    char window[32] = "";
    if (cs->k > 0)
        snprintf(window, sizeof window, "k%d s%d p%d ", cs->k, cs->s, cs->p);
    else if (cs->groups > 0)
        snprintf(window, sizeof window, "G%d ", cs->groups);
    char pad[24] = "";
    if (cs->pad_rows > 0)
        snprintf(pad, sizeof pad, " pad%d", cs->pad_rows);
    snprintf(buf, size, "%s %s%sN%d C%d %dx%d%s%s%s%s", clcnn_op_name(cs->op),
             desc && desc->kind_label ? desc->kind_label(cs) : "", window, cs->n, cs->c, cs->h,
             cs->w, cs->flags & CLCNN_OPF_CHUNK ? " chunk" : "",
             cs->flags & CLCNN_OPF_BIAS ? " bias" : "", pad,
             cs->flags & CLCNN_OPF_EVAL ? " eval" : "");
}

double clcnn_normalized_error(const float *a, const float *b, size_t count)
{
    double diff = 0, ref = 0;
    for (size_t i = 0; i < count; i++) {
        if (a[i] == b[i]) { /* also equal infinities */
            ref += (double)b[i] * b[i];
            continue;
        }
        if (!isfinite(a[i]) || !isfinite(b[i]))
            return INFINITY;
        double d = (double)a[i] - b[i];
        diff += d * d;
        ref += (double)b[i] * b[i];
    }
    if (diff == 0)
        return 0;
    if (ref == 0 || !isfinite(ref)) /* all-zero reference: root-mean-square difference */
        return sqrt(diff / (double)count);
    return sqrt(diff / ref);
}

/* Largest normalized error over the outputs of two runs of the same case. */
static clcnn_status compare_runs(const clcnn_op_run *dev, const clcnn_op_run *ref, double *error)
{
    *error = 0;
    for (int i = 0; i < clcnn_op_run_output_count(ref); i++) {
        float *a = NULL, *b = NULL;
        size_t na = 0, nb = 0;
        clcnn_status st = clcnn_op_run_output(dev, i, &a, &na);
        if (st == CLCNN_OK)
            st = clcnn_op_run_output(ref, i, &b, &nb);
        if (st == CLCNN_OK) {
            double e = clcnn_normalized_error(a, b, na < nb ? na : nb);
            if (e > *error || isnan(e))
                *error = isnan(e) ? INFINITY : e;
        }
        free(a);
        free(b);
        if (st != CLCNN_OK)
            return st;
    }
    return CLCNN_OK;
}

clcnn_status clcnn_op_case_check(const clcnn_op_case *cs, clcnn_backend *dev,
                                 clcnn_backend *ref, uint32_t seed, double *error)
{
    char name[96];
    clcnn_op_case_name(cs, name, sizeof name);
    *error = INFINITY;
    clcnn_op_run *runs[2] = {NULL, NULL};
    clcnn_backend *backends[2] = {dev, ref};
    clcnn_status st = CLCNN_OK;
    for (int i = 0; i < 2 && st == CLCNN_OK; i++) {
        st = clcnn_op_run_create(cs, backends[i], seed, &runs[i]);
        if (st == CLCNN_OK)
            st = clcnn_op_run_exec(runs[i]);
        if (st != CLCNN_OK)
            clcnn_fail_context(st, "op case %s on %s: ", name, backends[i]->name);
    }
    if (st == CLCNN_OK)
        st = compare_runs(runs[0], runs[1], error);
    clcnn_op_run_destroy(runs[0]);
    clcnn_op_run_destroy(runs[1]);
    return st;
}
