/* Reference backends, known answers for the training ops: batch
 * normalization, the three losses, the four optimizers. Expected values are
 * worked out by hand in the comments next to them. Each test runs on "ref"
 * (float) and "ref64" (double) through a loop index. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "clcnn/backend.h"
#include "ref_fixtures.h"
#include "test_files.h"

static void free_all(clcnn_tensor *tensors, int count)
{
    for (int i = 0; i < count; i++)
        clcnn_tensor_free(&tensors[i]);
}

/* ---------------- batch normalization ---------------- */

/* x: N=2, C=2, 1x2. Channel 0 holds 1, 3 (image 0) and 5, 7 (image 1):
 * mean 4, biased var (9+1+1+9)/4 = 5, unbiased 20/3. With eps = 4,
 * invstd = 1/sqrt(9) = 1/3; gamma 2, beta 1: y = 2(x-4)/3 + 1 =
 * -1, 1/3, 5/3, 3. Channel 1 is constant 2: var 0, invstd = 1/sqrt(4) = 0.5,
 * y = beta = -1 (finite). Running stats from mean 0, var 1, momentum 0.1:
 * mean 0.4 and 0.2; var 0.9 + 0.1*20/3 = 1.5666... and 0.9 + 0 = 0.9. */
START_TEST(batchnorm_train_known_answer)
{
    ref_create(_i);
    clcnn_tensor t[9];
    t[0] = ref_make_real(2, 2, 1, 2, (const float[]){1, 3, 2, 2, 5, 7, 2, 2});
    t[1] = ref_make_real(1, 2, 1, 1, (const float[]){2, 3});  /* gamma */
    t[2] = ref_make_real(1, 2, 1, 1, (const float[]){1, -1}); /* beta */
    t[3] = ref_make_real(1, 2, 1, 1, (const float[]){0, 0});  /* running mean */
    t[4] = ref_make_real(1, 2, 1, 1, (const float[]){1, 1});  /* running var */
    t[5] = ref_make_real(1, 2, 1, 1, NULL);                   /* save mean */
    t[6] = ref_make_real(1, 2, 1, 1, NULL);                   /* save invstd */
    t[7] = ref_make_real(2, 2, 1, 2, NULL);                   /* y */
    t[8] = ref_make_real(2, 2, 1, 2, NULL);                   /* eval y */
    ck_assert_int_eq(ref_be->ops->batchnorm_forward_train(ref_be, &t[0], &t[1], &t[2], 0.1f, 4.0f,
                                                          CLCNN_ACT_NONE, 0, &t[3], &t[4],
                                                          &t[5], &t[6], &t[7]),
                     CLCNN_OK);
    ref_expect_doubles(&t[7], (const double[]){-1, 1.0 / 3, -1, -1, 5.0 / 3, 3, -1, -1});
    ref_expect_doubles(&t[5], (const double[]){4, 2});
    ref_expect_doubles(&t[6], (const double[]){1.0 / 3, 0.5});
    ref_expect_doubles(&t[3], (const double[]){0.4, 0.2});
    ref_expect_doubles(&t[4], (const double[]){0.9 + 0.1 * 20.0 / 3, 0.9});
    /* Eval with running mean 4, 2 and running var 5, 0 reproduces the training y. */
    clcnn_tensor_upload(&t[3], 0, 2, (const float[]){4, 2});
    clcnn_tensor_upload(&t[4], 0, 2, (const float[]){5, 0});
    ck_assert_int_eq(ref_be->ops->batchnorm_forward_eval(ref_be, &t[0], &t[1], &t[2], &t[3], &t[4],
                                                         4.0f, CLCNN_ACT_NONE, 0, &t[8]),
                     CLCNN_OK);
    ref_expect_doubles(&t[8], (const double[]){-1, 1.0 / 3, -1, -1, 5.0 / 3, 3, -1, -1});
    free_all(t, 9);
    clcnn_backend_destroy(ref_be);
}
END_TEST

/* Backward of the same batch with dy = xhat = (x-4)/3 = -1, -1/3, 1/3, 1 on
 * channel 0 and dy = 1 on channel 1:
 * channel 0: dbeta = sum xhat = 0, dgamma = sum xhat^2 = (9+1+1+9)/9 = 20/9,
 *   dx = gamma*invstd*(dy - 0 - xhat*dgamma/M) = (2/3)*xhat*(1 - 5/9) = (8/27)*xhat;
 * channel 1: xhat = 0, dbeta = 4, dgamma = 0, dx = gamma*invstd*(1 - 1) = 0. */
START_TEST(batchnorm_backward_known_answer)
{
    ref_create(_i);
    clcnn_tensor t[9];
    t[0] = ref_make_real(2, 2, 1, 2, (const float[]){1, 3, 2, 2, 5, 7, 2, 2}); /* x */
    t[1] = ref_make_real(2, 2, 1, 2, (const float[]){-1, -1.0f / 3, 1, 1, 1.0f / 3, 1, 1, 1});
    t[2] = ref_make_real(1, 2, 1, 1, (const float[]){2, 3});         /* gamma */
    t[3] = ref_make_real(1, 2, 1, 1, (const float[]){4, 2});         /* save mean */
    t[4] = ref_make_real(1, 2, 1, 1, (const float[]){1.0f / 3, 0.5f}); /* save invstd */
    t[5] = ref_make_real(2, 2, 1, 2, NULL);                          /* dx */
    t[6] = ref_make_real(1, 2, 1, 1, NULL);                          /* dgamma */
    t[7] = ref_make_real(1, 2, 1, 1, NULL);                          /* dbeta */
    t[8] = ref_make_real(1, 2, 1, 1, (const float[]){0, 0});         /* beta (unread) */
    ck_assert_int_eq(ref_be->ops->batchnorm_backward(ref_be, &t[1], &t[0], &t[2], &t[8], &t[3],
                                                     &t[4], CLCNN_ACT_NONE, 0, &t[5], &t[6],
                                                     &t[7]),
                     CLCNN_OK);
    const double k = 8.0 / 27;
    ref_expect_doubles(&t[5], (const double[]){-k, -k / 3, 0, 0, k / 3, k, 0, 0});
    ref_expect_doubles(&t[6], (const double[]){20.0 / 9, 0});
    ref_expect_doubles(&t[7], (const double[]){0, 4});
    free_all(t, 9);
    clcnn_backend_destroy(ref_be);
}
END_TEST

/* ---------------- losses ---------------- */

/* Runs one loss on 2 samples of 3 logits, stats starting at (1, 1). */
static void run_loss_smoothed(clcnn_loss_kind kind, float smoothing, const float *logits,
                              const int32_t *labels, float scale, const double *loss_sum,
                              double correct, const double *expected_grad)
{
    clcnn_tensor t[4];
    t[0] = ref_make_real(2, 3, 1, 1, logits);
    t[1] = ref_make(clcnn_shape_make(2, 1, 1, 1), CLCNN_I32, labels);
    t[2] = ref_make_real(2, 3, 1, 1, NULL);
    t[3] = ref_make_real(1, 2, 1, 1, (const float[]){1, 1});
    ck_assert_int_eq(ref_be->ops->loss(ref_be, kind, smoothing, &t[0], &t[1], scale, &t[2], &t[3]),
                     CLCNN_OK);
    ref_expect_doubles(&t[2], expected_grad);
    ref_expect_doubles(&t[3], (const double[]){1 + *loss_sum, 1 + correct});
    /* Evaluation (no gradient) accumulates the same stats again. */
    ck_assert_int_eq(ref_be->ops->loss(ref_be, kind, smoothing, &t[0], &t[1], scale, NULL, &t[3]),
                     CLCNN_OK);
    ref_expect_doubles(&t[3], (const double[]){1 + 2 * *loss_sum, 1 + 2 * correct});
    free_all(t, 4);
}

static void run_loss(clcnn_loss_kind kind, const float *logits, const int32_t *labels,
                     float scale, const double *loss_sum, double correct,
                     const double *expected_grad)
{
    run_loss_smoothed(kind, 0.0f, logits, labels, scale, loss_sum, correct, expected_grad);
}

/* Sample 0: logits 0, 0, 0, label 1: p = 1/3 each, loss ln 3; argmax is 0
 * (first on ties), wrong. Sample 1: logits ln 1, ln 2, ln 5, label 2:
 * p = 1/8, 2/8, 5/8, loss ln(8/5); argmax 2, right. Gradient (scale 0.5):
 * 0.5*(p - onehot). */
START_TEST(softmax_loss_known_answer)
{
    ref_create(_i);
    const double loss = log(3.0) + log(1.6);
    run_loss(CLCNN_LOSS_SOFTMAX, (const float[]){0, 0, 0, 0, logf(2), logf(5)},
             (const int32_t[]){1, 2}, 0.5f, &loss, 1,
             (const double[]){0.5 / 3, 0.5 * (1.0 / 3 - 1), 0.5 / 3, 0.5 / 8, 0.5 * 2 / 8,
                              0.5 * (5.0 / 8 - 1)});
    clcnn_backend_destroy(ref_be);
}
END_TEST

/* Label smoothing E = 0.1 against the textbook definition, computed here in
 * double: p = exp(z) / sum exp(z), target t = (1-E) one-hot + E/K, loss
 * -sum t log p, gradient scale * (p - t). */
START_TEST(softmax_label_smoothing_naive_formula)
{
    ref_create(_i);
    const float z[6] = {0.5f, -1.25f, 2.0f, 3.0f, 0.25f, -0.75f};
    const int32_t y[2] = {2, 1};
    const double E = 0.1f, scale = 0.5; /* E as the float the op receives */
    double loss = 0, grad[6];
    for (int n = 0; n < 2; n++) {
        double sum = 0;
        for (int j = 0; j < 3; j++)
            sum += exp(z[3 * n + j]);
        for (int j = 0; j < 3; j++) {
            double p = exp(z[3 * n + j]) / sum, t = (j == y[n] ? 1 - E : 0) + E / 3;
            loss -= t * log(p);
            grad[3 * n + j] = scale * (p - t);
        }
    }
    /* sample 0's argmax 2 is its label, sample 1's argmax 0 is not */
    run_loss_smoothed(CLCNN_LOSS_SOFTMAX, 0.1f, z, y, (float)scale, &loss, 1, grad);
    /* Smoothing is for softmax only, and within [0, 1). */
    clcnn_tensor t[4];
    t[0] = ref_make_real(2, 3, 1, 1, z);
    t[1] = ref_make(clcnn_shape_make(2, 1, 1, 1), CLCNN_I32, y);
    t[2] = ref_make_real(2, 3, 1, 1, NULL);
    t[3] = ref_make_real(1, 2, 1, 1, NULL);
    ck_assert_int_eq(ref_be->ops->loss(ref_be, CLCNN_LOSS_SVM, 0.1f, &t[0], &t[1], 1, &t[2], &t[3]),
                     CLCNN_ERR_ARG);
    ck_assert_int_eq(ref_be->ops->loss(ref_be, CLCNN_LOSS_BCE, 0.1f, &t[0], &t[1], 1, &t[2], &t[3]),
                     CLCNN_ERR_ARG);
    ck_assert_int_eq(ref_be->ops->loss(ref_be, CLCNN_LOSS_SOFTMAX, 1.0f, &t[0], &t[1], 1, &t[2],
                                       &t[3]),
                     CLCNN_ERR_ARG);
    ck_assert_int_eq(ref_be->ops->loss(ref_be, CLCNN_LOSS_SOFTMAX, -0.1f, &t[0], &t[1], 1, &t[2],
                                       &t[3]),
                     CLCNN_ERR_ARG);
    free_all(t, 4);
    clcnn_backend_destroy(ref_be);
}
END_TEST

/* Sample 0: logits 1, 2, 3, label 0: margins 2-1+1 = 2 and 3-1+1 = 3, loss 5,
 * gradient (-2, 1, 1); argmax 2, wrong. Sample 1: 3, 0.5, 2.5, label 0:
 * margins -1.5 (no loss) and 0.5, loss 0.5, gradient (-1, 0, 1); right. */
START_TEST(svm_loss_known_answer)
{
    ref_create(_i);
    const double loss = 5.5;
    run_loss(CLCNN_LOSS_SVM, (const float[]){1, 2, 3, 3, 0.5f, 2.5f}, (const int32_t[]){0, 0},
             1.0f, &loss, 1, (const double[]){-2, 1, 1, -1, 0, 1});
    clcnn_backend_destroy(ref_be);
}
END_TEST

/* Sample 0: logits 0, 0, 0, label 0: s = 1/2 each, loss -ln(1/2) - 2 ln(1/2)
 * = 3 ln 2, gradient (-1/2, 1/2, 1/2). Sample 1: ln 3, -ln 3, 0, label 0:
 * s = 3/4, 1/4, 1/2, loss -ln(3/4) - ln(3/4) - ln(1/2) = 2 ln(4/3) + ln 2,
 * gradient (-1/4, 1/4, 1/2); both argmax 0 = label (tie on sample 0). */
START_TEST(bce_loss_known_answer)
{
    ref_create(_i);
    const double loss = 3 * log(2.0) + 2 * log(4.0 / 3) + log(2.0);
    run_loss(CLCNN_LOSS_BCE, (const float[]){0, 0, 0, logf(3), -logf(3), 0},
             (const int32_t[]){0, 0}, 1.0f, &loss, 2,
             (const double[]){-0.5, 0.5, 0.5, -0.25, 0.25, 0.5});
    clcnn_backend_destroy(ref_be);
}
END_TEST

/* Logits of +-1e4: softmax loss of the label at -1e4 is 2e4, finite; the
 * gradient is exactly (1, -1, 0) up to e^-1e4. */
START_TEST(losses_finite_on_huge_logits)
{
    ref_create(_i);
    clcnn_tensor t[4];
    t[0] = ref_make_real(1, 3, 1, 1, (const float[]){1e4f, -1e4f, 0});
    t[1] = ref_make(clcnn_shape_make(1, 1, 1, 1), CLCNN_I32, (const int32_t[]){1});
    t[2] = ref_make_real(1, 3, 1, 1, NULL);
    t[3] = ref_make_real(1, 2, 1, 1, NULL);
    ck_assert_int_eq(
        ref_be->ops->loss(ref_be, CLCNN_LOSS_SOFTMAX, 0.0f, &t[0], &t[1], 1.0f, &t[2],
                          &t[3]), CLCNN_OK);
    ref_expect_doubles(&t[2], (const double[]){1, -1, 0});
    ref_expect_doubles(&t[3], (const double[]){2e4, 0});
    /* BCE: softplus(1e4) - 0 + softplus(-1e4) - (-1e4) + softplus(0) = 2e4 + ln 2. */
    ck_assert_int_eq(ref_be->ops->fill(ref_be, &t[3], 0), CLCNN_OK);
    ck_assert_int_eq(ref_be->ops->loss(ref_be, CLCNN_LOSS_BCE, 0.0f, &t[0], &t[1], 1.0f, &t[2],
                                       &t[3]),
                     CLCNN_OK);
    ref_expect_doubles(&t[2], (const double[]){1, -1, 0.5});
    ref_expect_doubles(&t[3], (const double[]){2e4 + log(2.0), 0});
    /* A label out of range is an argument error. */
    clcnn_tensor_upload(&t[1], 0, 1, (const int32_t[]){3});
    ck_assert_int_eq(ref_be->ops->loss(ref_be, CLCNN_LOSS_SVM, 0.0f, &t[0], &t[1], 1.0f, &t[2],
                                       &t[3]),
                     CLCNN_ERR_ARG);
    free_all(t, 4);
    clcnn_backend_destroy(ref_be);
}
END_TEST

/* ---------------- optimizers ---------------- */

/* One step on w = (1, -2), g = (0.5, 0.25), state m and v as given; checks w,
 * m and v afterwards. */
static void run_step(const clcnn_optimizer_step *hp, const float *m0, const float *v0,
                     const double *w1, const double *m1, const double *v1)
{
    clcnn_tensor t[4];
    t[0] = ref_make_real(1, 2, 1, 1, (const float[]){1, -2});
    t[1] = ref_make_real(1, 2, 1, 1, (const float[]){0.5f, 0.25f});
    t[2] = ref_make_real(1, 2, 1, 1, m0);
    t[3] = ref_make_real(1, 2, 1, 1, v0);
    ck_assert_int_eq(ref_be->ops->optimizer_step(ref_be, hp, &t[0], &t[1], m0 ? &t[2] : NULL,
                                             v0 ? &t[3] : NULL),
                     CLCNN_OK);
    ref_expect_doubles(&t[0], w1);
    if (m1)
        ref_expect_doubles(&t[2], m1);
    if (v1)
        ref_expect_doubles(&t[3], v1);
    free_all(t, 4);
}

START_TEST(sgd_with_l2_and_weight_decay)
{
    ref_create(_i);
    /* l2 0.1: g' = (0.5 + 0.1, 0.25 - 0.2) = (0.6, 0.05); lr 0.1: w = (0.94, -2.005). */
    clcnn_optimizer_step hp = {.kind = CLCNN_OPT_SGD, .lr = 0.1f, .l2 = 0.1f};
    run_step(&hp, NULL, NULL, (const double[]){0.94, -2.005}, NULL, NULL);
    /* Decoupled decay 0.5 after the plain step: (0.95, -2.025) * (1 - 0.1*0.5). */
    hp = (clcnn_optimizer_step){.kind = CLCNN_OPT_SGD, .lr = 0.1f, .weight_decay = 0.5f};
    run_step(&hp, NULL, NULL, (const double[]){0.95 * 0.95, -2.025 * 0.95}, NULL, NULL);
    clcnn_backend_destroy(ref_be);
}
END_TEST

START_TEST(momentum_and_nesterov)
{
    ref_create(_i);
    /* v = 0.9*(0.2, 0) - 0.1*(0.5, 0.25) = (0.13, -0.025); w += v = (1.13, -2.025). */
    clcnn_optimizer_step hp = {.kind = CLCNN_OPT_MOMENTUM, .lr = 0.1f, .momentum = 0.9f};
    const float m0[2] = {0.2f, 0};
    run_step(&hp, m0, NULL, (const double[]){1.13, -2.025}, (const double[]){0.13, -0.025},
             NULL);
    /* Nesterov: w += 0.9*v - 0.1*g = (0.117 - 0.05, -0.0225 - 0.025). */
    hp.nesterov = 1;
    run_step(&hp, m0, NULL, (const double[]){1.067, -2.0475}, (const double[]){0.13, -0.025},
             NULL);
    clcnn_backend_destroy(ref_be);
}
END_TEST

START_TEST(rmsprop_step)
{
    ref_create(_i);
    /* c = 0.1*g^2 = (0.025, 0.00625); g/sqrt(c) = 1/sqrt(0.1) = sqrt(10) for
     * both (eps 0); lr 0.01: w = (1, -2) -+ 0.01*sqrt(10). */
    clcnn_optimizer_step hp = {.kind = CLCNN_OPT_RMSPROP, .lr = 0.01f, .rho = 0.9f, .eps = 0};
    const double s = 0.01 * sqrt(10.0);
    run_step(&hp, (const float[]){0, 0}, NULL, (const double[]){1 - s, -2 - s},
             (const double[]){0.025, 0.00625}, NULL);
    clcnn_backend_destroy(ref_be);
}
END_TEST

START_TEST(adam_bias_correction)
{
    ref_create(_i);
    /* Step 1 from zero state: m = 0.1 g, v = 0.001 g^2, the corrections give
     * back g and g^2: w -= lr * g / (|g| + eps). */
    clcnn_optimizer_step hp = {.kind = CLCNN_OPT_ADAM, .lr = 0.01f, .beta1 = 0.9f,
                               .beta2 = 0.999f, .eps = 1e-3f, .step = 1};
    run_step(&hp, (const float[]){0, 0}, (const float[]){0, 0},
             (const double[]){1 - 0.01 * 0.5 / 0.501, -2 - 0.01 * 0.25 / 0.251},
             (const double[]){0.05, 0.025}, (const double[]){0.00025, 0.0000625});
    /* Step 2, beta1 0.5, beta2 0.75, from m = (0.2, 0), v = (0.04, 0):
     * m = (0.1 + 0.25, 0.125) = (0.35, 0.125), v = (0.03 + 0.0625, 0.015625),
     * corrections 1 - 0.25 = 0.75 and 1 - 0.5625 = 0.4375. */
    hp = (clcnn_optimizer_step){.kind = CLCNN_OPT_ADAM, .lr = 0.01f, .beta1 = 0.5f,
                                .beta2 = 0.75f, .eps = 1e-3f, .step = 2};
    const double eps = (double)1e-3f;
    run_step(&hp, (const float[]){0.2f, 0}, (const float[]){0.04f, 0},
             (const double[]){1 - 0.01 * (0.35 / 0.75) / (sqrt(0.0925 / 0.4375) + eps),
                              -2 - 0.01 * (0.125 / 0.75) / (sqrt(0.015625 / 0.4375) + eps)},
             (const double[]){0.35, 0.125}, (const double[]){0.0925, 0.015625});
    clcnn_backend_destroy(ref_be);
}
END_TEST

static Suite *ref_train_ops_suite(void)
{
    Suite *s = suite_create("ref_train_ops");
    TCase *bn = tcase_create("batchnorm");
    tcase_add_loop_test(bn, batchnorm_train_known_answer, 0, 2);
    tcase_add_loop_test(bn, batchnorm_backward_known_answer, 0, 2);
    suite_add_tcase(s, bn);

    TCase *loss = tcase_create("loss");
    tcase_add_loop_test(loss, softmax_loss_known_answer, 0, 2);
    tcase_add_loop_test(loss, softmax_label_smoothing_naive_formula, 0, 2);
    tcase_add_loop_test(loss, svm_loss_known_answer, 0, 2);
    tcase_add_loop_test(loss, bce_loss_known_answer, 0, 2);
    tcase_add_loop_test(loss, losses_finite_on_huge_logits, 0, 2);
    suite_add_tcase(s, loss);

    TCase *opt = tcase_create("optimizer");
    tcase_add_loop_test(opt, sgd_with_l2_and_weight_decay, 0, 2);
    tcase_add_loop_test(opt, momentum_and_nesterov, 0, 2);
    tcase_add_loop_test(opt, rmsprop_step, 0, 2);
    tcase_add_loop_test(opt, adam_bias_correction, 0, 2);
    suite_add_tcase(s, opt);
    return s;
}

int main(void)
{
    return test_run_suite(ref_train_ops_suite());
}
