/* Image-folder data sets (DIR/SPLIT/CLASS/FILE): what is written as PNG is
 * read back exactly, in file-name order, with labels from the sorted class
 * folders, whatever the number of decoding threads; other sizes and kinds
 * are fitted like clcnn_image_fit; val/ is read; --skip-bad reports what it
 * skips. Then the tool: training on a folder, and the real run: the CIFAR-10
 * sample written as PNG folders trains to the same accuracy as its binary
 * files with the same seed. */
#include <check.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "badinput_cli.h"
#include "clcnn/data.h"
#include "data_asserts.h"
#include "data_fixtures.h"
#include "image_fixtures.h"
#include "test_env.h"
#include "test_files.h"
#include "train_fixtures.h"

#define SAMPLE_DIR CLCNN_SOURCE_DIR "/../shared/data/cifar10-sample"

/* dir/split/ holding the images of ds as PNG (file n: <prefix><n>.png). */
static void write_split(const clcnn_dataset *ds, const char *dir, const char *split,
                        const char *prefix)
{
    char path[4600];
    snprintf(path, sizeof path, "%s/%s", dir, split);
    ck_assert_int_eq(fixture_write_png_folder(ds, path, prefix), 0);
}

static void assert_same_dataset(const clcnn_dataset *got, const clcnn_dataset *want)
{
    ck_assert_int_eq(got->count, want->count);
    ck_assert_int_eq(got->classes, want->classes);
    ck_assert_int_eq(got->channels, want->channels);
    ck_assert_int_eq(got->height, want->height);
    ck_assert_int_eq(got->width, want->width);
    ck_assert_mem_eq(got->labels, want->labels, sizeof *got->labels * (size_t)got->count);
    ck_assert_mem_eq(got->images, want->images,
                     (size_t)got->count * got->channels * got->height * got->width);
    for (int k = 0; k < got->classes; ++k)
        ck_assert_str_eq(got->class_names[k], want->class_names[k]);
}

START_TEST(png_folder_reads_back_exactly_in_name_order)
{
    const char *dir = fresh_dir("folder-exact");
    clcnn_dataset ds, test;
    train_fixture_dataset(&ds, 60, 3, 32, 5, 3);
    train_fixture_dataset(&test, 12, 3, 32, 5, 4);
    write_split(&ds, dir, "train", "");
    write_split(&test, dir, "test", "");
    clcnn_data_format format;
    ck_assert_int_eq(clcnn_data_detect_format(dir, &format), CLCNN_OK);
    ck_assert_int_eq(format, CLCNN_DATA_FOLDER);
    /* file n is named by n: name order is the data set's order */
    for (int threads = 1; threads <= 7; threads += 3) {
        clcnn_load_options opt = {.format = CLCNN_DATA_AUTO, .threads = threads};
        clcnn_dataset got;
        ck_assert_msg(clcnn_dataset_load(dir, CLCNN_SPLIT_TRAIN, &opt, &got) == CLCNN_OK, "%s",
                      clcnn_last_error());
        assert_same_dataset(&got, &ds);
        clcnn_dataset_free(&got);
        ck_assert_int_eq(clcnn_dataset_load(dir, CLCNN_SPLIT_TEST, &opt, &got), CLCNN_OK);
        assert_same_dataset(&got, &test);
        clcnn_dataset_free(&got);
    }
    ck_assert(!clcnn_folder_has_split(dir, CLCNN_SPLIT_VAL));
    clcnn_dataset_free(&ds);
    clcnn_dataset_free(&test);
}
END_TEST

typedef struct progress_log {
    int calls, last_done, last_total, skipped;
    char skipped_text[4096];
} progress_log;

static void log_progress(int done, int total, void *user)
{
    progress_log *log = user;
    ck_assert_int_ge(done, log->last_done); /* reset between loads */
    log->calls++;
    log->last_done = done;
    log->last_total = total;
}

static void log_skipped(const char *message, void *user)
{
    progress_log *log = user;
    log->skipped++;
    strncat(log->skipped_text, message, sizeof log->skipped_text - strlen(log->skipped_text) - 2);
    strcat(log->skipped_text, "\n");
}

/* Gray, RGBA, JPEG and other sizes: each fitted as clcnn_image_fit would;
 * classes sorted by name; ties of names in class order; val/ read. */
START_TEST(mixed_files_are_fitted_and_ordered)
{
    const char *dir = fresh_dir("folder-mixed");
    char path[4600];
    const char *classes[3] = {"zebra", "ant", "moth"}; /* sorted: ant moth zebra */
    for (int k = 0; k < 3; ++k)
        for (const char *const *split = (const char *const[]){"train", "val", "test", NULL};
             *split; ++split) {
            snprintf(path, sizeof path, "%s/%s/%s", dir, *split, classes[k]);
            ck_assert_int_eq(fixture_mkdir(path), 0);
        }
    /* train/<class>/a.png in every class (a tie), plus files of other kinds */
    clcnn_image images[5];
    const int sizes[5][3] = {{3, 32, 32}, {1, 32, 32}, {3, 40, 70}, {1, 9, 20}, {3, 64, 48}};
    for (int i = 0; i < 5; ++i) {
        clcnn_image *im = &images[i];
        *im = (clcnn_image){sizes[i][0], sizes[i][1], sizes[i][2], NULL};
        size_t n = (size_t)im->channels * im->height * im->width;
        im->pixels = malloc(n);
        for (size_t j = 0; j < n; ++j)
            im->pixels[j] = fixture_pixel(5, i, 0, 0, (int)j);
    }
    const char *train_files[][2] = {{"zebra", "a.png"}, {"ant", "a.png"}, {"moth", "a.png"},
                                    {"ant", "b.png"},   {"zebra", "c.png"}};
    for (int i = 0; i < 5; ++i) {
        snprintf(path, sizeof path, "%s/train/%s/%s", dir, train_files[i][0], train_files[i][1]);
        ck_assert_int_eq(fixture_write_image(path, &images[i], 0), 0);
    }
    snprintf(path, sizeof path, "%s/val/moth/v.jpg", dir);
    ck_assert_int_eq(fixture_write_image(path, &images[2], 95), 0);
    snprintf(path, sizeof path, "%s/test/zebra/t.png", dir);
    ck_assert_int_eq(fixture_write_image(path, &images[4], 0), 0);
    /* empty val/ and test/ class folders are an error: remove them */
    for (int k = 0; k < 3; ++k) {
        snprintf(path, sizeof path, "%s/val/%s", dir, classes[k]);
        if (k != 2)
            rmdir(path);
        snprintf(path, sizeof path, "%s/test/%s", dir, classes[k]);
        if (k != 0)
            rmdir(path);
    }
    progress_log log = {0};
    clcnn_load_options opt = {.format = CLCNN_DATA_FOLDER, .channels = 3, .height = 24,
                              .width = 24, .progress = log_progress, .user = &log};
    clcnn_dataset got;
    ck_assert_msg(clcnn_dataset_load(dir, CLCNN_SPLIT_TRAIN, &opt, &got) == CLCNN_OK, "%s",
                  clcnn_last_error());
    ck_assert_int_eq(got.count, 5);
    ck_assert_int_eq(got.classes, 3);
    ck_assert_str_eq(got.class_names[0], "ant");
    ck_assert_str_eq(got.class_names[1], "moth");
    ck_assert_str_eq(got.class_names[2], "zebra");
    ck_assert_int_ge(log.calls, 1);
    ck_assert_int_eq(log.last_done, 5);
    ck_assert_int_eq(log.last_total, 5);
    /* order: a.png (ant, moth, zebra), b.png (ant), c.png (zebra) */
    const int order[5] = {1, 2, 0, 3, 4};
    const int labels[5] = {0, 1, 2, 0, 2};
    for (int n = 0; n < 5; ++n) {
        ck_assert_int_eq(got.labels[n], labels[n]);
        clcnn_image want;
        ck_assert_int_eq(clcnn_image_fit(&images[order[n]], 3, 24, 24, &want), CLCNN_OK);
        ck_assert_mem_eq(got.images + (size_t)n * 3 * 24 * 24, want.pixels, 3 * 24 * 24);
        clcnn_image_free(&want);
    }
    clcnn_dataset_free(&got);
    ck_assert(clcnn_folder_has_split(dir, CLCNN_SPLIT_VAL));
    log.last_done = 0;
    ck_assert_int_eq(clcnn_dataset_load(dir, CLCNN_SPLIT_VAL, &opt, &got), CLCNN_OK);
    ck_assert_int_eq(got.count, 1);
    ck_assert_int_eq(got.labels[0], 1);
    ck_assert_int_eq(got.classes, 3);
    clcnn_dataset_free(&got);

    /* --skip-bad: a text file and a cut PNG skipped, each named */
    snprintf(path, sizeof path, "%s/train/ant/notes.txt", dir);
    ck_assert_int_eq(fixture_write_file(path, "not an image\n", 13, 0), 0);
    snprintf(path, sizeof path, "%s/train/moth/cut.png", dir);
    ck_assert_int_eq(fixture_write_file(path, "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16, 0), 0);
    log.last_done = 0;
    ck_assert_int_eq(clcnn_dataset_load(dir, CLCNN_SPLIT_TRAIN, &opt, &got), CLCNN_ERR_FORMAT);
    ck_assert_msg(strstr(clcnn_last_error(), "cut.png"), "%s", clcnn_last_error());
    opt.skip_bad = 1;
    opt.skipped = log_skipped;
    log.last_done = 0;
    ck_assert_msg(clcnn_dataset_load(dir, CLCNN_SPLIT_TRAIN, &opt, &got) == CLCNN_OK, "%s",
                  clcnn_last_error());
    ck_assert_int_eq(got.count, 5);
    ck_assert_int_eq(log.skipped, 2);
    ck_assert_msg(strstr(log.skipped_text, "cut.png") && strstr(log.skipped_text, "notes.txt") &&
                      strstr(log.skipped_text, "not an image"),
                  "%s", log.skipped_text);
    clcnn_dataset_free(&got);
    for (int i = 0; i < 5; ++i)
        clcnn_image_free(&images[i]);
}
END_TEST

/* The decoded-image cache: written by a load, mapped by the next one with
 * the same pixels; rebuilt when a file's time changes, a file goes, or the
 * cache's bytes are damaged. */
START_TEST(image_cache_is_mapped_and_rebuilt)
{
    const char *dir = fresh_dir("folder-cache");
    clcnn_dataset ds, got;
    train_fixture_dataset(&ds, 40, 3, 32, 4, 21);
    write_split(&ds, dir, "train", "");
    clcnn_load_options opt = {.format = CLCNN_DATA_FOLDER, .cache = 1};
    char cache[4600], path[4600];
    snprintf(cache, sizeof cache, "%s/.clcnn-cache-train-3x32x32", dir);
    ck_assert_int_eq(clcnn_dataset_load(dir, CLCNN_SPLIT_TRAIN, &opt, &got), CLCNN_OK);
    ck_assert_ptr_null(got.mapping); /* decoded, then written */
    assert_same_dataset(&got, &ds);
    clcnn_dataset_free(&got);
    ck_assert_int_eq(access(cache, F_OK), 0);
    for (int change = 0; change < 4; ++change) {
        ck_assert_int_eq(clcnn_dataset_load(dir, CLCNN_SPLIT_TRAIN, &opt, &got), CLCNN_OK);
        ck_assert_msg(got.mapping != NULL, "change %d: the cache was not used", change);
        assert_same_dataset(&got, &ds);
        clcnn_dataset_free(&got);
        if (change == 0) { /* a file's time */
            snprintf(path, sizeof path, "%s/train/%s/00007.png", dir,
                     ds.class_names[ds.labels[7]]);
            struct timespec times[2] = {{0, UTIME_OMIT}, {12345, 0}};
            ck_assert_int_eq(utimensat(AT_FDCWD, path, times, 0), 0);
        } else if (change == 1) { /* the cache's last byte */
            FILE *f = fopen(cache, "r+b");
            fseek(f, -1, SEEK_END);
            int last = fgetc(f);
            fseek(f, -1, SEEK_END);
            fputc(last ^ 1, f);
            fclose(f);
        } else if (change == 2) { /* a file removed: 39 images */
            snprintf(path, sizeof path, "%s/train/%s/00039.png", dir,
                     ds.class_names[ds.labels[39]]);
            ck_assert_int_eq(unlink(path), 0);
            ds.count = 39;
        }
        ck_assert_int_eq(clcnn_dataset_load(dir, CLCNN_SPLIT_TRAIN, &opt, &got), CLCNN_OK);
        ck_assert_msg(change == 3 || got.mapping == NULL, "change %d: a stale cache was used",
                      change);
        assert_same_dataset(&got, &ds);
        clcnn_dataset_free(&got);
    }
    clcnn_dataset_free(&ds);
}
END_TEST

/* ------------------------------------------------------------- the tool */

/* The test accuracy printed by `clcnn train` ("test: loss L  accuracy A%"). */
static double test_accuracy(void)
{
    const char *at = strstr(bi_out, "test: loss");
    ck_assert_msg(at != NULL, "%s", bi_out);
    at = strstr(at, "accuracy");
    ck_assert_msg(at != NULL, "%s", bi_out);
    return atof(at + strlen("accuracy"));
}

START_TEST(trains_on_a_folder_with_val_and_image_size)
{
    const char *dir = fresh_dir("folder-train");
    clcnn_dataset train, val, test;
    train_fixture_dataset(&train, 96, 3, 20, 4, 7);
    train_fixture_dataset(&val, 16, 3, 20, 4, 8);
    train_fixture_dataset(&test, 16, 1, 20, 4, 9); /* gray: replicated to RGB */
    write_split(&train, dir, "train", "tr");
    write_split(&val, dir, "val", "va");
    write_split(&test, dir, "test", "te");
    char ckpt[4600];
    snprintf(ckpt, sizeof ckpt, "%s/run.ckpt", dir);
    ck_assert_msg(bi_clcnn("train --cpu --data %s --model small --image-size 16 --iters 4 "
                        "--batch 16 --save %s", dir, ckpt) == 0, "%s", bi_out);
    ck_assert_msg(strstr(bi_out, "(folder): 96 train, 16 val, 16 test images"), "%s", bi_out);
    ck_assert_msg(strstr(bi_out, "decoded 128 images to 3x16x16"), "%s", bi_out);
    ck_assert_msg(strstr(bi_out, "c3"), "%s", bi_out);
    /* resume with the same flags, eval on the folder */
    ck_assert_msg(bi_clcnn("train --cpu --data %s --model small --image-size 16 --iters 6 "
                        "--batch 16 --save %s --resume %s", dir, ckpt, ckpt) == 0, "%s", bi_out);
    ck_assert_msg(bi_clcnn("eval --cpu --model %s", ckpt) == 0 && strstr(bi_out, "/16)"), "%s",
                  bi_out);
    /* refused: --val with a val/ folder, another image size on resume, a
     * model file of another input size, --image-size on CIFAR data */
    ck_assert_int_eq(bi_clcnn("train --cpu --data %s --val 8 --iters 1", dir), 2);
    ck_assert_msg(strstr(bi_out, "val holds the validation images"), "%s", bi_out);
    ck_assert_int_eq(bi_clcnn("train --cpu --data %s --resume %s --image-size 24", dir, ckpt), 2);
    ck_assert_msg(strstr(bi_out, "--image-size 24") && strstr(bi_out, "16 x 16"), "%s", bi_out);
    char model[4600];
    snprintf(model, sizeof model, "%s/m.txt", dir);
    ck_assert_int_eq(fixture_write_file(model, "input 3 32 32\nfc 4\n", 19, 0), 0);
    ck_assert_int_eq(bi_clcnn("train --cpu --data %s --model %s --image-size 16 --iters 1", dir,
                           model), 2);
    ck_assert_msg(strstr(bi_out, "takes 32 x 32 input"), "%s", bi_out);
    clcnn_dataset_free(&train);
    clcnn_dataset_free(&val);
    clcnn_dataset_free(&test);
}
END_TEST

/* The CIFAR-10 sample's binary files and the same images as PNG files in
 * class folders (named by their record number, so in the same order) train
 * `small` with the same seed to the same test accuracy. */
START_TEST(cifar10_sample_as_png_trains_like_the_binary)
{
    struct stat info;
    if (stat(SAMPLE_DIR, &info) != 0) {
        printf("cifar10_sample_as_png_trains_like_the_binary: skipped, %s is absent\n",
               SAMPLE_DIR);
        return;
    }
    const char *dir = fresh_dir("cifar10-sample-png");
    clcnn_dataset train, test;
    ck_assert_int_eq(clcnn_dataset_load(SAMPLE_DIR, CLCNN_SPLIT_TRAIN, NULL, &train), CLCNN_OK);
    ck_assert_int_eq(clcnn_dataset_load(SAMPLE_DIR, CLCNN_SPLIT_TEST, NULL, &test), CLCNN_OK);
    write_split(&train, dir, "train", "");
    write_split(&test, dir, "test", "");
    clcnn_dataset_free(&train);
    clcnn_dataset_free(&test);
    const char *run = "train --cpu --model small --iters 200 --batch 32 --lr 0.01 --no-augment "
                      "--val 0 --seed 3";
    ck_assert_msg(bi_clcnn("%s --data %s", run, SAMPLE_DIR) == 0, "%s", bi_out);
    double binary = test_accuracy();
    ck_assert_msg(bi_clcnn("%s --data %s", run, dir) == 0, "%s", bi_out);
    double folder = test_accuracy();
    printf("cifar10 sample, small, 200 iterations of 32, seed 3: test accuracy %.2f%% from the "
           "binary files, %.2f%% from PNG folders\n", binary, folder);
    ck_assert_double_le(fabs(binary - folder), 1.0);
    ck_assert_double_gt(binary, 20.0); /* it learned something: chance is 10% */
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("image_folders");
    TCase *tc = tcase_create("folders");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, png_folder_reads_back_exactly_in_name_order);
    tcase_add_test(tc, mixed_files_are_fitted_and_ordered);
    tcase_add_test(tc, image_cache_is_mapped_and_rebuilt);
    tcase_add_test(tc, trains_on_a_folder_with_val_and_image_size);
    tcase_add_test(tc, cifar10_sample_as_png_trains_like_the_binary);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(suite());
}
