/* The descriptors of the network ops (see clcnn/op_cases.h for adding an
 * op): activations, dropout, pooling, batch and group normalization, losses,
 * optimizers. */
#include <stdio.h>
#include <stdlib.h>

#include "check/op_run.h"

enum { BN_X = 0, BN_GAMMA, BN_BETA, BN_RMEAN, BN_RVAR, BN_SMEAN, BN_SINV, BN_Y, BN_DY, BN_DX,
       BN_DGAMMA, BN_DBETA };
enum { LOSS_Z = 0, LOSS_LABELS, LOSS_DZ, LOSS_STATS };
enum { OPT_W = 0, OPT_G, OPT_M, OPT_V };

/* Inverted dropout and activation parameters of every case. */
static const float dropout_p = 0.3f, leaky_alpha = 0.1f;
static const uint32_t dropout_seed = 1234u, dropout_step = 7u;

/* ---- activations and dropout ---- */

static const char *activation_label(const clcnn_op_case *cs)
{
    /* the normalizations' cases name their fused activation; none: nothing */
    static const char *const names[] = {"", "relu ", "leaky_relu ", "sigmoid "};
    return (unsigned)cs->kind < sizeof names / sizeof names[0] ? names[cs->kind] : "? ";
}

/* By activation: sigmoid computes an exp per element. */
static const double activation_tolerance[] = {
    [CLCNN_ACT_NONE] = TOL_EXACT, [CLCNN_ACT_RELU] = TOL_EXACT, [CLCNN_ACT_LEAKY_RELU] = TOL_EXACT,
    [CLCNN_ACT_SIGMOID] = TOL_ELEMENT};

static clcnn_status exec_act_fwd(clcnn_op_run *run)
{
    clcnn_backend *be = run->be;
    return be->ops->activation_forward(be, (clcnn_activation)run->cs->kind, leaky_alpha,
                                       &run->t[X], &run->t[Y]);
}

/* Backward from the forward's output. */
static clcnn_status create_act_bwd(clcnn_op_run *run)
{
    clcnn_shape in = op_run_in_shape(run);
    REAL(X, in, -2, 2);
    REAL(Y, in, 0, 0);
    REAL(DY, in, -1, 1);
    REAL(DX, in, 0, 0);
    OUTPUTS(DX);
    return exec_act_fwd(run);
}

static clcnn_status exec_act_bwd(clcnn_op_run *run)
{
    clcnn_backend *be = run->be;
    return be->ops->activation_backward(be, (clcnn_activation)run->cs->kind, leaky_alpha,
                                        &run->t[Y], &run->t[DY], &run->t[DX]);
}

static clcnn_status exec_dropout_fwd(clcnn_op_run *run)
{
    return run->be->ops->dropout_forward(run->be, dropout_p, dropout_seed, dropout_step,
                                         &run->t[X], &run->t[Y]);
}

static clcnn_status exec_dropout_bwd(clcnn_op_run *run)
{
    return run->be->ops->dropout_backward(run->be, dropout_p, dropout_seed, dropout_step,
                                          &run->t[DY], &run->t[DX]);
}

/* ---- pooling ---- */

static clcnn_status create_pool(clcnn_op_run *run)
{
    const clcnn_op_case *cs = run->cs;
    clcnn_shape in = op_run_in_shape(run), out = clcnn_shape_make(cs->n, cs->c, run->win.oh,
                                                           run->win.ow);
    REAL(X, in, -1, 1);
    REAL(Y, out, 0, 0);
    CLCNN_TRY(op_run_make_int(run, ARGMAX, out, CLCNN_I32, 0));
    REAL(DY, out, -1, 1);
    REAL(DX, in, 0, 0);
    if (cs->op == CLCNN_OP_MAXPOOL_FWD && (cs->flags & CLCNN_OPF_EVAL))
        OUTPUTS(Y);
    else if (cs->op == CLCNN_OP_MAXPOOL_FWD)
        OUTPUTS(Y, ARGMAX);
    else if (cs->op == CLCNN_OP_AVGPOOL_FWD)
        OUTPUTS(Y);
    else
        OUTPUTS(DX);
    if (cs->op == CLCNN_OP_MAXPOOL_BWD) /* the output and argmax of a forward pass */
        return run->be->ops->maxpool_forward(run->be, &run->win, (clcnn_activation)cs->kind,
                                             leaky_alpha, &run->t[X], &run->t[Y],
                                             &run->t[ARGMAX]);
    return CLCNN_OK;
}

/* Max pooling with the activation before it fused in (kind; CLCNN_ACT_NONE: none). */
static clcnn_status exec_maxpool_fwd(clcnn_op_run *run)
{
    clcnn_tensor *t = run->t;
    clcnn_tensor *argmax = run->cs->flags & CLCNN_OPF_EVAL ? NULL : &t[ARGMAX];
    return run->be->ops->maxpool_forward(run->be, &run->win, (clcnn_activation)run->cs->kind,
                                         leaky_alpha, &t[X], &t[Y], argmax);
}

static clcnn_status exec_maxpool_bwd(clcnn_op_run *run)
{
    clcnn_tensor *t = run->t;
    return run->be->ops->maxpool_backward(run->be, &run->win, (clcnn_activation)run->cs->kind,
                                          leaky_alpha, &t[Y], &t[DY], &t[ARGMAX], &t[DX]);
}

static clcnn_status exec_avgpool_fwd(clcnn_op_run *run)
{
    return run->be->ops->avgpool_forward(run->be, &run->win, &run->t[X], &run->t[Y]);
}

static clcnn_status exec_avgpool_bwd(clcnn_op_run *run)
{
    return run->be->ops->avgpool_backward(run->be, &run->win, &run->t[DY], &run->t[DX]);
}

/* ---- batch and group normalization ---- */

/* The activation a batchnorm case fuses (its kind; CLCNN_ACT_NONE: none). */
static clcnn_activation case_activation(const clcnn_op_run *run)
{
    return (clcnn_activation)run->cs->kind;
}

static clcnn_status exec_bn_train(clcnn_op_run *run)
{
    clcnn_tensor *t = run->t;
    return run->be->ops->batchnorm_forward_train(run->be, &t[BN_X], &t[BN_GAMMA], &t[BN_BETA],
                                                 0.1f, 1e-5f, case_activation(run), leaky_alpha,
                                                 &t[BN_RMEAN], &t[BN_RVAR], &t[BN_SMEAN],
                                                 &t[BN_SINV], &t[BN_Y]);
}

static clcnn_status exec_bn_eval(clcnn_op_run *run)
{
    clcnn_tensor *t = run->t;
    return run->be->ops->batchnorm_forward_eval(run->be, &t[BN_X], &t[BN_GAMMA], &t[BN_BETA],
                                                &t[BN_RMEAN], &t[BN_RVAR], 1e-5f,
                                                case_activation(run), leaky_alpha, &t[BN_Y]);
}

static clcnn_status exec_bn_bwd(clcnn_op_run *run)
{
    clcnn_tensor *t = run->t;
    return run->be->ops->batchnorm_backward(run->be, &t[BN_DY], &t[BN_X], &t[BN_GAMMA],
                                            &t[BN_BETA], &t[BN_SMEAN], &t[BN_SINV],
                                            case_activation(run), leaky_alpha, &t[BN_DX],
                                            &t[BN_DGAMMA], &t[BN_DBETA]);
}

/* x, gamma and beta of a normalization; a mean of 0.5 next to a spread of 2
 * tests the two-pass variance. */
static clcnn_status create_norm_inputs(clcnn_op_run *run)
{
    REAL(BN_X, op_run_in_shape(run), -0.5f, 1.5f);
    REAL(BN_GAMMA, op_run_per_channel(run), 0.5f, 1.5f);
    REAL(BN_BETA, op_run_per_channel(run), -1, 1);
    return CLCNN_OK;
}

/* The slots of a normalization's backward pass, then its forward. */
static clcnn_status create_norm_backward(clcnn_op_run *run,
                                         clcnn_status (*forward)(clcnn_op_run *run))
{
    REAL(BN_DY, op_run_in_shape(run), -1, 1);
    REAL(BN_DX, op_run_in_shape(run), 0, 0);
    REAL(BN_DGAMMA, op_run_per_channel(run), 0, 0);
    REAL(BN_DBETA, op_run_per_channel(run), 0, 0);
    OUTPUTS(BN_DX, BN_DGAMMA, BN_DBETA);
    return forward(run);
}

static clcnn_status create_bn(clcnn_op_run *run)
{
    clcnn_shape pc = op_run_per_channel(run);
    CLCNN_TRY(create_norm_inputs(run));
    REAL(BN_RMEAN, pc, -1, 1);
    REAL(BN_RVAR, pc, 0.5f, 2);
    REAL(BN_SMEAN, pc, 0, 0);
    REAL(BN_SINV, pc, 0, 0);
    REAL(BN_Y, op_run_in_shape(run), 0, 0);
    if (run->cs->op == CLCNN_OP_BN_TRAIN)
        OUTPUTS(BN_Y, BN_RMEAN, BN_RVAR, BN_SMEAN, BN_SINV);
    else if (run->cs->op == CLCNN_OP_BN_EVAL)
        OUTPUTS(BN_Y);
    else
        return create_norm_backward(run, exec_bn_train);
    return CLCNN_OK;
}

static clcnn_status exec_gn_fwd(clcnn_op_run *run)
{
    clcnn_tensor *t = run->t;
    return run->be->ops->groupnorm_forward(run->be, run->cs->groups, 1e-5f, &t[BN_X],
                                           &t[BN_GAMMA], &t[BN_BETA], &t[BN_SMEAN], &t[BN_SINV],
                                           &t[BN_Y]);
}

static clcnn_status exec_gn_bwd(clcnn_op_run *run)
{
    clcnn_tensor *t = run->t;
    return run->be->ops->groupnorm_backward(run->be, run->cs->groups, &t[BN_DY], &t[BN_X],
                                            &t[BN_GAMMA], &t[BN_SMEAN], &t[BN_SINV], &t[BN_DX],
                                            &t[BN_DGAMMA], &t[BN_DBETA]);
}

/* Group normalization reuses the batchnorm slots; the saved statistics are
 * per (image, group). Backward runs the forward first. */
static clcnn_status create_gn(clcnn_op_run *run)
{
    clcnn_shape per_group = clcnn_shape_make(run->cs->n, run->cs->groups, 1, 1);
    CLCNN_TRY(create_norm_inputs(run));
    REAL(BN_SMEAN, per_group, 0, 0);
    REAL(BN_SINV, per_group, 0, 0);
    REAL(BN_Y, op_run_in_shape(run), 0, 0);
    if (run->cs->op == CLCNN_OP_GN_BWD)
        return create_norm_backward(run, exec_gn_fwd);
    OUTPUTS(BN_Y, BN_SMEAN, BN_SINV);
    return CLCNN_OK;
}

/* ---- losses, optimizers, input normalization ---- */

/* n rows of c logits. */
static clcnn_status create_loss(clcnn_op_run *run)
{
    const clcnn_op_case *cs = run->cs;
    clcnn_shape logits = clcnn_shape_make(cs->n, cs->c, 1, 1);
    REAL(LOSS_Z, logits, -3, 3);
    CLCNN_TRY(op_run_make_int(run, LOSS_LABELS, clcnn_shape_make(cs->n, 1, 1, 1), CLCNN_I32,
                              cs->c));
    REAL(LOSS_DZ, logits, 0, 0);
    /* Non-zero start values: the op accumulates into stats. */
    REAL(LOSS_STATS, clcnn_shape_make(1, 2, 1, 1), 0.5f, 2);
    OUTPUTS(LOSS_DZ, LOSS_STATS);
    return CLCNN_OK;
}

static clcnn_status exec_loss(clcnn_op_run *run)
{
    clcnn_tensor *t = run->t;
    return run->be->ops->loss(run->be, (clcnn_loss_kind)run->cs->kind, run->cs->smoothing,
                              &t[LOSS_Z], &t[LOSS_LABELS], 1.0f / (float)run->cs->n,
                              &t[LOSS_DZ], &t[LOSS_STATS]);
}

static const char *loss_label(const clcnn_op_case *cs)
{
    static const char *const names[] = {"softmax ", "svm ", "bce "};
    return (unsigned)cs->kind < sizeof names / sizeof names[0] ? names[cs->kind] : "? ";
}

/* "loss softmax N128 C10 1x1", with " smoothing 0.1" when the case smooths. */
static void describe_loss(const clcnn_op_case *cs, char *buf, size_t size)
{
    char smoothing[32] = "";
    if (cs->smoothing > 0)
        snprintf(smoothing, sizeof smoothing, " smoothing %g", (double)cs->smoothing);
    snprintf(buf, size, "loss %sN%d C%d %dx%d%s", loss_label(cs), cs->n, cs->c, cs->h, cs->w,
             smoothing);
}

static clcnn_status create_optimizer(clcnn_op_run *run)
{
    clcnn_shape in = op_run_in_shape(run);
    REAL(OPT_W, in, -1, 1);
    REAL(OPT_G, in, -1, 1);
    /* Positive state: RMSprop's and Adam's squared-gradient averages. */
    REAL(OPT_M, in, run->cs->kind == CLCNN_OPT_RMSPROP ? 0 : -0.1f, 0.1f);
    REAL(OPT_V, in, 0, 0.1f);
    OUTPUTS(OPT_W, OPT_M, OPT_V);
    return CLCNN_OK;
}

static clcnn_status exec_optimizer(clcnn_op_run *run)
{
    const clcnn_op_case *cs = run->cs;
    clcnn_optimizer_step hp = {
        .kind = (clcnn_optimizer_kind)cs->kind, .lr = 0.01f, .momentum = 0.9f,
        .nesterov = (cs->flags & CLCNN_OPF_NESTEROV) != 0, .rho = 0.99f, .beta1 = 0.9f,
        .beta2 = 0.999f, .eps = 1e-8f, .l2 = 1e-3f, .weight_decay = 1e-4f, .step = 3};
    clcnn_tensor *t = run->t;
    return run->be->ops->optimizer_step(run->be, &hp, &t[OPT_W], &t[OPT_G], &t[OPT_M],
                                        &t[OPT_V]);
}

/* w and g, and the state the kind keeps (momentum and RMSprop one tensor,
 * Adam two), each read, and w and the state written. */
static double optimizer_bytes(const clcnn_op_run *run)
{
    int state = run->cs->kind == CLCNN_OPT_SGD ? 0 : run->cs->kind == CLCNN_OPT_ADAM ? 2 : 1;
    return (double)run->t[OPT_W].count * (double)clcnn_dtype_size(run->be, CLCNN_REAL) *
           (2 + state + 1 + state);
}

static const char *optimizer_label(const clcnn_op_case *cs)
{
    static const char *const names[] = {"sgd ", "momentum ", "rmsprop ", "adam "};
    if (cs->flags & CLCNN_OPF_NESTEROV)
        return "nesterov ";
    return (unsigned)cs->kind < sizeof names / sizeof names[0] ? names[cs->kind] : "? ";
}

/* ---- the table (the other ops' rows are in op_descs_tensor.c) ---- */

#define BN_IN (SLOT(BN_X) | SLOT(BN_GAMMA) | SLOT(BN_BETA))
#define BN_RUNNING (SLOT(BN_RMEAN) | SLOT(BN_RVAR))
#define BN_SAVED (SLOT(BN_SMEAN) | SLOT(BN_SINV))
#define BN_BWD_IN (SLOT(BN_DY) | SLOT(BN_X) | SLOT(BN_GAMMA) | BN_SAVED)
/* batchnorm's backward reads beta too, for its fused activation */
#define BN_BWD_OUT (SLOT(BN_DX) | SLOT(BN_DGAMMA) | SLOT(BN_DBETA))

const clcnn_op_desc clcnn_op_descs_nn[CLCNN_OP_COUNT] = {
    [CLCNN_OP_MAXPOOL_FWD] = {"maxpool_fwd", create_pool, exec_maxpool_fwd, TOL_EXACT,
                              .kind_tolerance = activation_tolerance, .reads = SLOT(X),
                              .writes = SLOT(Y) | SLOT(ARGMAX), .kind_label = activation_label},
    [CLCNN_OP_MAXPOOL_BWD] = {"maxpool_bwd", create_pool, exec_maxpool_bwd, TOL_EXACT,
                              .kind_tolerance = activation_tolerance,
                              .reads = SLOT(DY) | SLOT(ARGMAX), .writes = SLOT(DX),
                              .kind_label = activation_label},
    [CLCNN_OP_AVGPOOL_FWD] = {"avgpool_fwd", create_pool, exec_avgpool_fwd, TOL_EXACT,
                              .reads = SLOT(X), .writes = SLOT(Y)},
    [CLCNN_OP_AVGPOOL_BWD] = {"avgpool_bwd", create_pool, exec_avgpool_bwd, TOL_EXACT,
                              .reads = SLOT(DY), .writes = SLOT(DX)},
    [CLCNN_OP_BN_TRAIN] = {"bn_train_fwd", create_bn, exec_bn_train, TOL_REDUCE, .reduces = 1,
                           .reads = BN_IN | BN_RUNNING,
                           .writes = SLOT(BN_Y) | BN_RUNNING | BN_SAVED,
                           .kind_label = activation_label},
    [CLCNN_OP_BN_EVAL] = {"bn_eval_fwd", create_bn, exec_bn_eval, TOL_REDUCE,
                          .reads = BN_IN | BN_RUNNING, .writes = SLOT(BN_Y),
                          .kind_label = activation_label},
    [CLCNN_OP_BN_BWD] = {"bn_bwd", create_bn, exec_bn_bwd, TOL_REDUCE, .reduces = 1,
                         .reads = BN_BWD_IN | SLOT(BN_BETA), .writes = BN_BWD_OUT,
                         .kind_label = activation_label},
    [CLCNN_OP_GN_FWD] = {"gn_fwd", create_gn, exec_gn_fwd, TOL_REDUCE, .reduces = 1,
                         .reads = BN_IN, .writes = SLOT(BN_Y) | BN_SAVED},
    [CLCNN_OP_GN_BWD] = {"gn_bwd", create_gn, exec_gn_bwd, TOL_REDUCE, .reduces = 1,
                         .reads = BN_BWD_IN, .writes = BN_BWD_OUT},
    [CLCNN_OP_ACT_FWD] = {"act_fwd", op_run_create_x_y, exec_act_fwd, TOL_EXACT,
                          .kind_tolerance = activation_tolerance, .reads = SLOT(X),
                          .writes = SLOT(Y), .kind_label = activation_label},
    [CLCNN_OP_ACT_BWD] = {"act_bwd", create_act_bwd, exec_act_bwd, TOL_EXACT,
                          .kind_tolerance = activation_tolerance,
                          .reads = SLOT(Y) | SLOT(DY), .writes = SLOT(DX),
                          .kind_label = activation_label},
    [CLCNN_OP_DROPOUT_FWD] = {"dropout_fwd", op_run_create_x_y, exec_dropout_fwd, TOL_EXACT,
                              .reads = SLOT(X), .writes = SLOT(Y)},
    [CLCNN_OP_DROPOUT_BWD] = {"dropout_bwd", op_run_create_dy_dx, exec_dropout_bwd, TOL_EXACT,
                              .reads = SLOT(DY), .writes = SLOT(DX)},
    [CLCNN_OP_LOSS] = {"loss", create_loss, exec_loss, TOL_ELEMENT, .reduces = 1,
                       .reads = SLOT(LOSS_Z) | SLOT(LOSS_LABELS) | SLOT(LOSS_STATS),
                       .writes = SLOT(LOSS_DZ) | SLOT(LOSS_STATS), .kind_label = loss_label,
                       .describe = describe_loss},
    [CLCNN_OP_OPTIMIZER] = {"optimizer", create_optimizer, exec_optimizer, TOL_ELEMENT,
                            .bytes = optimizer_bytes, .kind_label = optimizer_label},
};
