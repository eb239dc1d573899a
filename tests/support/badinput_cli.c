/* Helpers of the bad-input suites (see badinput_cli.h). */
#include "badinput_cli.h"

#include <check.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data_fixtures.h"
#include "test_env.h"
#include "train_fixtures.h"

bi_inputs bi;
char bi_out[65536];
int bi_tried;
static char bi_base[2048]; /* every input of the suite lives under it */

const char *bi_path(const char *name)
{
    static char names[64][64], paths[64][2200];
    int i = 0;
    while (i < 64 && names[i][0] && strcmp(names[i], name) != 0)
        i++;
    ck_assert_msg(i < 64 && strlen(name) < sizeof names[0], "bi_path(%s): too many names", name);
    snprintf(names[i], sizeof names[i], "%s", name);
    snprintf(paths[i], sizeof paths[i], "%s/%s", bi_base, name);
    return paths[i];
}

void bi_write_all(const char *path, const void *bytes, size_t size, int gzip)
{
    unlink(path);
    ck_assert_int_eq(fixture_write_file(path, bytes, size, gzip), 0);
}

int bi_clcnn(const char *fmt, ...)
{
    char args[12000], line[16000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(line, sizeof line, "%s %s", CLCNN_EXE, args);
    return test_run(line, bi_out, sizeof bi_out);
}

void bi_expect(int status, int want, const char *needles)
{
    bi_tried++;
    ck_assert_msg(status == want, "exit %d, expected %d; output:\n%s", status, want, bi_out);
    char copy[1024];
    snprintf(copy, sizeof copy, "%s", needles);
    for (char *part = strtok(copy, "|"); part; part = strtok(NULL, "|"))
        ck_assert_msg(strstr(bi_out, part) != NULL, "expected '%s' in:\n%s", part, bi_out);
}

void bi_report(const char *test)
{
    fprintf(stderr, "%s: %d malformed inputs tried\n", test, bi_tried);
}

void bi_train_fails_cleanly(int want, const char *needles, const char *fmt, ...)
{
    char args[12000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    const char *save = bi_path("sentinel.ckpt"), *log = bi_path("sentinel.jsonl");
    size_t good_size, size;
    uint8_t *good = test_read_file(bi.good_ckpt, &good_size);
    bi_write_all(save, good, good_size, 0);
    unlink(log);
    bi_expect(bi_clcnn("train --cpu %s --save %s --log %s", args, save, log), want, needles);
    uint8_t *now = test_read_file(save, &size);
    ck_assert_msg(size == good_size && memcmp(now, good, size) == 0,
                  "train %s: the --save checkpoint changed", args);
    free(now);
    free(good);
    ck_assert_msg(access(log, F_OK) != 0, "train %s: the --log file was created", args);
    DIR *folder = opendir(bi_base);
    ck_assert_ptr_nonnull(folder);
    for (struct dirent *e; (e = readdir(folder));)
        ck_assert_msg(strncmp(e->d_name, "sentinel.ckpt.tmp", 17) != 0,
                      "train %s: temporary checkpoint file %s left", args, e->d_name);
    closedir(folder);
}

void bi_setup(const char *folder)
{
    snprintf(bi_base, sizeof bi_base, "%s", test_tmp_path(folder));
    fixture_remove_tree(bi_base);
    ck_assert_int_eq(fixture_mkdir(bi_base), 0);
    bi.cifar_dir = bi_path("cifar");
    ck_assert_int_eq(fixture_write_cifar10(bi.cifar_dir, 1, 24, 8, 5, 0), 0);
    bi.model_path = bi_path("model.txt");
    test_write_text(bi.model_path, test_small_model);
    bi.image_path = bi_path("image.ppm");
    ck_assert_int_eq(train_fixture_write_ppm(bi.image_path, 12, 9), 0);
    bi.good_ckpt = bi_path("good.ckpt");
    int status = bi_clcnn("train --cpu --quiet --data %s --model %s --iters 2 --batch 8 --val 0 "
                          "--save %s",
                          bi.cifar_dir, bi.model_path, bi.good_ckpt);
    ck_assert_msg(status == 0, "training the reference checkpoint: %s", bi_out);
}

const char *bi_cifar_with(const char *name, const char *file, const void *bytes, size_t size,
                          int gzip)
{
    const char *dir = bi_path(name);
    fixture_remove_tree(dir);
    ck_assert_int_eq(fixture_write_cifar10(dir, 1, 24, 8, 5, 0), 0);
    char path[4600];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    unlink(path);
    if (gzip)
        strcat(path, ".gz");
    bi_write_all(path, bytes, size, gzip);
    return dir;
}
