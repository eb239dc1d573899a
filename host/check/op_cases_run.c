/* One op case on one backend: its tensors, their seeded random contents, the
 * setup ops a backward case needs, and the op itself (see op_cases.h). */
#include <stdlib.h>
#include <string.h>

#include "clcnn/op_cases.h"

#define RUN_MAX_TENSORS 12

struct clcnn_op_run {
    const clcnn_op_case *cs;
    clcnn_backend *be;
    uint32_t seed;
    clcnn_window win;
    int n0, nb;                       /* images taking part (chunked ops) */
    clcnn_tensor t[RUN_MAX_TENSORS];  /* roles depend on the op, see create_tensors */
    int outputs[RUN_MAX_TENSORS];     /* indices into t */
    int output_count;
    float *mean, *std;                /* normalize_u8 parameters, C each */
};

/* Tensor roles, by op family (indices into run->t). */
enum { X = 0, Y, ARGMAX, DY, DX };             /* element-wise, pooling, activation */
enum { COL = 1 };                              /* im2col/col2im: X or DX with COL */
enum { GEMM_A = 0, GEMM_B, GEMM_C };
enum { BN_X = 0, BN_GAMMA, BN_BETA, BN_RMEAN, BN_RVAR, BN_SMEAN, BN_SINV, BN_Y, BN_DY, BN_DX,
       BN_DGAMMA, BN_DBETA };
enum { LOSS_Z = 0, LOSS_LABELS, LOSS_DZ, LOSS_STATS };
enum { OPT_W = 0, OPT_G, OPT_M, OPT_V };

/* Inverted dropout and activation parameters of every case. */
static const float dropout_p = 0.3f, leaky_alpha = 0.1f;
static const uint32_t dropout_seed = 1234u, dropout_step = 7u;

/* Uniform in [lo, hi), a pure function of (seed, tensor slot, element). */
static float uniform(uint32_t seed, int slot, size_t i, float lo, float hi)
{
    uint32_t bits = clcnn_dropout_hash(seed, (uint32_t)slot, (uint32_t)i);
    return lo + (hi - lo) * (float)((double)bits / 4294967296.0);
}

/* Allocate slot with shape and fill it with uniform [lo, hi) values (left
 * zero, as allocated, for lo = hi = 0). */
static clcnn_status make_real(clcnn_op_run *run, int slot, clcnn_shape shape, float lo, float hi)
{
    clcnn_tensor *t = &run->t[slot];
    clcnn_status st = clcnn_tensor_alloc(run->be, t, shape, CLCNN_REAL, "op case tensor");
    if (st != CLCNN_OK || (lo == 0 && hi == 0))
        return st;
    float *host = malloc(t->count * sizeof *host);
    if (!host)
        return clcnn_fail(CLCNN_ERR_NOMEM, "op case: out of host memory");
    for (size_t i = 0; i < t->count; i++)
        host[i] = uniform(run->seed, slot, i, lo, hi);
    st = clcnn_tensor_upload(t, 0, t->count, host);
    free(host);
    return st;
}

/* Allocate an I32 or U8 slot with values uniform in 0..range-1 (range 0: zeros). */
static clcnn_status make_int(clcnn_op_run *run, int slot, clcnn_shape shape, clcnn_dtype dtype,
                             int range)
{
    clcnn_tensor *t = &run->t[slot];
    clcnn_status st = clcnn_tensor_alloc(run->be, t, shape, dtype, "op case tensor");
    if (st != CLCNN_OK || range == 0)
        return st;
    size_t esize = dtype == CLCNN_U8 ? 1 : 4;
    unsigned char *host = malloc(t->count * esize);
    if (!host)
        return clcnn_fail(CLCNN_ERR_NOMEM, "op case: out of host memory");
    for (size_t i = 0; i < t->count; i++) {
        int v = (int)(clcnn_dropout_hash(run->seed, (uint32_t)slot, (uint32_t)i) % (uint32_t)range);
        if (dtype == CLCNN_U8)
            host[i] = (unsigned char)v;
        else
            ((int32_t *)host)[i] = v;
    }
    st = clcnn_tensor_upload(t, 0, t->count, host);
    free(host);
    return st;
}

#define TRY(expr)                                                                                 \
    do {                                                                                          \
        clcnn_status try_status_ = (expr);                                                        \
        if (try_status_ != CLCNN_OK)                                                              \
            return try_status_;                                                                   \
    } while (0)

static void set_outputs(clcnn_op_run *run, int count, const int *slots)
{
    run->output_count = count;
    memcpy(run->outputs, slots, (size_t)count * sizeof *slots);
}
#define OUTPUTS(...)                                                                              \
    set_outputs(run, (int)(sizeof((int[]){__VA_ARGS__}) / sizeof(int)), (int[]){__VA_ARGS__})

/* The GEMM operands: stored A is (TRANS_A ? k x m : m x k), etc.; PADDED adds
 * an element offset of 3 and 2 spare columns to every matrix. */
typedef struct gemm_layout {
    int m, n, k, lda, ldb, ldc;
    size_t offset;
} gemm_layout;

static gemm_layout gemm_layout_of(const clcnn_op_case *cs)
{
    gemm_layout g = {cs->n, cs->w, cs->c, 0, 0, 0, 0};
    int pad = cs->flags & CLCNN_OPF_PADDED ? 2 : 0;
    g.offset = cs->flags & CLCNN_OPF_PADDED ? 3 : 0;
    g.lda = (cs->flags & CLCNN_OPF_TRANS_A ? g.m : g.k) + pad;
    g.ldb = (cs->flags & CLCNN_OPF_TRANS_B ? g.k : g.n) + pad;
    g.ldc = g.n + pad;
    return g;
}

static clcnn_status create_gemm(clcnn_op_run *run)
{
    const clcnn_op_case *cs = run->cs;
    gemm_layout g = gemm_layout_of(cs);
    int a_rows = cs->flags & CLCNN_OPF_TRANS_A ? g.k : g.m;
    int b_rows = cs->flags & CLCNN_OPF_TRANS_B ? g.n : g.k;
    TRY(make_real(run, GEMM_A, clcnn_shape_make(1, 1, 1, (int)g.offset + a_rows * g.lda), -1, 1));
    TRY(make_real(run, GEMM_B, clcnn_shape_make(1, 1, 1, (int)g.offset + b_rows * g.ldb), -1, 1));
    TRY(make_real(run, GEMM_C, clcnn_shape_make(1, 1, 1, (int)g.offset + g.m * g.ldc), -1, 1));
    OUTPUTS(GEMM_C);
    return CLCNN_OK;
}

static clcnn_status exec_gemm(clcnn_op_run *run)
{
    const clcnn_op_case *cs = run->cs;
    gemm_layout g = gemm_layout_of(cs);
    float beta = cs->flags & CLCNN_OPF_PADDED ? 0.5f : 0.0f;
    return run->be->ops->gemm(run->be, (cs->flags & CLCNN_OPF_TRANS_A) != 0,
                              (cs->flags & CLCNN_OPF_TRANS_B) != 0, g.m, g.n, g.k, 1.0f,
                              &run->t[GEMM_A], g.offset, g.lda, &run->t[GEMM_B], g.offset, g.ldb,
                              beta, &run->t[GEMM_C], g.offset, g.ldc);
}

static clcnn_status create_bn(clcnn_op_run *run, clcnn_shape in)
{
    clcnn_shape per_channel = clcnn_shape_make(1, in.c, 1, 1);
    /* A mean of 0.5 next to a spread of 2 tests the two-pass variance. */
    TRY(make_real(run, BN_X, in, -0.5f, 1.5f));
    TRY(make_real(run, BN_GAMMA, per_channel, 0.5f, 1.5f));
    TRY(make_real(run, BN_BETA, per_channel, -1, 1));
    TRY(make_real(run, BN_RMEAN, per_channel, -1, 1));
    TRY(make_real(run, BN_RVAR, per_channel, 0.5f, 2));
    TRY(make_real(run, BN_SMEAN, per_channel, 0, 0));
    TRY(make_real(run, BN_SINV, per_channel, 0, 0));
    TRY(make_real(run, BN_Y, in, 0, 0));
    if (run->cs->op != CLCNN_OP_BN_BWD)
        return CLCNN_OK;
    TRY(make_real(run, BN_DY, in, -1, 1));
    TRY(make_real(run, BN_DX, in, 0, 0));
    TRY(make_real(run, BN_DGAMMA, per_channel, 0, 0));
    TRY(make_real(run, BN_DBETA, per_channel, 0, 0));
    clcnn_tensor *t = run->t;
    return run->be->ops->batchnorm_forward_train(run->be, &t[BN_X], &t[BN_GAMMA], &t[BN_BETA],
                                                 0.1f, 1e-5f, &t[BN_RMEAN], &t[BN_RVAR],
                                                 &t[BN_SMEAN], &t[BN_SINV], &t[BN_Y]);
}

/* Group normalization reuses the batchnorm slots; the saved statistics are
 * per (image, group). Backward runs the forward first. */
static clcnn_status create_gn(clcnn_op_run *run, clcnn_shape in)
{
    const int groups = run->cs->kind;
    clcnn_shape per_channel = clcnn_shape_make(1, in.c, 1, 1);
    clcnn_shape per_group = clcnn_shape_make(in.n, groups, 1, 1);
    TRY(make_real(run, BN_X, in, -0.5f, 1.5f));
    TRY(make_real(run, BN_GAMMA, per_channel, 0.5f, 1.5f));
    TRY(make_real(run, BN_BETA, per_channel, -1, 1));
    TRY(make_real(run, BN_SMEAN, per_group, 0, 0));
    TRY(make_real(run, BN_SINV, per_group, 0, 0));
    TRY(make_real(run, BN_Y, in, 0, 0));
    if (run->cs->op == CLCNN_OP_GN_FWD) {
        OUTPUTS(BN_Y, BN_SMEAN, BN_SINV);
        return CLCNN_OK;
    }
    TRY(make_real(run, BN_DY, in, -1, 1));
    TRY(make_real(run, BN_DX, in, 0, 0));
    TRY(make_real(run, BN_DGAMMA, per_channel, 0, 0));
    TRY(make_real(run, BN_DBETA, per_channel, 0, 0));
    OUTPUTS(BN_DX, BN_DGAMMA, BN_DBETA);
    clcnn_tensor *t = run->t;
    return run->be->ops->groupnorm_forward(run->be, groups, 1e-5f, &t[BN_X], &t[BN_GAMMA],
                                           &t[BN_BETA], &t[BN_SMEAN], &t[BN_SINV], &t[BN_Y]);
}

static clcnn_status create_loss(clcnn_op_run *run, clcnn_shape in)
{
    clcnn_shape logits = clcnn_shape_make(in.n, in.c, 1, 1);
    TRY(make_real(run, LOSS_Z, logits, -3, 3));
    TRY(make_int(run, LOSS_LABELS, clcnn_shape_make(in.n, 1, 1, 1), CLCNN_I32, in.c));
    TRY(make_real(run, LOSS_DZ, logits, 0, 0));
    /* Non-zero start values: the op accumulates into stats. */
    TRY(make_real(run, LOSS_STATS, clcnn_shape_make(1, 2, 1, 1), 0.5f, 2));
    OUTPUTS(LOSS_DZ, LOSS_STATS);
    return CLCNN_OK;
}

static clcnn_status create_optimizer(clcnn_op_run *run, clcnn_shape in)
{
    TRY(make_real(run, OPT_W, in, -1, 1));
    TRY(make_real(run, OPT_G, in, -1, 1));
    /* Positive state: RMSprop's and Adam's squared-gradient averages. */
    float m_lo = run->cs->kind == CLCNN_OPT_RMSPROP ? 0 : -0.1f;
    TRY(make_real(run, OPT_M, in, m_lo, 0.1f));
    TRY(make_real(run, OPT_V, in, 0, 0.1f));
    OUTPUTS(OPT_W, OPT_M, OPT_V);
    return CLCNN_OK;
}

static clcnn_status create_normalize(clcnn_op_run *run, clcnn_shape in)
{
    run->mean = malloc((size_t)in.c * sizeof *run->mean);
    run->std = malloc((size_t)in.c * sizeof *run->std);
    if (!run->mean || !run->std)
        return clcnn_fail(CLCNN_ERR_NOMEM, "op case: out of host memory");
    for (int ch = 0; ch < in.c; ch++) {
        run->mean[ch] = 120.0f + 5.0f * (float)ch;
        run->std[ch] = 60.0f + 3.0f * (float)ch;
    }
    TRY(make_int(run, X, in, CLCNN_U8, 256));
    TRY(make_real(run, Y, in, 0, 0));
    OUTPUTS(Y);
    return CLCNN_OK;
}

static clcnn_status create_tensors(clcnn_op_run *run)
{
    const clcnn_op_case *cs = run->cs;
    clcnn_backend *be = run->be;
    clcnn_tensor *t = run->t;
    clcnn_shape in = clcnn_shape_make(cs->n, cs->c, cs->h, cs->w);
    clcnn_shape out = clcnn_shape_make(cs->n, cs->c, run->win.oh, run->win.ow);
    clcnn_shape per_channel = clcnn_shape_make(1, cs->c, 1, 1);
    size_t col_count = (size_t)(cs->c * cs->k * cs->k + cs->pad_rows) * run->nb * run->win.oh *
                       run->win.ow;
    clcnn_shape col = clcnn_shape_make(1, 1, 1, (int)col_count);
    switch (cs->op) {
    case CLCNN_OP_FILL:
    case CLCNN_OP_SCALE:
        TRY(make_real(run, Y, in, -1, 1));
        break;
    case CLCNN_OP_AXPY:
    case CLCNN_OP_ACT_FWD:
    case CLCNN_OP_DROPOUT_FWD:
        TRY(make_real(run, X, in, -1, 1));
        TRY(make_real(run, Y, in, -1, 1));
        break;
    case CLCNN_OP_GEMM:
        return create_gemm(run);
    case CLCNN_OP_IM2COL:
    case CLCNN_OP_IM2ROW:
        TRY(make_real(run, X, in, -1, 1));
        TRY(make_real(run, COL, col, -1, 1));
        OUTPUTS(COL);
        return CLCNN_OK;
    case CLCNN_OP_COPY_COLUMNS: /* rows cs->n, source rows of cs->h, destination of cs->w */
        TRY(make_real(run, X, clcnn_shape_make(1, 1, cs->n, cs->h), -1, 1));
        TRY(make_real(run, Y, clcnn_shape_make(1, 1, cs->n, cs->w), -1, 1));
        OUTPUTS(Y);
        return CLCNN_OK;
    case CLCNN_OP_COL2IM:
        TRY(make_real(run, COL, col, -1, 1));
        TRY(make_real(run, DX, in, -1, 1)); /* images outside the chunk must stay */
        OUTPUTS(DX);
        return CLCNN_OK;
    case CLCNN_OP_CNP_TO_NCHW:
    case CLCNN_OP_NCHW_TO_CNP:
        TRY(make_real(run, X, clcnn_shape_make(1, 1, 1, cs->c * run->nb * cs->h * cs->w), -1,
                      1));
        TRY(make_real(run, Y, in, -1, 1));
        TRY(make_real(run, DY, per_channel, -1, 1)); /* the bias */
        OUTPUTS(cs->op == CLCNN_OP_CNP_TO_NCHW ? Y : X);
        return CLCNN_OK;
    case CLCNN_OP_ADD_BIAS:
        TRY(make_real(run, X, per_channel, -1, 1));
        TRY(make_real(run, Y, in, -1, 1));
        break;
    case CLCNN_OP_BIAS_BACKWARD:
        TRY(make_real(run, DY, in, -1, 1));
        TRY(make_real(run, DX, per_channel, 0, 0));
        OUTPUTS(DX);
        return CLCNN_OK;
    case CLCNN_OP_MAXPOOL_FWD:
    case CLCNN_OP_MAXPOOL_BWD:
    case CLCNN_OP_AVGPOOL_FWD:
    case CLCNN_OP_AVGPOOL_BWD:
        TRY(make_real(run, X, in, -1, 1));
        TRY(make_real(run, Y, out, 0, 0));
        TRY(make_int(run, ARGMAX, out, CLCNN_I32, 0));
        TRY(make_real(run, DY, out, -1, 1));
        TRY(make_real(run, DX, in, 0, 0));
        if (cs->op == CLCNN_OP_MAXPOOL_FWD)
            OUTPUTS(Y, ARGMAX);
        else if (cs->op == CLCNN_OP_AVGPOOL_FWD)
            OUTPUTS(Y);
        else
            OUTPUTS(DX);
        if (cs->op == CLCNN_OP_MAXPOOL_BWD)
            return be->ops->maxpool_forward(be, &run->win, &t[X], &t[Y], &t[ARGMAX]);
        return CLCNN_OK;
    case CLCNN_OP_BN_TRAIN:
        OUTPUTS(BN_Y, BN_RMEAN, BN_RVAR, BN_SMEAN, BN_SINV);
        return create_bn(run, in);
    case CLCNN_OP_BN_EVAL:
        OUTPUTS(BN_Y);
        return create_bn(run, in);
    case CLCNN_OP_BN_BWD:
        OUTPUTS(BN_DX, BN_DGAMMA, BN_DBETA);
        return create_bn(run, in);
    case CLCNN_OP_ACT_BWD:
        TRY(make_real(run, X, in, -2, 2));
        TRY(make_real(run, Y, in, 0, 0));
        TRY(make_real(run, DY, in, -1, 1));
        TRY(make_real(run, DX, in, 0, 0));
        OUTPUTS(DX);
        return be->ops->activation_forward(be, (clcnn_activation)cs->kind, leaky_alpha, &t[X],
                                           &t[Y]);
    case CLCNN_OP_DROPOUT_BWD:
        TRY(make_real(run, DY, in, -1, 1));
        TRY(make_real(run, DX, in, 0, 0));
        OUTPUTS(DX);
        return CLCNN_OK;
    case CLCNN_OP_LOSS:
        return create_loss(run, in);
    case CLCNN_OP_OPTIMIZER:
        return create_optimizer(run, in);
    case CLCNN_OP_NORMALIZE_U8:
        return create_normalize(run, in);
    case CLCNN_OP_GN_FWD:
    case CLCNN_OP_GN_BWD:
        return create_gn(run, in);
    }
    OUTPUTS(Y);
    return CLCNN_OK;
}

clcnn_status clcnn_op_run_exec(clcnn_op_run *run)
{
    const clcnn_op_case *cs = run->cs;
    clcnn_backend *be = run->be;
    const clcnn_backend_ops *ops = be->ops;
    clcnn_tensor *t = run->t;
    const clcnn_window *win = &run->win;
    switch (cs->op) {
    case CLCNN_OP_FILL: return ops->fill(be, &t[Y], 0.25f);
    case CLCNN_OP_AXPY: return ops->axpy(be, 0.75f, &t[X], &t[Y]);
    case CLCNN_OP_SCALE: return ops->scale(be, -1.0f, &t[Y]); /* repeatable: no under/overflow */
    case CLCNN_OP_GEMM: return exec_gemm(run);
    case CLCNN_OP_IM2COL:
    case CLCNN_OP_IM2ROW: {
        int rows = cs->c * cs->k * cs->k + cs->pad_rows;
        return (cs->op == CLCNN_OP_IM2COL ? ops->im2col : ops->im2row)(be, win, &t[X], run->n0,
                                                                       run->nb, rows, &t[COL]);
    }
    case CLCNN_OP_COPY_COLUMNS:
        return ops->copy_columns(be, cs->n, cs->c, &t[X], cs->h, &t[Y], cs->w);
    case CLCNN_OP_COL2IM: return ops->col2im(be, win, &t[COL], run->n0, run->nb, &t[DX]);
    case CLCNN_OP_CNP_TO_NCHW:
        return ops->cnp_to_nchw(be, &t[X], cs->flags & CLCNN_OPF_BIAS ? &t[DY] : NULL, run->n0,
                                run->nb, &t[Y]);
    case CLCNN_OP_NCHW_TO_CNP: return ops->nchw_to_cnp(be, &t[Y], run->n0, run->nb, &t[X]);
    case CLCNN_OP_ADD_BIAS: return ops->add_bias(be, &t[X], &t[Y]);
    case CLCNN_OP_BIAS_BACKWARD: return ops->bias_backward(be, &t[DY], &t[DX]);
    case CLCNN_OP_MAXPOOL_FWD: return ops->maxpool_forward(be, win, &t[X], &t[Y], &t[ARGMAX]);
    case CLCNN_OP_MAXPOOL_BWD: return ops->maxpool_backward(be, win, &t[DY], &t[ARGMAX], &t[DX]);
    case CLCNN_OP_AVGPOOL_FWD: return ops->avgpool_forward(be, win, &t[X], &t[Y]);
    case CLCNN_OP_AVGPOOL_BWD: return ops->avgpool_backward(be, win, &t[DY], &t[DX]);
    case CLCNN_OP_BN_TRAIN:
        return ops->batchnorm_forward_train(be, &t[BN_X], &t[BN_GAMMA], &t[BN_BETA], 0.1f, 1e-5f,
                                            &t[BN_RMEAN], &t[BN_RVAR], &t[BN_SMEAN],
                                            &t[BN_SINV], &t[BN_Y]);
    case CLCNN_OP_BN_EVAL:
        return ops->batchnorm_forward_eval(be, &t[BN_X], &t[BN_GAMMA], &t[BN_BETA],
                                           &t[BN_RMEAN], &t[BN_RVAR], 1e-5f, &t[BN_Y]);
    case CLCNN_OP_BN_BWD:
        return ops->batchnorm_backward(be, &t[BN_DY], &t[BN_X], &t[BN_GAMMA], &t[BN_SMEAN],
                                       &t[BN_SINV], &t[BN_DX], &t[BN_DGAMMA], &t[BN_DBETA]);
    case CLCNN_OP_ACT_FWD:
        return ops->activation_forward(be, (clcnn_activation)cs->kind, leaky_alpha, &t[X], &t[Y]);
    case CLCNN_OP_ACT_BWD:
        return ops->activation_backward(be, (clcnn_activation)cs->kind, leaky_alpha, &t[Y],
                                        &t[DY], &t[DX]);
    case CLCNN_OP_DROPOUT_FWD:
        return ops->dropout_forward(be, dropout_p, dropout_seed, dropout_step, &t[X], &t[Y]);
    case CLCNN_OP_DROPOUT_BWD:
        return ops->dropout_backward(be, dropout_p, dropout_seed, dropout_step, &t[DY], &t[DX]);
    case CLCNN_OP_LOSS:
        return ops->loss(be, (clcnn_loss_kind)cs->kind, &t[LOSS_Z], &t[LOSS_LABELS],
                         1.0f / (float)cs->n, &t[LOSS_DZ], &t[LOSS_STATS]);
    case CLCNN_OP_OPTIMIZER: {
        clcnn_optimizer_step hp = {
            .kind = (clcnn_optimizer_kind)cs->kind, .lr = 0.01f, .momentum = 0.9f,
            .nesterov = (cs->flags & CLCNN_OPF_NESTEROV) != 0, .rho = 0.99f, .beta1 = 0.9f,
            .beta2 = 0.999f, .eps = 1e-8f, .l2 = 1e-3f, .weight_decay = 1e-4f, .step = 3};
        return ops->optimizer_step(be, &hp, &t[OPT_W], &t[OPT_G], &t[OPT_M], &t[OPT_V]);
    }
    case CLCNN_OP_NORMALIZE_U8: return ops->normalize_u8(be, &t[X], run->mean, run->std, &t[Y]);
    case CLCNN_OP_GN_FWD:
        return ops->groupnorm_forward(be, cs->kind, 1e-5f, &t[BN_X], &t[BN_GAMMA], &t[BN_BETA],
                                      &t[BN_SMEAN], &t[BN_SINV], &t[BN_Y]);
    case CLCNN_OP_GN_BWD:
        return ops->groupnorm_backward(be, cs->kind, &t[BN_DY], &t[BN_X], &t[BN_GAMMA],
                                       &t[BN_SMEAN], &t[BN_SINV], &t[BN_DX], &t[BN_DGAMMA],
                                       &t[BN_DBETA]);
    }
    return clcnn_fail(CLCNN_ERR_ARG, "op case: unknown op %d", (int)cs->op);
}

clcnn_status clcnn_op_run_create(const clcnn_op_case *cs, clcnn_backend *be, uint32_t seed,
                                 clcnn_op_run **out)
{
    *out = NULL;
    clcnn_op_run *run = calloc(1, sizeof *run);
    if (!run)
        return clcnn_fail(CLCNN_ERR_NOMEM, "op case: out of host memory");
    run->cs = cs;
    run->be = be;
    run->seed = seed;
    run->n0 = cs->flags & CLCNN_OPF_CHUNK ? cs->n / 2 : 0;
    run->nb = cs->n - run->n0;
    clcnn_status st = CLCNN_OK;
    if (cs->k > 0)
        st = clcnn_window_init(&run->win, cs->c, cs->h, cs->w, cs->k, cs->k, cs->s, cs->s, cs->p,
                               cs->p);
    else /* layout ops: the "output" plane is the input plane */
        st = clcnn_window_init(&run->win, cs->c, cs->h, cs->w, 1, 1, 1, 1, 0, 0);
    if (st == CLCNN_OK)
        st = create_tensors(run);
    if (st != CLCNN_OK) {
        clcnn_op_run_destroy(run);
        return st;
    }
    *out = run;
    return CLCNN_OK;
}

int clcnn_op_run_output_count(const clcnn_op_run *run) { return run->output_count; }

clcnn_status clcnn_op_run_output(const clcnn_op_run *run, int i, float **values, size_t *count)
{
    const clcnn_tensor *t = &run->t[run->outputs[i]];
    *values = malloc((t->count ? t->count : 1) * sizeof **values);
    *count = t->count;
    if (!*values)
        return clcnn_fail(CLCNN_ERR_NOMEM, "op case: out of host memory");
    if (t->dtype == CLCNN_REAL)
        return clcnn_tensor_download(t, 0, t->count, *values);
    /* I32 outputs (argmax) are compared as floats: exact for |v| < 2^24. */
    int32_t *ints = malloc((t->count ? t->count : 1) * sizeof *ints);
    if (!ints)
        return clcnn_fail(CLCNN_ERR_NOMEM, "op case: out of host memory");
    clcnn_status st = clcnn_tensor_download(t, 0, t->count, ints);
    for (size_t j = 0; st == CLCNN_OK && j < t->count; j++)
        (*values)[j] = (float)ints[j];
    free(ints);
    return st;
}

void clcnn_op_run_destroy(clcnn_op_run *run)
{
    if (!run)
        return;
    for (int i = 0; i < RUN_MAX_TENSORS; i++)
        clcnn_tensor_free(&run->t[i]);
    free(run->mean);
    free(run->std);
    free(run);
}
