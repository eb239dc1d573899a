/* Training recipe: defaults, validation, learning-rate schedules. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/train.h"
#include "test_files.h"

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
    c = clcnn_train_config_default();
    c.label_smoothing = 1.0f;
    ck_assert_int_eq(clcnn_train_config_validate(&c), CLCNN_ERR_ARG);
    ck_assert(strstr(clcnn_last_error(), "label smoothing") != NULL);
    c.label_smoothing = 0.1f;
    ck_assert_int_eq(clcnn_train_config_validate(&c), CLCNN_OK);
    c.loss = CLCNN_LOSS_BCE; /* smoothing is for softmax only */
    ck_assert_int_eq(clcnn_train_config_validate(&c), CLCNN_ERR_ARG);
    ck_assert(strstr(clcnn_last_error(), "softmax loss only") != NULL);
    c = clcnn_train_config_default();
    c.warmup = -1;
    ck_assert_int_eq(clcnn_train_config_validate(&c), CLCNN_ERR_ARG);
    ck_assert(strstr(clcnn_last_error(), "warmup") != NULL);
}
END_TEST

/* Warm-up W = 4 over a run of 104: lr * (it+1)/4 for it < 4, then the
 * schedule from its own start over the remaining 100 iterations. */
START_TEST(warmup_ramps_linearly_then_runs_the_schedule)
{
    const double pi = 3.14159265358979323846;
    clcnn_train_config c = clcnn_train_config_default();
    c.optimizer.lr = 0.2f;
    c.warmup = 4;
    c.schedule.kind = CLCNN_LR_COSINE;
    for (long it = 0; it < 4; it++)
        ck_assert_float_eq_tol(clcnn_train_lr_at(&c, it, 104), 0.2 * (it + 1) / 4.0, 1e-8);
    for (long it = 4; it <= 104; it++) {
        double expected = 0.2 * 0.5 * (1 + cos(pi * (double)(it - 4) / 100.0));
        ck_assert_float_eq_tol(clcnn_train_lr_at(&c, it, 104), expected, 1e-7);
    }
    c.schedule.kind = CLCNN_LR_STEP; /* step counts from the warm-up's end */
    c.schedule.gamma = 0.5f;
    c.schedule.every = 10;
    ck_assert_float_eq(clcnn_train_lr_at(&c, 13, 104), 0.2f);
    ck_assert_float_eq(clcnn_train_lr_at(&c, 14, 104), 0.1f);
    c.schedule.kind = CLCNN_LR_CONSTANT;
    ck_assert_float_eq(clcnn_train_lr_at(&c, 0, 104), 0.05f);
    ck_assert_float_eq(clcnn_train_lr_at(&c, 50, 104), 0.2f);
    c.warmup = 0; /* none: the schedule from iteration 0 */
    ck_assert_float_eq(clcnn_train_lr_at(&c, 0, 104), 0.2f);
}
END_TEST

/* Every optimizer name parses to a kind that names itself back; Nesterov is
 * momentum with its flag; another word is refused and changes nothing. */
START_TEST(optimizer_names_parse_and_print_back)
{
    static const char *const names[] = {"sgd", "momentum", "nesterov", "rmsprop", "adam"};
    char list[128];
    clcnn_optimizer_names(list, sizeof list);
    ck_assert_str_eq(list, "sgd, momentum, nesterov, rmsprop, adam");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        clcnn_optimizer_step o = {.kind = CLCNN_OPT_ADAM, .nesterov = 1};
        ck_assert_msg(clcnn_optimizer_parse(names[i], &o), "%s", names[i]);
        ck_assert_str_eq(clcnn_optimizer_name(&o), names[i]);
    }
    clcnn_optimizer_step o = {.kind = CLCNN_OPT_MOMENTUM, .nesterov = 0};
    ck_assert(clcnn_optimizer_parse("nesterov", &o) && o.kind == CLCNN_OPT_MOMENTUM && o.nesterov);
    ck_assert(clcnn_optimizer_parse("momentum", &o) && o.nesterov == 0);
    ck_assert(!clcnn_optimizer_parse("adamw", &o) && o.kind == CLCNN_OPT_MOMENTUM);
    ck_assert(!clcnn_optimizer_parse("", &o));
    o.kind = (clcnn_optimizer_kind)9;
    ck_assert_str_eq(clcnn_optimizer_name(&o), "?");
    char small[8];
    clcnn_optimizer_names(small, sizeof small); /* truncated, terminated */
    ck_assert_str_eq(small, "sgd, mo");
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
    tcase_add_test(tc, optimizer_names_parse_and_print_back);
    tcase_add_test(tc, schedule_parse_accepts_the_three_forms);
    tcase_add_test(tc, schedule_parse_rejects_malformed);
    tcase_add_test(tc, step_schedule_decays_every_interval);
    tcase_add_test(tc, cosine_schedule_runs_from_lr_to_zero);
    tcase_add_test(tc, warmup_ramps_linearly_then_runs_the_schedule);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(suite());
}
