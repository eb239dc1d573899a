/* The train, eval and predict commands, run as the built tool on a small
 * synthetic CIFAR-10 folder: strict flags, a whole run with checkpoint and
 * log, resume (with the run's own flags), eval, predict, SIGINT, --save-every
 * under SIGKILL, and stale temporary checkpoints. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clcnn/net.h"
#include "clcnn/train.h"
#include "image_fixtures.h"
#include "test_env.h"
#include "test_files.h"
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
    expect_usage_error("train --save-every 5", "--save-every needs --save");
    expect_usage_error("train --save-every 0 --save x.ckpt", "--save-every: 0 is out of range");
    expect_usage_error("eval", "--model CHECKPOINT is required");
    expect_usage_error("eval --model x --batch 0", "--batch");
    expect_usage_error("eval --model x --tta mirror", "--tta: 'mirror' is not one of none, flip");
    expect_usage_error("train --tta mirror", "--tta: 'mirror' is not one of none, flip");
    expect_usage_error("train --label-smoothing 1", "--label-smoothing: 1 is out of range");
    expect_usage_error("train --warmup -1", "--warmup");
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
                           "--save-every", "--resume", "--log", "--quiet"};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        ck_assert_msg(strstr(out, flags[i]) != NULL, "train --help lacks %s", flags[i]);
    ck_assert_int_eq(clcnn("eval --help"), 0);
    ck_assert(strstr(out, "--model") && strstr(out, "--data"));
    ck_assert_int_eq(clcnn("predict --help"), 0);
    ck_assert(strstr(out, "top") || strstr(out, "most probable"));
    /* every command that takes --model lists the presets from the table */
    static const char *const commands[] = {"train --help", "tune --help", "bench --help"};
    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++) {
        ck_assert_int_eq(clcnn(commands[c]), 0);
        const char *list = strstr(out, "\npresets: ");
        ck_assert_msg(list != NULL, "%s: no presets line", commands[c]);
        for (const char *const *name = clcnn_model_preset_names(); *name; name++) {
            char word[64];
            snprintf(word, sizeof word, " %s", *name);
            ck_assert_msg(strstr(list, word) != NULL, "%s lacks the preset %s", commands[c],
                          *name);
        }
    }
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
             "--save %s --log %s --label-smoothing 0.1 --warmup 5 --tta flip", data_dir,
             model_path, ckpt, log);
    ck_assert_msg(clcnn(args) == 0, "%s", out);
    ck_assert_msg(strstr(out, "epoch 1/2") && strstr(out, "val loss"), "%s", out);
    ck_assert_msg(strstr(out, "label smoothing 0.1, lr warm-up 5 iterations, test-time "
                              "augmentation flip"), "%s", out);
    ck_assert_msg(strstr(out, "test (tta flip): loss") && strstr(out, "confusion matrix"), "%s",
                  out);
    ck_assert(strstr(out, "class9") != NULL); /* names from batches.meta.txt */
    ck_assert_int_eq(count_lines_with(log, "\"train_loss\""), 2);
    ck_assert_int_eq(count_lines_with(log, "\"val_acc\""), 2);
    ck_assert_int_eq(count_lines_with(log, "\"test_acc\""), 1);
    clcnn_checkpoint k;
    ck_assert_int_eq(clcnn_checkpoint_read(ckpt, &k), CLCNN_OK);
    ck_assert_int_eq(k.iteration, 20);
    ck_assert_float_eq(k.config.label_smoothing, 0.1f);
    ck_assert_int_eq(k.config.warmup, 5);
    ck_assert_int_eq(k.config.tta, CLCNN_TTA_FLIP);
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

    snprintf(args, sizeof args, "eval --cpu --model %s", ckpt); /* the checkpoint's tta */
    ck_assert_msg(clcnn(args) == 0, "%s", out);
    ck_assert_msg(strstr(out, "test (tta flip): loss") && strstr(out, "/50)"), "%s", out);
    snprintf(args, sizeof args, "eval --cpu --model %s --tta none", ckpt);
    ck_assert_msg(clcnn(args) == 0, "%s", out);
    ck_assert_msg(strstr(out, "test: loss") && strstr(out, "(") && strstr(out, "/50)"), "%s", out);
    /* smoothing belongs to softmax: a clear refusal for svm */
    snprintf(args, sizeof args, "train --cpu --data %s --model %s --iters 1 --loss svm "
             "--label-smoothing 0.1", data_dir, model_path);
    ck_assert_int_ne(clcnn(args), 0);
    ck_assert_msg(strstr(out, "label smoothing 0.1 applies to the softmax loss only"), "%s", out);

    snprintf(args, sizeof args, "predict --cpu --model %s %s", ckpt, image);
    ck_assert_msg(clcnn(args) == 0, "%s", out);
    ck_assert_msg(strstr(out, "cli-image.ppm:") != NULL, "%s", out);
    int percents = 0;
    for (const char *p = out; (p = strchr(p, '%')); p++)
        percents++;
    ck_assert_int_eq(percents, 3);

    /* the same pixels as PNG (exact) predict exactly as the PPM; a JPEG of
     * them is read too */
    char png[4096], jpeg[4096], ppm_out[4096];
    const char *after = strchr(out, ':');
    snprintf(ppm_out, sizeof ppm_out, "%s", after ? after : "");
    clcnn_image img;
    ck_assert_int_eq(clcnn_image_read_pnm(image, &img), CLCNN_OK);
    snprintf(png, sizeof png, "%s", test_tmp_path("cli-image.png"));
    snprintf(jpeg, sizeof jpeg, "%s", test_tmp_path("cli-image.jpg"));
    ck_assert_int_eq(fixture_write_image(png, &img, 0), 0);
    ck_assert_int_eq(fixture_write_image(jpeg, &img, 90), 0);
    clcnn_image_free(&img);
    snprintf(args, sizeof args, "predict --cpu --model %s %s", ckpt, png);
    ck_assert_msg(clcnn(args) == 0, "%s", out);
    after = strchr(out, ':');
    ck_assert_msg(strstr(out, "cli-image.png:") && after && strcmp(after, ppm_out) == 0,
                  "PNG: %s\nPPM: %s", out, ppm_out);
    snprintf(args, sizeof args, "predict --cpu --model %s %s", ckpt, jpeg);
    ck_assert_msg(clcnn(args) == 0 && strstr(out, "cli-image.jpg:"), "%s", out);

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

/* Start an endless `clcnn train --save ckpt` (with --save-every every when
 * not NULL) and return its pid once the first checkpoint exists. */
static pid_t train_until_checkpoint(const char *ckpt, const char *batch, const char *every)
{
    unlink(ckpt);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execl(CLCNN_EXE, "clcnn", "train", "--cpu", "--data", data_dir, "--model", model_path,
              "--batch", batch, "--val", "32", "--epochs", "10000", "--save", ckpt,
              every ? "--save-every" : (char *)NULL, every, (char *)NULL);
        _exit(127);
    }
    struct stat st;
    for (int i = 0; i < 30000 && stat(ckpt, &st) != 0; i++)
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    ck_assert_int_eq(stat(ckpt, &st), 0);
    return pid;
}

START_TEST(sigint_saves_and_exits_130)
{
    char ckpt[4096];
    snprintf(ckpt, sizeof ckpt, "%s", test_tmp_path("cli-sigint.ckpt"));
    /* the first epoch's checkpoint shows that training (and the handler) runs */
    pid_t pid = train_until_checkpoint(ckpt, "16", NULL);
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

/* The flags of one run: 208 training images / batch 16 = 13 steps an epoch. A
 * step schedule (not cosine) keeps a run's steps independent of its length. */
static void run_flags(char *buf, size_t size)
{
    int n = snprintf(buf, size, "train --cpu --quiet --data %s --model %s --batch 16 --val 32 "
                     "--optimizer nesterov --lr 0.05 --lr-decay step:0.5:10 --seed 3 --augment "
                     "--normalize unit --label-smoothing 0.1 --warmup 4 --tta flip", data_dir,
                     model_path);
    ck_assert_int_lt(n, (int)size);
}

static clcnn_checkpoint read_checkpoint(const char *path)
{
    clcnn_checkpoint k;
    ck_assert_msg(clcnn_checkpoint_read(path, &k) == CLCNN_OK, "%s: %s", path, clcnn_last_error());
    return k;
}

START_TEST(resume_takes_the_runs_own_flags_and_refuses_others)
{
    char straight[4096], resumed[4096], flags[4096], args[16384];
    snprintf(straight, sizeof straight, "%s", test_tmp_path("cli-straight.ckpt"));
    snprintf(resumed, sizeof resumed, "%s", test_tmp_path("cli-resumed.ckpt"));
    run_flags(flags, sizeof flags);
    snprintf(args, sizeof args, "%s --iters 26 --save %s", flags, straight);
    ck_assert_msg(clcnn(args) == 0, "%s", out);
    snprintf(args, sizeof args, "%s --iters 20 --save %s", flags, resumed);
    ck_assert_msg(clcnn(args) == 0, "%s", out);
    /* the command that started the run, --resume appended */
    snprintf(args, sizeof args, "%s --iters 26 --save %s --resume %s", flags, resumed, resumed);
    ck_assert_msg(clcnn(args) == 0, "%s", out);
    clcnn_checkpoint a = read_checkpoint(straight), b = read_checkpoint(resumed);
    ck_assert_int_eq(b.iteration, 26);
    ck_assert_int_eq(a.flat_count, b.flat_count);
    ck_assert_msg(memcmp(a.flat, b.flat, sizeof(float) * a.flat_count) == 0,
                  "the resumed run's parameters differ from the straight run's");
    clcnn_checkpoint_free(&a);
    clcnn_checkpoint_free(&b);

    /* a different value fails naming both, before anything is written */
    static const struct { const char *flag, *message; } conflicts[] = {
        {"--lr 0.1", "--lr 0.1 differs from the checkpoint's 0.05"},
        {"--lr=0.1", "--lr 0.1 differs from the checkpoint's 0.05"},
        {"--no-augment", "--no-augment differs from the checkpoint's --augment"},
        {"--optimizer adam", "--optimizer adam differs from the checkpoint's nesterov"},
        {"--seed 4", "--seed 4 differs from the checkpoint's 3"},
        {"--normalize data", "--normalize data differs from the checkpoint's 0,0,0:1,1,1"},
        {"--label-smoothing 0.2", "--label-smoothing 0.2 differs from the checkpoint's 0.1"},
        {"--warmup 5", "--warmup 5 differs from the checkpoint's 4"},
        {"--tta none", "--tta none differs from the checkpoint's flip"},
    };
    struct stat before, after;
    ck_assert_int_eq(stat(resumed, &before), 0);
    for (size_t i = 0; i < sizeof conflicts / sizeof conflicts[0]; i++) {
        snprintf(args, sizeof args, "%s --iters 30 --save %s --resume %s %s", flags, resumed,
                 resumed, conflicts[i].flag);
        expect_usage_error(args, conflicts[i].message);
    }
    ck_assert_int_eq(stat(resumed, &after), 0);
    ck_assert(before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
              before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
}
END_TEST

START_TEST(save_every_leaves_a_checkpoint_when_killed_mid_epoch)
{
    char ckpt[4096], args[16384];
    snprintf(ckpt, sizeof ckpt, "%s", test_tmp_path("cli-every.ckpt"));
    /* batch 4: 52 steps an epoch, a checkpoint every 5 */
    pid_t pid = train_until_checkpoint(ckpt, "4", "5");
    kill(pid, SIGKILL);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFSIGNALED(status), "status 0x%x", status);
    clcnn_checkpoint k = read_checkpoint(ckpt);
    ck_assert_msg(k.iteration > 0 && (k.iteration % 5 == 0 || k.iteration % 52 == 0),
                  "checkpoint at iteration %ld", k.iteration);
    long at = k.iteration;
    clcnn_checkpoint_free(&k);
    snprintf(args, sizeof args, "eval --cpu --model %s", ckpt);
    ck_assert_msg(clcnn(args) == 0, "%s", out);
    ck_assert_msg(strstr(out, "test: loss") != NULL, "%s", out);
    snprintf(args, sizeof args, "train --cpu --resume %s --iters %ld --save %s", ckpt, at + 3,
             ckpt);
    ck_assert_msg(clcnn(args) == 0, "%s", out);
    k = read_checkpoint(ckpt);
    ck_assert_int_eq(k.iteration, at + 3);
    clcnn_checkpoint_free(&k);
}
END_TEST

/* Only PATH.tmp. + six letters or digits, regular files, are the writer's. */
START_TEST(stale_temporary_checkpoints_are_removed)
{
    char ckpt[4096], flags[4096], args[16384], path[8192];
    snprintf(ckpt, sizeof ckpt, "%s", test_tmp_path("cli-stale.ckpt"));
    static const char *const stale[] = {".tmp.abc123", ".tmp.Zz09xy"};
    static const char *const kept[] = {".tmp.abc12", ".tmp.abc1234", ".tmp.ab-123", ".tmpXabc123",
                                       "x.tmp.abc123"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s%s", ckpt, stale[i]);
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fclose(f);
    }
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        snprintf(path, sizeof path, "%s%s", ckpt, kept[i]);
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fclose(f);
    }
    snprintf(path, sizeof path, "%s.tmp.dir123", ckpt); /* not a file: left alone */
    mkdir(path, 0755);
    run_flags(flags, sizeof flags);
    snprintf(args, sizeof args, "%s --iters 2 --save %s", flags, ckpt);
    ck_assert_msg(clcnn(args) == 0, "%s", out);
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s%s", ckpt, stale[i]);
        ck_assert_msg(access(path, F_OK) != 0, "%s was not removed", path);
    }
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        snprintf(path, sizeof path, "%s%s", ckpt, kept[i]);
        ck_assert_msg(access(path, F_OK) == 0, "%s was removed", path);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s.tmp.dir123", ckpt);
    ck_assert_msg(access(path, F_OK) == 0, "%s was removed", path);
    rmdir(path);
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
    tcase_add_test(tc, resume_takes_the_runs_own_flags_and_refuses_others);
    tcase_add_test(tc, save_every_leaves_a_checkpoint_when_killed_mid_epoch);
    tcase_add_test(tc, stale_temporary_checkpoints_are_removed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(suite());
}
