/* Gradient checks of every op with a backward, alone, on the double
 * reference backend ("ref64"), and float-vs-double agreement of "ref" and
 * "ref64" on forward ops.
 *
 * Each check builds a random scalar objective L = sum(y * r) over the op's
 * output y with fixed random weights r, runs the backward with dy = r for the
 * analytic gradient a, and compares every entry with the central difference
 *   n = sum_j r_j * (y_j(p + h) - y_j(p - h)) / (2h),  h = 1e-5
 * (differences taken per output before summing, so outputs the entry does not
 * touch contribute exactly 0 instead of rounding noise). The relative error
 * |a - n| / max(|a| + |n|, TINY) must be at most 1e-7 for every entry. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/backend.h"
#include "test_files.h"

#define STEP 1e-5
#define MAX_REL_ERROR 1e-7
/* Below this, |a| + |n| counts as 0: entries whose gradient is exactly 0
 * (a dead ReLU, a pixel no max pool picked) give 0/TINY = 0. */
#define TINY 1e-12

static clcnn_backend *be;
static uint32_t rng_state;

/* Uniform in [lo, hi), from a fixed xorshift sequence. */
static float uniform(float lo, float hi)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return lo + (hi - lo) * (float)(rng_state >> 8) / 16777216.0f;
}

/* Every tensor of a test comes from this pool and is freed by the teardown. */
enum { POOL_SIZE = 64 };
static clcnn_tensor pool[POOL_SIZE];
static int pool_used;

static clcnn_tensor *make(clcnn_shape shape, clcnn_dtype dtype, const char *name)
{
    ck_assert_int_lt(pool_used, POOL_SIZE);
    clcnn_tensor *t = &pool[pool_used++];
    ck_assert_int_eq(clcnn_tensor_alloc(be, t, shape, dtype, name), CLCNN_OK);
    return t;
}

/* A REAL tensor filled with uniform values in [lo, hi). */
static clcnn_tensor *make_random(clcnn_shape shape, float lo, float hi, const char *name)
{
    clcnn_tensor *t = make(shape, CLCNN_REAL, name);
    float *values = malloc(t->count * sizeof *values);
    for (size_t i = 0; i < t->count; i++)
        values[i] = uniform(lo, hi);
    ck_assert_int_eq(clcnn_tensor_upload(t, 0, t->count, values), CLCNN_OK);
    free(values);
    return t;
}

static void free_pool(void)
{
    while (pool_used > 0)
        clcnn_tensor_free(&pool[--pool_used]);
}

static double *data(const clcnn_tensor *t) { return clcnn_tensor_host_data(t); }

static void ok(clcnn_status st) { ck_assert_msg(st == CLCNN_OK, "%s", clcnn_last_error()); }

/* Compare the analytic gradient grad of param with central differences of
 * sum(y * r), where forward() recomputes y from the current parameters. */
static void check_gradient(const char *what, void (*forward)(void), const clcnn_tensor *y,
                           const clcnn_tensor *r, clcnn_tensor *param, const clcnn_tensor *grad)
{
    double *p = data(param), *ys = data(y);
    const double *a = data(grad), *rs = data(r);
    double *y_plus = malloc(y->count * sizeof *y_plus);
    double worst = 0, worst_a = 0, worst_n = 0;
    size_t worst_i = 0;
    for (size_t i = 0; i < param->count; i++) {
        const double saved = p[i];
        p[i] = saved + STEP;
        forward();
        memcpy(y_plus, ys, y->count * sizeof *y_plus);
        p[i] = saved - STEP;
        forward();
        p[i] = saved;
        double n = 0;
        for (size_t j = 0; j < y->count; j++)
            n += rs[j] * (y_plus[j] - ys[j]);
        n /= 2 * STEP;
        double rel = fabs(a[i] - n) / fmax(fabs(a[i]) + fabs(n), TINY);
        if (rel > worst) {
            worst = rel;
            worst_i = i;
            worst_a = a[i];
            worst_n = n;
        }
    }
    free(y_plus);
    forward();
    ck_assert_msg(worst <= MAX_REL_ERROR,
                  "%s: relative error %.3g at entry %zu (analytic %.12g, numeric %.12g)", what,
                  worst, worst_i, worst_a, worst_n);
}

static void setup_ref64(void)
{
    ok(clcnn_backend_ref64_create(&be));
    rng_state = 0x2545F491u;
}

static void teardown(void)
{
    free_pool();
    clcnn_backend_destroy(be);
}

/* ---------------- convolution: im2col + GEMM + cnp_to_nchw with bias ----------------
 * 3 images of 3 x 7 x 5, 4 filters of 3 x 2, stride 2, padding 1: output
 * 4 x 4 x 3. Processed in two chunks (images 0-1, then image 2) through a
 * column buffer sized for two images. */
enum { CONV_N = 3, CONV_C = 3, CONV_F = 4, CONV_CHUNK = 2 };
static clcnn_window conv_win;
static clcnn_tensor *cx, *cw, *cb, *cy, *ccol, *ccnp;

static void conv_forward(void)
{
    const int ckk = CONV_C * conv_win.kh * conv_win.kw, P = conv_win.oh * conv_win.ow;
    for (int n0 = 0; n0 < CONV_N; n0 += CONV_CHUNK) {
        int nb = CONV_N - n0 < CONV_CHUNK ? CONV_N - n0 : CONV_CHUNK;
        ok(be->ops->im2col(be, &conv_win, cx, n0, nb, ckk, ccol));
        ok(be->ops->gemm(be, 0, 0, CONV_F, nb * P, ckk, 1.0f, cw, 0, ckk, ccol, 0, nb * P, 0.0f,
                         ccnp, 0, nb * P));
        ok(be->ops->cnp_to_nchw(be, ccnp, cb, n0, nb, cy));
    }
}

START_TEST(conv_gradients)
{
    ok(clcnn_window_init(&conv_win, CONV_C, 7, 5, 3, 2, 2, 2, 1, 1));
    ck_assert_int_eq(conv_win.oh, 4);
    ck_assert_int_eq(conv_win.ow, 3);
    const int ckk = CONV_C * conv_win.kh * conv_win.kw, P = conv_win.oh * conv_win.ow;
    cx = make_random(clcnn_shape_make(CONV_N, CONV_C, 7, 5), -1, 1, "x");
    cw = make_random(clcnn_shape_make(CONV_F, CONV_C, 3, 2), -1, 1, "w");
    cb = make_random(clcnn_shape_make(1, CONV_F, 1, 1), -1, 1, "b");
    cy = make(clcnn_shape_make(CONV_N, CONV_F, 4, 3), CLCNN_REAL, "y");
    ccol = make(clcnn_shape_make(1, 1, ckk, CONV_CHUNK * P), CLCNN_REAL, "col");
    ccnp = make(clcnn_shape_make(1, 1, CONV_F, CONV_CHUNK * P), CLCNN_REAL, "cnp");
    clcnn_tensor *r = make_random(cy->shape, -1, 1, "r");
    clcnn_tensor *dx = make(cx->shape, CLCNN_REAL, "dx");
    clcnn_tensor *dw = make(cw->shape, CLCNN_REAL, "dw");
    clcnn_tensor *db = make(cb->shape, CLCNN_REAL, "db");
    clcnn_tensor *dcol = make(ccol->shape, CLCNN_REAL, "dcol");
    clcnn_tensor *dcnp = make(ccnp->shape, CLCNN_REAL, "dcnp");

    /* Backward per chunk: dcnp from dy; dW += dcnp * col^T; dcol = W^T * dcnp;
     * dx images = col2im(dcol); db over the whole batch. */
    for (int n0 = 0; n0 < CONV_N; n0 += CONV_CHUNK) {
        int nb = CONV_N - n0 < CONV_CHUNK ? CONV_N - n0 : CONV_CHUNK;
        ok(be->ops->im2col(be, &conv_win, cx, n0, nb, ckk, ccol));
        ok(be->ops->nchw_to_cnp(be, r, n0, nb, dcnp));
        ok(be->ops->gemm(be, 0, 1, CONV_F, ckk, nb * P, 1.0f, dcnp, 0, nb * P, ccol, 0, nb * P,
                         n0 == 0 ? 0.0f : 1.0f, dw, 0, ckk));
        ok(be->ops->gemm(be, 1, 0, ckk, nb * P, CONV_F, 1.0f, cw, 0, ckk, dcnp, 0, nb * P, 0.0f,
                         dcol, 0, nb * P));
        ok(be->ops->col2im(be, &conv_win, dcol, n0, nb, dx));
    }
    ok(be->ops->bias_backward(be, r, db));

    check_gradient("conv dx", conv_forward, cy, r, cx, dx);
    check_gradient("conv dW", conv_forward, cy, r, cw, dw);
    check_gradient("conv db", conv_forward, cy, r, cb, db);
}
END_TEST

/* ---------------- fully connected: y = x W^T + b ---------------- */
static clcnn_tensor *fx, *fw, *fb, *fy;

static void fc_forward(void)
{
    ok(be->ops->gemm(be, 0, 1, 5, 3, 7, 1.0f, fx, 0, 7, fw, 0, 7, 0.0f, fy, 0, 3));
    ok(be->ops->add_bias(be, fb, fy));
}

START_TEST(fc_gradients)
{
    fx = make_random(clcnn_shape_make(5, 7, 1, 1), -1, 1, "x");
    fw = make_random(clcnn_shape_make(3, 7, 1, 1), -1, 1, "w");
    fb = make_random(clcnn_shape_make(1, 3, 1, 1), -1, 1, "b");
    fy = make(clcnn_shape_make(5, 3, 1, 1), CLCNN_REAL, "y");
    clcnn_tensor *r = make_random(fy->shape, -1, 1, "r");
    clcnn_tensor *dx = make(fx->shape, CLCNN_REAL, "dx");
    clcnn_tensor *dw = make(fw->shape, CLCNN_REAL, "dw");
    clcnn_tensor *db = make(fb->shape, CLCNN_REAL, "db");
    ok(be->ops->gemm(be, 0, 0, 5, 7, 3, 1.0f, r, 0, 3, fw, 0, 7, 0.0f, dx, 0, 7)); /* dy W */
    ok(be->ops->gemm(be, 1, 0, 3, 7, 5, 1.0f, r, 0, 3, fx, 0, 7, 0.0f, dw, 0, 7)); /* dy^T x */
    ok(be->ops->bias_backward(be, r, db));
    check_gradient("fc dx", fc_forward, fy, r, fx, dx);
    check_gradient("fc dW", fc_forward, fy, r, fw, dw);
    check_gradient("fc db", fc_forward, fy, r, fb, db);
}
END_TEST

/* ---------------- pooling: 2 x 2 x 5 x 6, 3x2 windows, stride 2, pad 1 ---------------- */
static clcnn_window pool_win;
static clcnn_tensor *px, *py, *parg;
static clcnn_activation pool_act; /* the activation before the pooling, fused in */

static void maxpool_forward(void)
{
    ok(be->ops->maxpool_forward(be, &pool_win, pool_act, 0.1f, px, py, parg));
}
static void avgpool_forward(void) { ok(be->ops->avgpool_forward(be, &pool_win, px, py)); }

static void pool_setup(void)
{
    ok(clcnn_window_init(&pool_win, 2, 5, 6, 3, 2, 2, 2, 1, 1));
    /* random inputs: ties (which have no derivative) do not occur */
    px = make_random(clcnn_shape_make(2, 2, 5, 6), -1, 1, "x");
    py = make(clcnn_shape_make(2, 2, pool_win.oh, pool_win.ow), CLCNN_REAL, "y");
    parg = make(py->shape, CLCNN_I32, "argmax");
}

/* Loop index _i: no activation, then relu, leaky relu and sigmoid fused in. */
START_TEST(maxpool_gradient)
{
    const clcnn_activation kinds[4] = {CLCNN_ACT_NONE, CLCNN_ACT_RELU, CLCNN_ACT_LEAKY_RELU,
                                       CLCNN_ACT_SIGMOID};
    const char *names[4] = {"maxpool dx", "relu+maxpool dx", "leaky relu+maxpool dx",
                            "sigmoid+maxpool dx"};
    pool_act = kinds[_i];
    pool_setup();
    clcnn_tensor *r = make_random(py->shape, -1, 1, "r");
    clcnn_tensor *dx = make(px->shape, CLCNN_REAL, "dx");
    maxpool_forward();
    ok(be->ops->maxpool_backward(be, &pool_win, pool_act, 0.1f, py, r, parg, dx));
    check_gradient(names[_i], maxpool_forward, py, r, px, dx);
}
END_TEST

START_TEST(avgpool_gradient)
{
    pool_setup();
    clcnn_tensor *r = make_random(py->shape, -1, 1, "r");
    clcnn_tensor *dx = make(px->shape, CLCNN_REAL, "dx");
    ok(be->ops->avgpool_backward(be, &pool_win, r, dx));
    check_gradient("avgpool dx", avgpool_forward, py, r, px, dx);
}
END_TEST

/* ---------------- batch normalization (training statistics) ---------------- */
static clcnn_tensor *bx, *bgamma, *bbeta, *brm, *brv, *bmean, *binvstd, *by;
static clcnn_activation bn_act; /* the activation fused into the op */

static void bn_forward(void)
{
    ok(be->ops->batchnorm_forward_train(be, bx, bgamma, bbeta, 0.1f, 1e-5f, bn_act, 0.1f, brm,
                                        brv, bmean, binvstd, by));
}

static void bn_check(clcnn_shape shape, const char *what)
{
    clcnn_shape per_channel = clcnn_shape_make(1, shape.c, 1, 1);
    bx = make_random(shape, -2, 3, "x");
    bgamma = make_random(per_channel, 0.5f, 2, "gamma");
    bbeta = make_random(per_channel, -1, 1, "beta");
    brm = make(per_channel, CLCNN_REAL, "running_mean");
    brv = make(per_channel, CLCNN_REAL, "running_var");
    bmean = make(per_channel, CLCNN_REAL, "save_mean");
    binvstd = make(per_channel, CLCNN_REAL, "save_invstd");
    by = make(shape, CLCNN_REAL, "y");
    clcnn_tensor *r = make_random(shape, -1, 1, "r"), *dx = make(shape, CLCNN_REAL, "dx");
    clcnn_tensor *dgamma = make(per_channel, CLCNN_REAL, "dgamma");
    clcnn_tensor *dbeta = make(per_channel, CLCNN_REAL, "dbeta");
    bn_forward();
    ok(be->ops->batchnorm_backward(be, r, bx, bgamma, bbeta, bmean, binvstd, bn_act, 0.1f, dx,
                                   dgamma, dbeta));
    check_gradient(what, bn_forward, by, r, bx, dx);
    check_gradient(what, bn_forward, by, r, bgamma, dgamma);
    check_gradient(what, bn_forward, by, r, bbeta, dbeta);
}

START_TEST(batchnorm_spatial_gradients)
{
    bn_act = CLCNN_ACT_NONE;
    bn_check(clcnn_shape_make(4, 3, 3, 2), "bn spatial");
}
END_TEST

START_TEST(batchnorm_per_feature_gradients)
{
    bn_act = CLCNN_ACT_NONE;
    bn_check(clcnn_shape_make(6, 5, 1, 1), "bn 1d");
}
END_TEST

/* The activation that follows, fused into the op: backward recomputes z
 * from x for the activation's derivative. Loop index _i: relu, leaky relu,
 * sigmoid. */
START_TEST(batchnorm_fused_activation_gradients)
{
    const clcnn_activation kinds[3] = {CLCNN_ACT_RELU, CLCNN_ACT_LEAKY_RELU, CLCNN_ACT_SIGMOID};
    const char *names[3] = {"bn+relu", "bn+leaky relu", "bn+sigmoid"};
    bn_act = kinds[_i];
    bn_check(clcnn_shape_make(4, 3, 3, 2), names[_i]);
}
END_TEST

/* ---------------- activations and dropout (2 x 3 x 4 x 5) ---------------- */
static clcnn_tensor *ax, *ay;
static clcnn_activation act_kind;

static void activation_forward(void)
{
    ok(be->ops->activation_forward(be, act_kind, 0.1f, ax, ay));
}

static void dropout_forward(void) { ok(be->ops->dropout_forward(be, 0.4f, 11, 3, ax, ay)); }

START_TEST(activation_gradients)
{
    const clcnn_activation kinds[3] = {CLCNN_ACT_RELU, CLCNN_ACT_LEAKY_RELU, CLCNN_ACT_SIGMOID};
    const char *names[3] = {"relu", "leaky relu", "sigmoid"};
    act_kind = kinds[_i];
    ax = make_random(clcnn_shape_make(2, 3, 4, 5), -3, 3, "x");
    ay = make(ax->shape, CLCNN_REAL, "y");
    clcnn_tensor *r = make_random(ax->shape, -1, 1, "r");
    clcnn_tensor *dx = make(ax->shape, CLCNN_REAL, "dx");
    activation_forward();
    ok(be->ops->activation_backward(be, act_kind, 0.1f, ay, r, dx));
    check_gradient(names[_i], activation_forward, ay, r, ax, dx);
}
END_TEST

START_TEST(dropout_gradient)
{
    ax = make_random(clcnn_shape_make(2, 3, 4, 5), -3, 3, "x");
    ay = make(ax->shape, CLCNN_REAL, "y");
    clcnn_tensor *r = make_random(ax->shape, -1, 1, "r");
    clcnn_tensor *dx = make(ax->shape, CLCNN_REAL, "dx");
    ok(be->ops->dropout_backward(be, 0.4f, 11, 3, r, dx)); /* same seed and step: same mask */
    check_gradient("dropout", dropout_forward, ay, r, ax, dx);
}
END_TEST

/* ---------------- losses: 5 samples, 4 classes; y = stats, r = (1, 0) ---------------- */
static clcnn_tensor *llogits, *llabels, *lstats;
static clcnn_loss_kind loss_kind;

static void loss_forward(void)
{
    ok(be->ops->fill(be, lstats, 0));
    ok(be->ops->loss(be, loss_kind, 0.0f, llogits, llabels, 1.0f, NULL, lstats));
}

START_TEST(loss_gradients)
{
    const clcnn_loss_kind kinds[3] = {CLCNN_LOSS_SOFTMAX, CLCNN_LOSS_SVM, CLCNN_LOSS_BCE};
    const char *names[3] = {"softmax loss", "svm loss", "bce loss"};
    loss_kind = kinds[_i];
    llogits = make_random(clcnn_shape_make(5, 4, 1, 1), -2, 2, "logits");
    llabels = make(clcnn_shape_make(5, 1, 1, 1), CLCNN_I32, "labels");
    ok(clcnn_tensor_upload(llabels, 0, 5, (const int32_t[]){0, 3, 1, 1, 2}));
    lstats = make(clcnn_shape_make(1, 2, 1, 1), CLCNN_REAL, "stats");
    clcnn_tensor *r = make(lstats->shape, CLCNN_REAL, "r");
    ok(clcnn_tensor_upload(r, 0, 2, (const float[]){1, 0}));
    clcnn_tensor *dlogits = make(llogits->shape, CLCNN_REAL, "dlogits");
    ok(be->ops->loss(be, loss_kind, 0.0f, llogits, llabels, 1.0f, dlogits, lstats));
    check_gradient(names[_i], loss_forward, lstats, r, llogits, dlogits);
}
END_TEST

/* ---------------- float vs double ---------------- */

/* Runs a conv forward (im2col + GEMM + bias) and a batch-norm forward on
 * backend b from the same float inputs; returns the two outputs in out. */
static void forward_pair(clcnn_backend *b, float *conv_out, float *bn_out)
{
    be = b;
    rng_state = 99;
    clcnn_window win;
    ok(clcnn_window_init(&win, 8, 9, 9, 5, 5, 1, 1, 2, 2));
    const int ckk = 8 * 25, P = 81;
    clcnn_tensor *x = make_random(clcnn_shape_make(2, 8, 9, 9), -1, 1, "x");
    clcnn_tensor *w = make_random(clcnn_shape_make(6, 8, 5, 5), -0.2f, 0.2f, "w");
    clcnn_tensor *bias = make_random(clcnn_shape_make(1, 6, 1, 1), -1, 1, "b");
    clcnn_tensor *col = make(clcnn_shape_make(1, 1, ckk, 2 * P), CLCNN_REAL, "col");
    clcnn_tensor *cnp = make(clcnn_shape_make(1, 1, 6, 2 * P), CLCNN_REAL, "cnp");
    clcnn_tensor *y = make(clcnn_shape_make(2, 6, 9, 9), CLCNN_REAL, "y");
    ok(be->ops->im2col(be, &win, x, 0, 2, ckk, col));
    ok(be->ops->gemm(be, 0, 0, 6, 2 * P, ckk, 1.0f, w, 0, ckk, col, 0, 2 * P, 0.0f, cnp, 0,
                     2 * P));
    ok(be->ops->cnp_to_nchw(be, cnp, bias, 0, 2, y));
    ok(clcnn_tensor_download(y, 0, y->count, conv_out));

    clcnn_shape c6 = clcnn_shape_make(1, 6, 1, 1);
    clcnn_tensor *gamma = make_random(c6, 0.5f, 2, "gamma");
    clcnn_tensor *beta = make_random(c6, -1, 1, "beta");
    clcnn_tensor *rm = make(c6, CLCNN_REAL, "rm"), *rv = make(c6, CLCNN_REAL, "rv");
    clcnn_tensor *sm = make(c6, CLCNN_REAL, "sm"), *si = make(c6, CLCNN_REAL, "si");
    ok(be->ops->batchnorm_forward_train(be, y, gamma, beta, 0.1f, 1e-5f, CLCNN_ACT_NONE, 0, rm,
                                        rv, sm, si, y));
    ok(clcnn_tensor_download(y, 0, y->count, bn_out));
}

START_TEST(float_matches_double)
{
    enum { COUNT = 2 * 6 * 81 };
    float conv32[COUNT], conv64[COUNT], bn32[COUNT], bn64[COUNT];
    clcnn_backend *f32, *f64;
    ok(clcnn_backend_ref_create(&f32));
    ok(clcnn_backend_ref64_create(&f64));
    forward_pair(f32, conv32, bn32);
    forward_pair(f64, conv64, bn64);
    /* Each conv output sums 200 products of float inputs; float rounding
     * leaves a relative error of a few 1e-7 of the terms' magnitude (<= 40).
     * BN outputs are O(3) from statistics kept in double. 1e-5 absolute
     * bounds both with a margin; a wrong index would be off by O(1). */
    for (int i = 0; i < COUNT; i++) {
        ck_assert_msg(fabs(conv32[i] - conv64[i]) <= 1e-5, "conv %d: float %.9g double %.9g", i,
                      conv32[i], conv64[i]);
        ck_assert_msg(fabs(bn32[i] - bn64[i]) <= 1e-5, "bn %d: float %.9g double %.9g", i,
                      bn32[i], bn64[i]);
    }
    free_pool();
    clcnn_backend_destroy(f32);
    clcnn_backend_destroy(f64);
}
END_TEST

static Suite *ref_gradcheck_suite(void)
{
    Suite *s = suite_create("ref_gradcheck");
    TCase *grad = tcase_create("gradients");
    tcase_add_checked_fixture(grad, setup_ref64, teardown);
    tcase_set_timeout(grad, 60);
    tcase_add_test(grad, conv_gradients);
    tcase_add_test(grad, fc_gradients);
    tcase_add_loop_test(grad, maxpool_gradient, 0, 4);
    tcase_add_test(grad, avgpool_gradient);
    tcase_add_test(grad, batchnorm_spatial_gradients);
    tcase_add_test(grad, batchnorm_per_feature_gradients);
    tcase_add_loop_test(grad, batchnorm_fused_activation_gradients, 0, 3);
    tcase_add_loop_test(grad, activation_gradients, 0, 3);
    tcase_add_test(grad, dropout_gradient);
    tcase_add_loop_test(grad, loss_gradients, 0, 3);
    suite_add_tcase(s, grad);

    TCase *precision = tcase_create("precision");
    tcase_add_test(precision, float_matches_double);
    suite_add_tcase(s, precision);
    return s;
}

int main(void)
{
    return test_run_suite(ref_gradcheck_suite());
}
