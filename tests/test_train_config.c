/* Training recipe: defaults, validation, learning-rate schedules. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/train.h"

START_TEST(defaults_are_valid_and_documented_values)
{
    clcnn_train_config c = clcnn_train_config_default();
    ck_assert_int_eq(clcnn_train_config_validate(&c), CLCNN_OK);
    ck_assert_int_eq(c.optimizer.kind, CLCNN_OPT_MOMENTUM);
    ck_assert_int_eq(c.optimizer.nesterov, 1);
    ck_assert_float_eq(c.optimizer.lr, 0.05f);
    ck_assert_float_eq(c.optimizer.l2, 5e-4f);
    ck_assert_int_eq(c.schedule.kind, CLCNN_LR_COSINE);
    ck_assert_int_eq(c.batch, 128);
    ck_assert_str_eq(clcnn_optimizer_name(&c.optimizer), "nesterov");
}
END_TEST

START_TEST(validate_rejects_each_bad_field)
{
    clcnn_train_config c = clcnn_train_config_default();
    c.batch = 0;
    ck_assert_int_eq(clcnn_train_config_validate(&c), CLCNN_ERR_ARG);
    ck_assert(strstr(clcnn_last_error(), "batch") != NULL);
    c = clcnn_train_config_default();
    c.optimizer.lr = -1;
    ck_assert_int_eq(clcnn_train_config_validate(&c), CLCNN_ERR_ARG);
    ck_assert(strstr(clcnn_last_error(), "lr") != NULL);
    c = clcnn_train_config_default();
    c.optimizer.lr = NAN;
    ck_assert_int_eq(clcnn_train_config_validate(&c), CLCNN_ERR_ARG);
    c = clcnn_train_config_default();
    c.epochs = 0;
    ck_assert_int_eq(clcnn_train_config_validate(&c), CLCNN_ERR_ARG);
    ck_assert(strstr(clcnn_last_error(), "epochs") != NULL);
    c.iterations = 10; /* iterations replace epochs */
    ck_assert_int_eq(clcnn_train_config_validate(&c), CLCNN_OK);
    c = clcnn_train_config_default();
    c.dropout = 1.0f;
    ck_assert_int_eq(clcnn_train_config_validate(&c), CLCNN_ERR_ARG);
    c = clcnn_train_config_default();
    c.optimizer.momentum = 1.0f;
    ck_assert_int_eq(clcnn_train_config_validate(&c), CLCNN_ERR_ARG);
}
END_TEST

START_TEST(schedule_parse_accepts_the_three_forms)
{
    clcnn_lr_schedule s;
    ck_assert_int_eq(clcnn_lr_schedule_parse("none", &s), CLCNN_OK);
    ck_assert_int_eq(s.kind, CLCNN_LR_CONSTANT);
    ck_assert_int_eq(clcnn_lr_schedule_parse("cosine", &s), CLCNN_OK);
    ck_assert_int_eq(s.kind, CLCNN_LR_COSINE);
    ck_assert_int_eq(clcnn_lr_schedule_parse("step:0.5:100", &s), CLCNN_OK);
    ck_assert_int_eq(s.kind, CLCNN_LR_STEP);
    ck_assert_float_eq(s.gamma, 0.5f);
    ck_assert_int_eq(s.every, 100);
    char text[64];
    clcnn_lr_schedule_format(&s, text, sizeof text);
    ck_assert_str_eq(text, "step:0.5:100");
}
END_TEST

START_TEST(schedule_parse_rejects_malformed)
{
    const char *bad[] = {"", "linear", "step", "step:", "step:0.5", "step:0.5:", "step:x:10",
                         "step:0:10", "step:1.5:10", "step:0.5:0", "step:0.5:-3", "step:0.5:10x",
                         "cosine2"};
    clcnn_lr_schedule s;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(clcnn_lr_schedule_parse(bad[i], &s) == CLCNN_ERR_ARG, "accepted '%s'",
                      bad[i]);
        ck_assert(strstr(clcnn_last_error(), "lr schedule") != NULL);
    }
}
END_TEST

START_TEST(step_schedule_decays_every_interval)
{
    clcnn_train_config c = clcnn_train_config_default();
    c.optimizer.lr = 0.1f;
    ck_assert_int_eq(clcnn_lr_schedule_parse("step:0.5:10", &c.schedule), CLCNN_OK);
    ck_assert_float_eq(clcnn_train_lr_at(&c, 0, 100), 0.1f);
    ck_assert_float_eq(clcnn_train_lr_at(&c, 9, 100), 0.1f);
    ck_assert_float_eq(clcnn_train_lr_at(&c, 10, 100), 0.05f);
    ck_assert_float_eq(clcnn_train_lr_at(&c, 25, 100), 0.025f);
}
END_TEST

START_TEST(cosine_schedule_runs_from_lr_to_zero)
{
    clcnn_train_config c = clcnn_train_config_default();
    c.optimizer.lr = 0.2f;
    c.schedule.kind = CLCNN_LR_COSINE;
    ck_assert_float_eq(clcnn_train_lr_at(&c, 0, 100), 0.2f);
    ck_assert_float_eq_tol(clcnn_train_lr_at(&c, 50, 100), 0.1f, 1e-7f); /* cos(pi/2) = 0 */
    ck_assert_float_eq_tol(clcnn_train_lr_at(&c, 100, 100), 0.0f, 1e-8f);
    float previous = 1.0f;
    for (long i = 0; i < 100; i++) { /* strictly decreasing */
        float lr = clcnn_train_lr_at(&c, i, 100);
        ck_assert(lr < previous);
        previous = lr;
    }
    c.schedule.kind = CLCNN_LR_CONSTANT;
    ck_assert_float_eq(clcnn_train_lr_at(&c, 77, 100), 0.2f);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("train_config");
    TCase *tc = tcase_create("config");
    tcase_add_test(tc, defaults_are_valid_and_documented_values);
    tcase_add_test(tc, validate_rejects_each_bad_field);
    tcase_add_test(tc, schedule_parse_accepts_the_three_forms);
    tcase_add_test(tc, schedule_parse_rejects_malformed);
    tcase_add_test(tc, step_schedule_decays_every_interval);
    tcase_add_test(tc, cosine_schedule_runs_from_lr_to_zero);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
