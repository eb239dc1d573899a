/* The "cl" backend's ops against the "ref" backend: the whole op-case table
 * (host/check/op_cases.c, tolerances by op class in host/check/op_descs_*.c),
 * again with work-groups capped at 1 and 64 items (the quick subset, and
 * every case of each op that reduces over work-groups: reductions must work
 * for any power-of-two size), with every GPU decision on this device
 * (CLCNN_DEVICE_SHAPE=gpu: one element per work-item in the row kernels,
 * CLBlast's own transposes) and with row runs that do not divide the rows
 * (CLCNN_ROW_RUN=3), and
 * the edge cases that random inputs never hit:
 * maxpool ties, dropout at p = 0 and p ~ 1, batch norm of a constant
 * channel, losses on logits of +-1e4, and a dropout mask bit-identical to
 * the reference's. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/device.h"
#include "clcnn/op_cases.h"
#include "test_files.h"

static clcnn_backend *cl, *ref;

static void open_backends(void)
{
    ck_assert_msg(clcnn_backend_cl_create(NULL, &cl) == CLCNN_OK, "%s", clcnn_last_error());
    ck_assert_msg(clcnn_backend_ref_create(&ref) == CLCNN_OK, "%s", clcnn_last_error());
}

static void close_backends(void)
{
    clcnn_backend_destroy(cl);
    clcnn_backend_destroy(ref);
    cl = ref = NULL;
    /* set by the capped runs; CK_FORK=no shares the environment */
    unsetenv("CLCNN_MAX_WORK_GROUP");
    unsetenv("CLCNN_ROW_RUN");
}

#define OK(expr) ck_assert_msg((expr) == CLCNN_OK, "%s: %s", #expr, clcnn_last_error())

/* Run the cases that select picks (NULL: all) on cl against ref; every one
 * must pass. Returns the number run. */
static int run_table(int (*select)(const clcnn_op_case *cs), const char *setting)
{
    char failures[4096] = "";
    int failed = 0, ran = 0;
    for (int i = 0; i < clcnn_op_case_count(); i++) {
        const clcnn_op_case *cs = clcnn_op_case_at(i);
        if (select && !select(cs))
            continue;
        char name[96];
        clcnn_op_case_name(cs, name, sizeof name);
        double error;
        clcnn_status st = clcnn_op_case_check(cs, cl, ref, 42u + (uint32_t)i, &error);
        ran++;
        if (st == CLCNN_OK && error <= clcnn_op_case_tolerance(cs))
            continue;
        failed++;
        size_t used = strlen(failures);
        if (st != CLCNN_OK)
            snprintf(failures + used, sizeof failures - used, "\n  %s: %s", name,
                     clcnn_last_error());
        else
            snprintf(failures + used, sizeof failures - used,
                     "\n  %s: normalized error %.3g > tolerance %.3g", name, error,
                     clcnn_op_case_tolerance(cs));
    }
    ck_assert_int_gt(ran, 0);
    ck_assert_msg(failed == 0, "%d of %d op cases failed on %s%s:%s", failed, ran,
                  clcnn_backend_cl_device(cl)->name, setting, failures);
    return ran;
}

/* The quick subset, and every shape of the ops that reduce over work-groups
 * (a whole channel per work-item at cap 1). */
static int quick_or_reducing(const clcnn_op_case *cs)
{
    return cs->quick || clcnn_op_reduces(cs->op);
}

START_TEST(table_matches_reference)
{
    open_backends();
    run_table(NULL, "");
    close_backends();
}
END_TEST

/* The settings apply when the backend is created, so set them first. */
START_TEST(table_matches_reference_with_group_cap)
{
    const char *cap = _i == 0 ? "1" : "64";
    setenv("CLCNN_MAX_WORK_GROUP", cap, 1);
    /* The whole suite may run in the GPU shape already (.ci/implementations);
     * the shape it was given comes back after this test (CK_FORK=no). */
    const char *given = getenv("CLCNN_DEVICE_SHAPE");
    char shape[16];
    snprintf(shape, sizeof shape, "%s", given ? given : "");
    if (_i == 0)
        setenv("CLCNN_ROW_RUN", "3", 1);
    else
        setenv("CLCNN_DEVICE_SHAPE", "gpu", 1);
    open_backends();
    if (_i == 1)
        ck_assert_int_eq(clcnn_backend_cl_device(cl)->gpu_shape, 1);
    ck_assert_uint_eq(clcnn_backend_cl_device(cl)->max_work_group_size, (unsigned)atoi(cap));
    char setting[48];
    snprintf(setting, sizeof setting, " with work-groups of %s", cap);
    run_table(quick_or_reducing, setting);
    close_backends();
    if (given)
        setenv("CLCNN_DEVICE_SHAPE", shape, 1);
    else
        unsetenv("CLCNN_DEVICE_SHAPE");
}
END_TEST

/* ---- edge cases, each on both backends ---- */

static clcnn_tensor make(clcnn_backend *be, clcnn_shape shape, clcnn_dtype dtype,
                         const void *values)
{
    clcnn_tensor t;
    OK(clcnn_tensor_alloc(be, &t, shape, dtype, "test tensor"));
    if (values)
        OK(clcnn_tensor_upload(&t, 0, t.count, values));
    return t;
}

static float *download(const clcnn_tensor *t)
{
    float *v = malloc(t->count * sizeof *v);
    ck_assert_ptr_nonnull(v);
    OK(clcnn_tensor_download(t, 0, t->count, v));
    return v;
}

START_TEST(maxpool_ties_go_to_the_first_and_padding_never_wins)
{
    open_backends();
    /* A 4x4 plane of equal negative values: every window is a tie, and zero
     * padding would win if it took part. Window 3x3, stride 2, padding 1. */
    float x[16];
    for (int i = 0; i < 16; i++)
        x[i] = -2.0f;
    clcnn_window win;
    OK(clcnn_window_init(&win, 1, 4, 4, 3, 3, 2, 2, 1, 1));
    const int expected_argmax[4] = {0, 1, 4, 5}; /* first real pixel of each window */
    clcnn_backend *backends[2] = {cl, ref};
    for (int b = 0; b < 2; b++) {
        clcnn_backend *be = backends[b];
        clcnn_tensor tx = make(be, clcnn_shape_make(1, 1, 4, 4), CLCNN_REAL, x);
        clcnn_tensor ty = make(be, clcnn_shape_make(1, 1, 2, 2), CLCNN_REAL, NULL);
        clcnn_tensor targ = make(be, clcnn_shape_make(1, 1, 2, 2), CLCNN_I32, NULL);
        OK(be->ops->maxpool_forward(be, &win, CLCNN_ACT_NONE, 0, &tx, &ty, &targ));
        float *y = download(&ty);
        int32_t arg[4];
        OK(clcnn_tensor_download(&targ, 0, 4, arg));
        for (int i = 0; i < 4; i++) {
            ck_assert_msg(y[i] == -2.0f, "%s: y[%d] = %g", be->name, i, (double)y[i]);
            ck_assert_msg(arg[i] == expected_argmax[i], "%s: argmax[%d] = %d, expected %d",
                          be->name, i, arg[i], expected_argmax[i]);
        }
        /* Backward: each window's gradient lands on its first pixel only. */
        const float dy[4] = {1, 10, 100, 1000};
        clcnn_tensor tdy = make(be, clcnn_shape_make(1, 1, 2, 2), CLCNN_REAL, dy);
        OK(be->ops->maxpool_backward(be, &win, CLCNN_ACT_NONE, 0, NULL, &tdy, &targ, &tx));
        float *dx = download(&tx);
        for (int i = 0; i < 16; i++) {
            float want = i == 0 ? 1 : i == 1 ? 10 : i == 4 ? 100 : i == 5 ? 1000 : 0;
            ck_assert_msg(dx[i] == want, "%s: dx[%d] = %g, expected %g", be->name, i,
                          (double)dx[i], (double)want);
        }
        free(y);
        free(dx);
        clcnn_tensor_free(&tx);
        clcnn_tensor_free(&ty);
        clcnn_tensor_free(&targ);
        clcnn_tensor_free(&tdy);
    }
    close_backends();
}
END_TEST

enum { DROP_N = 65539 }; /* not a multiple of any work-group size */

/* Dropout of x (all ones) at p on be; returns the downloaded y. */
static float *dropout_ones(clcnn_backend *be, float p, uint32_t seed, uint32_t step)
{
    float *ones = malloc(DROP_N * sizeof *ones);
    ck_assert_ptr_nonnull(ones);
    for (int i = 0; i < DROP_N; i++)
        ones[i] = 1.0f;
    clcnn_tensor x = make(be, clcnn_shape_make(DROP_N, 1, 1, 1), CLCNN_REAL, ones);
    clcnn_tensor y = make(be, clcnn_shape_make(DROP_N, 1, 1, 1), CLCNN_REAL, NULL);
    OK(be->ops->dropout_forward(be, p, seed, step, &x, &y));
    float *out = download(&y);
    clcnn_tensor_free(&x);
    clcnn_tensor_free(&y);
    free(ones);
    return out;
}

START_TEST(dropout_mask_is_bit_identical_to_the_reference)
{
    open_backends();
    const float p = 0.5f;
    const uint32_t seed = 99u, step = 5u, threshold = clcnn_dropout_threshold(p);
    float *a = dropout_ones(cl, p, seed, step), *b = dropout_ones(ref, p, seed, step);
    int kept = 0;
    for (int i = 0; i < DROP_N; i++) {
        int want = clcnn_dropout_hash(seed, step, (uint32_t)i) >= threshold;
        ck_assert_msg((a[i] != 0) == want, "cl: element %d kept=%d, hash says %d", i, a[i] != 0,
                      want);
        ck_assert_msg(a[i] == b[i], "element %d: cl %g, ref %g", i, (double)a[i], (double)b[i]);
        kept += want;
    }
    /* ~half kept: 65539 * 0.5 +- 5 standard deviations (128). */
    ck_assert_int_gt(kept, DROP_N / 2 - 640);
    ck_assert_int_lt(kept, DROP_N / 2 + 640);
    free(a);
    free(b);
    close_backends();
}
END_TEST

START_TEST(dropout_extremes_stay_finite)
{
    open_backends();
    /* p = 0 keeps everything unscaled. */
    float *a = dropout_ones(cl, 0.0f, 1u, 2u);
    for (int i = 0; i < DROP_N; i++)
        ck_assert_msg(a[i] == 1.0f, "p=0: y[%d] = %g", i, (double)a[i]);
    free(a);
    /* p = 1 - 1e-6 drops nearly all; the few kept are scaled by ~1e6, finite. */
    const float p = 1.0f - 1e-6f;
    a = dropout_ones(cl, p, 1u, 2u);
    float *b = dropout_ones(ref, p, 1u, 2u);
    int kept = 0;
    for (int i = 0; i < DROP_N; i++) {
        ck_assert_msg(isfinite(a[i]), "p~1: y[%d] = %g", i, (double)a[i]);
        /* The scale 1/(1-p) is computed the same way on both: equal to 1e-6 relative. */
        ck_assert_msg(fabsf(a[i] - b[i]) <= 1e-6f * fabsf(b[i]), "p~1: y[%d]: cl %g, ref %g", i,
                      (double)a[i], (double)b[i]);
        kept += a[i] != 0;
    }
    ck_assert_int_le(kept, 5); /* expected 0.07 */
    free(a);
    free(b);
    close_backends();
}
END_TEST

START_TEST(batchnorm_of_a_constant_channel_gives_beta)
{
    open_backends();
    /* Channel 0 constant (variance 0), channel 1 varied; N=2, 3x3 planes. */
    enum { N = 2, C = 2, P = 9 };
    float x[N * C * P], dy[N * C * P];
    for (int i = 0; i < N * C * P; i++) {
        int ch = (i / P) % C;
        x[i] = ch == 0 ? 3.0f : (float)(i % 7) - 2.5f;
        dy[i] = (float)((i * 5) % 11) / 11.0f - 0.5f;
    }
    const float gamma[C] = {1.5f, 0.5f}, beta[C] = {0.25f, -1.0f}, ones[C] = {1, 1};
    const float eps = 1e-5f;
    float *outputs[2][3];
    clcnn_backend *backends[2] = {cl, ref};
    for (int b = 0; b < 2; b++) {
        clcnn_backend *be = backends[b];
        clcnn_shape in = clcnn_shape_make(N, C, 3, 3), pc = clcnn_shape_make(1, C, 1, 1);
        clcnn_tensor tx = make(be, in, CLCNN_REAL, x), tdy = make(be, in, CLCNN_REAL, dy);
        clcnn_tensor tg = make(be, pc, CLCNN_REAL, gamma), tb = make(be, pc, CLCNN_REAL, beta);
        clcnn_tensor rm = make(be, pc, CLCNN_REAL, NULL), rv = make(be, pc, CLCNN_REAL, ones);
        clcnn_tensor sm = make(be, pc, CLCNN_REAL, NULL), si = make(be, pc, CLCNN_REAL, NULL);
        clcnn_tensor ty = make(be, in, CLCNN_REAL, NULL), tdx = make(be, in, CLCNN_REAL, NULL);
        clcnn_tensor dg = make(be, pc, CLCNN_REAL, NULL), db = make(be, pc, CLCNN_REAL, NULL);
        OK(be->ops->batchnorm_forward_train(be, &tx, &tg, &tb, 0.1f, eps, CLCNN_ACT_NONE, 0, &rm,
                                            &rv, &sm, &si, &ty));
        OK(be->ops->batchnorm_backward(be, &tdy, &tx, &tg, &tb, &sm, &si, CLCNN_ACT_NONE, 0, &tdx,
                                       &dg, &db));
        outputs[b][0] = download(&ty);
        outputs[b][1] = download(&tdx);
        outputs[b][2] = download(&dg);
        float *inv = download(&si), *var = download(&rv);
        /* invstd = 1/sqrt(0 + eps); running var = 0.9 * 1 + 0.1 * 0 */
        ck_assert_msg(fabsf(inv[0] - 1.0f / sqrtf(eps)) <= 1e-3f, "%s: invstd %g", be->name,
                      (double)inv[0]);
        ck_assert_msg(fabsf(var[0] - 0.9f) <= 1e-6f, "%s: running var %g", be->name,
                      (double)var[0]);
        for (int i = 0; i < N * C * P; i++) {
            ck_assert_msg(isfinite(outputs[b][0][i]) && isfinite(outputs[b][1][i]),
                          "%s: element %d not finite", be->name, i);
            if ((i / P) % C == 0) /* x - mean is exactly 0: y = beta */
                ck_assert_msg(outputs[b][0][i] == beta[0], "%s: y[%d] = %g", be->name, i,
                              (double)outputs[b][0][i]);
        }
        free(inv);
        free(var);
        clcnn_tensor *all[] = {&tx, &tdy, &tg, &tb, &rm, &rv, &sm, &si, &ty, &tdx, &dg, &db};
        for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
            clcnn_tensor_free(all[i]);
    }
    /* y, dx and dgamma agree (tolerance of the table's reductions). */
    const size_t counts[3] = {N * C * P, N * C * P, C};
    for (int k = 0; k < 3; k++) {
        double e = clcnn_normalized_error(outputs[0][k], outputs[1][k], counts[k]);
        ck_assert_msg(e <= 2e-6, "output %d: normalized error %g", k, e);
        free(outputs[0][k]);
        free(outputs[1][k]);
    }
    close_backends();
}
END_TEST

START_TEST(losses_on_huge_logits_are_finite_and_correct)
{
    open_backends();
    enum { N = 4, K = 3 };
    const float z[N * K] = {1e4f, -1e4f, 0,  1e4f,  -1e4f, 0,
                            -1e4f, -1e4f, -1e4f, 1e4f, 1e4f, -1e4f};
    const int32_t labels[N] = {0, 1, 2, 1};
    /* Softmax losses: 0, 2e4, log 3 (all equal), log 2 (tie of the two largest).
     * Argmax (first on ties) is 0 for every row: only row 0 is correct. */
    const double softmax_loss = 2e4 + log(3.0) + log(2.0);
    const float stats0[2] = {1.0f, 1.0f};
    for (int kind = CLCNN_LOSS_SOFTMAX; kind <= CLCNN_LOSS_BCE; kind++) {
        float *grads[2], *stats[2];
        clcnn_backend *backends[2] = {cl, ref};
        for (int b = 0; b < 2; b++) {
            clcnn_backend *be = backends[b];
            clcnn_tensor tz = make(be, clcnn_shape_make(N, K, 1, 1), CLCNN_REAL, z);
            clcnn_tensor tl = make(be, clcnn_shape_make(N, 1, 1, 1), CLCNN_I32, labels);
            clcnn_tensor td = make(be, clcnn_shape_make(N, K, 1, 1), CLCNN_REAL, NULL);
            clcnn_tensor ts = make(be, clcnn_shape_make(1, 2, 1, 1), CLCNN_REAL, stats0);
            OK(be->ops->loss(be, (clcnn_loss_kind)kind, 0.0f, &tz, &tl, 1.0f / N, &td, &ts));
            grads[b] = download(&td);
            stats[b] = download(&ts);
            for (int i = 0; i < N * K; i++)
                ck_assert_msg(isfinite(grads[b][i]), "%s loss %d: dz[%d] = %g", be->name, kind,
                              i, (double)grads[b][i]);
            ck_assert_msg(isfinite(stats[b][0]), "%s loss %d: loss sum %g", be->name, kind,
                          (double)stats[b][0]);
            ck_assert_msg(stats[b][1] == 2.0f, "%s loss %d: correct count %g (1 + 1 expected)",
                          be->name, kind, (double)stats[b][1]);
            clcnn_tensor_free(&tz);
            clcnn_tensor_free(&tl);
            clcnn_tensor_free(&td);
            clcnn_tensor_free(&ts);
        }
        if (kind == CLCNN_LOSS_SOFTMAX) /* float holds 2e4 to ~1e-3: allow 1e-2 */
            ck_assert_msg(fabs(stats[0][0] - 1.0 - softmax_loss) <= 1e-2,
                          "softmax loss sum %g, expected %g", (double)stats[0][0] - 1.0,
                          softmax_loss);
        double e = clcnn_normalized_error(grads[0], grads[1], N * K);
        ck_assert_msg(e <= 2e-6, "loss %d: gradient normalized error %g", kind, e);
        ck_assert_msg(fabsf(stats[0][0] - stats[1][0]) <= 1e-6f * fabsf(stats[1][0]) + 1e-6f,
                      "loss %d: loss sum cl %g, ref %g", kind, (double)stats[0][0],
                      (double)stats[1][0]);
        for (int b = 0; b < 2; b++) {
            free(grads[b]);
            free(stats[b]);
        }
    }
    close_backends();
}
END_TEST

static Suite *ops_suite(void)
{
    Suite *s = suite_create("ops");
    TCase *table = tcase_create("table");
    /* Cold PoCL kernel caches compile every kernel (and CLBlast's) first. */
    tcase_set_timeout(table, 300);
    tcase_add_test(table, table_matches_reference);
    tcase_add_loop_test(table, table_matches_reference_with_group_cap, 0, 2);
    suite_add_tcase(s, table);

    TCase *edges = tcase_create("edge cases");
    tcase_set_timeout(edges, 120);
    tcase_add_test(edges, maxpool_ties_go_to_the_first_and_padding_never_wins);
    tcase_add_test(edges, dropout_mask_is_bit_identical_to_the_reference);
    tcase_add_test(edges, dropout_extremes_stay_finite);
    tcase_add_test(edges, batchnorm_of_a_constant_channel_gives_beta);
    tcase_add_test(edges, losses_on_huge_logits_are_finite_and_correct);
    suite_add_tcase(s, edges);
    return s;
}

int main(void)
{
    return test_run_suite(ops_suite());
}
