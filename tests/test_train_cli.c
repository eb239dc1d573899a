/* The train, eval and predict commands, run as the built tool on a small
 * synthetic CIFAR-10 folder: strict flags, a whole run with checkpoint and
 * log, resume, eval, predict, and SIGINT. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clcnn/train.h"
#include "test_env.h"
#include "train_fixtures.h"

static char out[65536];
static char data_dir[4096], model_path[4096];

static const char *const model_text = "input 3 32 32\n"
                                      "conv 4 3 stride=2 pad=1 bias=0\n"
                                      "batchnorm\n"
                                      "relu\n"
                                      "maxpool 2\n"
                                      "fc 10\n";

static void setup(void)
{
    snprintf(data_dir, sizeof data_dir, "%s", test_tmp_path("cli-cifar"));
    ck_assert_int_eq(train_fixture_write_cifar10(data_dir, 240, 50, 21), 0);
    snprintf(model_path, sizeof model_path, "%s", test_tmp_path("cli-model.txt"));
    FILE *f = fopen(model_path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(model_text, f);
    fclose(f);
}

/* Run "clcnn ARGS" and return its exit status; output in out. */
static int clcnn(const char *args)
{
    char line[20000];
    snprintf(line, sizeof line, "%s %s", CLCNN_EXE, args);
    return test_run(line, out, sizeof out);
}

static void expect_usage_error(const char *args, const char *message)
{
    int status = clcnn(args);
    ck_assert_msg(status == 2, "clcnn %s: exit %d, expected 2; output: %s", args, status, out);
    ck_assert_msg(strstr(out, message) != NULL, "clcnn %s: expected '%s' in: %s", args, message,
                  out);
}

START_TEST(bad_flags_exit_2_naming_the_flag)
{
    expect_usage_error("train --batch 0", "--batch: 0 is out of range");
    expect_usage_error("train --lr -1", "--lr: -1 is out of range");
    expect_usage_error("train --lr abc", "--lr: 'abc' is not a number");
    expect_usage_error("train --lr nan", "--lr: 'nan' is not a number");
    expect_usage_error("train --epochs 1e12", "--epochs: '1e12' is not a whole number");
    expect_usage_error("train --epochs 1000000", "--epochs: 1000000 is out of range");
    expect_usage_error("train --iters -5", "--iters");
    expect_usage_error("train --frobnicate", "unknown option '--frobnicate'");
    expect_usage_error("train --lr", "--lr needs a value");
    expect_usage_error("train --optimizer lbfgs", "--optimizer: 'lbfgs'");
    expect_usage_error("train --lr-decay step:2:10", "--lr-decay");
    expect_usage_error("train --loss hinge", "--loss: 'hinge'");
    expect_usage_error("train --dropout 1", "--dropout");
    expect_usage_error("train --momentum 1.5", "--momentum");
    expect_usage_error("train --seed -1", "--seed");
    expect_usage_error("train --format png", "--format: 'png'");
    expect_usage_error("train --epochs 2 --iters 5", "exclude each other");
    expect_usage_error("train --cpu --device 0", "exclude each other");
    expect_usage_error("train --resume x.ckpt --lr 0.1", "--lr cannot be combined with --resume");
    expect_usage_error("eval", "--model CHECKPOINT is required");
    expect_usage_error("eval --model x --batch 0", "--batch");
    expect_usage_error("predict --model x.ckpt", "no image files");
    expect_usage_error("predict a.ppm", "--model CHECKPOINT is required");
    char args[8192];
    snprintf(args, sizeof args, "train --cpu --data %s --val 240", data_dir);
    expect_usage_error(args, "--val 240: must be less than the 240 training images");
}
END_TEST

START_TEST(help_is_printed_for_every_command)
{
    ck_assert_int_eq(clcnn("train --help"), 0);
    const char *flags[] = {"--data", "--format", "--model", "--epochs", "--iters", "--batch",
                           "--optimizer", "--momentum", "--nesterov", "--lr ", "--lr-decay",
                           "--l2", "--weight-decay", "--dropout", "--loss", "--augment",
                           "--no-augment", "--val", "--seed", "--device", "--cpu", "--save",
                           "--resume", "--log", "--quiet"};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        ck_assert_msg(strstr(out, flags[i]) != NULL, "train --help lacks %s", flags[i]);
    ck_assert_int_eq(clcnn("eval --help"), 0);
    ck_assert(strstr(out, "--model") && strstr(out, "--data"));
    ck_assert_int_eq(clcnn("predict --help"), 0);
    ck_assert(strstr(out, "top") || strstr(out, "most probable"));
}
END_TEST

START_TEST(unknown_device_exits_1)
{
    char args[8192];
    snprintf(args, sizeof args, "train --data %s --device no-such-device-anywhere --iters 1",
             data_dir);
    ck_assert_int_eq(clcnn(args), 1);
    ck_assert_msg(strstr(out, "no-such-device-anywhere") != NULL, "%s", out);
}
END_TEST

static int count_lines_with(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof line, f))
        n += strstr(line, needle) != NULL;
    fclose(f);
    return n;
}

START_TEST(train_save_log_resume_eval_predict)
{
    char ckpt[4096], log[4096], image[4096], args[18000];
    snprintf(ckpt, sizeof ckpt, "%s", test_tmp_path("cli.ckpt"));
    snprintf(log, sizeof log, "%s", test_tmp_path("cli.jsonl"));
    snprintf(image, sizeof image, "%s", test_tmp_path("cli-image.ppm"));
    ck_assert_int_eq(train_fixture_write_ppm(image, 40, 30), 0);

    /* 208 training images / batch 16: 13 steps an epoch; 20 steps end mid-epoch 2 */
    snprintf(args, sizeof args, "train --cpu --data %s --model %s --iters 20 --batch 16 --val 32 "
             "--save %s --log %s", data_dir, model_path, ckpt, log);
    ck_assert_msg(clcnn(args) == 0, "%s", out);
    ck_assert_msg(strstr(out, "epoch 1/2") && strstr(out, "val loss"), "%s", out);
    ck_assert_msg(strstr(out, "test: loss") && strstr(out, "confusion matrix"), "%s", out);
    ck_assert(strstr(out, "class9") != NULL); /* names from batches.meta.txt */
    ck_assert_int_eq(count_lines_with(log, "\"train_loss\""), 2);
    ck_assert_int_eq(count_lines_with(log, "\"val_acc\""), 2);
    ck_assert_int_eq(count_lines_with(log, "\"test_acc\""), 1);
    clcnn_checkpoint k;
    ck_assert_int_eq(clcnn_checkpoint_read(ckpt, &k), CLCNN_OK);
    ck_assert_int_eq(k.iteration, 20);
    ck_assert_str_eq(k.data_dir, data_dir);
    clcnn_checkpoint_free(&k);

    snprintf(args, sizeof args, "train --cpu --resume %s --iters 26 --save %s", ckpt, ckpt);
    ck_assert_msg(clcnn(args) == 0, "%s", out);
    ck_assert_msg(strstr(out, "resuming at iteration 20"), "%s", out);
    ck_assert_int_eq(clcnn_checkpoint_read(ckpt, &k), CLCNN_OK);
    ck_assert_int_eq(k.iteration, 26);
    clcnn_checkpoint_free(&k);

    snprintf(args, sizeof args, "train --cpu --resume %s --model small", ckpt);
    ck_assert_int_eq(clcnn(args), 1);
    ck_assert_msg(strstr(out, "architecture mismatch"), "%s", out);

    snprintf(args, sizeof args, "eval --cpu --model %s", ckpt);
    ck_assert_msg(clcnn(args) == 0, "%s", out);
    ck_assert_msg(strstr(out, "test: loss") && strstr(out, "(") && strstr(out, "/50)"), "%s", out);

    snprintf(args, sizeof args, "predict --cpu --model %s %s", ckpt, image);
    ck_assert_msg(clcnn(args) == 0, "%s", out);
    ck_assert_msg(strstr(out, "cli-image.ppm:") != NULL, "%s", out);
    int percents = 0;
    for (const char *p = out; (p = strchr(p, '%')); p++)
        percents++;
    ck_assert_int_eq(percents, 3);

    snprintf(args, sizeof args, "predict --cpu --model %s %s /no/such/image.ppm", ckpt, image);
    ck_assert_int_eq(clcnn(args), 1);
    ck_assert_msg(strstr(out, "/no/such/image.ppm"), "%s", out);
}
END_TEST

START_TEST(corrupt_checkpoint_is_reported)
{
    char bad[4096], args[8192];
    snprintf(bad, sizeof bad, "%s", test_tmp_path("cli-bad.ckpt"));
    FILE *f = fopen(bad, "w");
    fputs("definitely not a checkpoint", f);
    fclose(f);
    snprintf(args, sizeof args, "eval --cpu --model %s", bad);
    ck_assert_int_eq(clcnn(args), 1);
    ck_assert_msg(strstr(out, "wrong magic") != NULL, "%s", out);
}
END_TEST

START_TEST(sigint_saves_and_exits_130)
{
    char ckpt[4096];
    snprintf(ckpt, sizeof ckpt, "%s", test_tmp_path("cli-sigint.ckpt"));
    unlink(ckpt);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execl(CLCNN_EXE, "clcnn", "train", "--cpu", "--data", data_dir, "--model", model_path,
              "--batch", "16", "--val", "32", "--epochs", "10000", "--save", ckpt, (char *)NULL);
        _exit(127);
    }
    /* the first epoch's checkpoint shows that training (and the handler) runs */
    struct stat st;
    for (int i = 0; i < 600 && stat(ckpt, &st) != 0; i++)
        nanosleep(&(struct timespec){0, 50000000}, NULL);
    ck_assert_int_eq(stat(ckpt, &st), 0);
    kill(pid, SIGINT);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 130, "status 0x%x", status);
    clcnn_checkpoint k;
    ck_assert_int_eq(clcnn_checkpoint_read(ckpt, &k), CLCNN_OK);
    ck_assert_int_ge(k.iteration, 13);
    clcnn_checkpoint_free(&k);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("train_cli");
    TCase *tc = tcase_create("cli");
    tcase_add_unchecked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, bad_flags_exit_2_naming_the_flag);
    tcase_add_test(tc, help_is_printed_for_every_command);
    tcase_add_test(tc, unknown_device_exits_1);
    tcase_add_test(tc, train_save_log_resume_eval_predict);
    tcase_add_test(tc, corrupt_checkpoint_is_reported);
    tcase_add_test(tc, sigint_saves_and_exits_130);
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
