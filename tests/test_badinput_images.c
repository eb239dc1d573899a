/* Bad image folders and image files through the built tool: each must fail
 * naming the file (or folder) and the reason, exit non-zero and, for
 * `train`, write nothing (bi_train_fails_cleanly); --skip-bad skips the
 * unreadable files, naming and counting them. */
#include <check.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "badinput_cli.h"
#include "data_fixtures.h"
#include "image_fixtures.h"
#include "test_files.h"
#include "train_fixtures.h"

static void setup(void) { bi_setup("badinput-images"); }

/* A fresh image folder `name`: train/ (24 images) and test/ (8) of 4 classes
 * c0..c3 as 32x32 PNG files. */
static const char *good_folder(const char *name)
{
    const char *dir = bi_path(name);
    fixture_remove_tree(dir);
    clcnn_dataset ds;
    char path[4600];
    for (int split = 0; split < 2; ++split) {
        train_fixture_dataset(&ds, split ? 8 : 24, 3, 32, 4, 17 + (uint32_t)split);
        for (int n = 0; n < ds.count; ++n)
            ds.labels[n] = n % 4; /* every class in both splits */
        snprintf(path, sizeof path, "%s/%s", dir, split ? "test" : "train");
        ck_assert_int_eq(fixture_write_png_folder(&ds, path, ""), 0);
        clcnn_dataset_free(&ds);
    }
    return dir;
}

/* dir/rel replaced by bytes. */
static const char *put(const char *dir, const char *rel, const void *bytes, size_t size)
{
    static char path[4600];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    bi_write_all(path, bytes, size, 0);
    return path;
}

#define TRAIN_ARGS "--data %s --model small --iters 1 --batch 8"

START_TEST(bad_image_folders)
{
    char path[4600];
    const char *dir = good_folder("folder");
    size_t size;
    snprintf(path, sizeof path, "%s/train/c1/00005.png", dir);
    uint8_t *png = test_read_file(path, &size);

    /* a truncated PNG, a corrupt one (compressed data overwritten) */
    put(dir, "train/c1/00005.png", png, size / 2);
    bi_train_fails_cleanly(1, "train/c1/00005.png: not a readable PNG image|truncated",
                           TRAIN_ARGS, dir);
    uint8_t *bad = malloc(size);
    memcpy(bad, png, size);
    memset(bad + 60, 0x55, 40);
    put(dir, "train/c1/00005.png", bad, size);
    bi_train_fails_cleanly(1, "train/c1/00005.png: not a readable PNG image", TRAIN_ARGS, dir);
    put(dir, "train/c1/00005.png", png, size);

    /* a truncated and a corrupt JPEG */
    uint8_t rgb[32 * 32 * 3];
    for (size_t i = 0; i < sizeof rgb; ++i)
        rgb[i] = (uint8_t)(i * 13);
    snprintf(path, sizeof path, "%s/test/c2/photo.jpg", dir);
    ck_assert_int_eq(fixture_write_jpeg(path, 32, 32, 3, rgb, 90, 0), 0);
    size_t jsize;
    uint8_t *jpeg = test_read_file(path, &jsize);
    put(dir, "test/c2/photo.jpg", jpeg, jsize - 40);
    bi_train_fails_cleanly(1, "test/c2/photo.jpg: not a readable JPEG image", TRAIN_ARGS, dir);
    bi_expect(bi_clcnn("eval --cpu --model %s --data %s", bi.good_ckpt, dir), 1,
              "test/c2/photo.jpg");
    memcpy(bad, jpeg, jsize);
    bad[2] = 0xFF, bad[3] = 0x01; /* a marker that cannot be there */
    put(dir, "test/c2/photo.jpg", bad, jsize);
    bi_train_fails_cleanly(1, "test/c2/photo.jpg: not a readable JPEG image", TRAIN_ARGS, dir);
    snprintf(path, sizeof path, "%s/test/c2/photo.jpg", dir);
    unlink(path);

    /* not an image; sizes refused from the header */
    put(dir, "train/c0/readme.txt", "a class of pictures\n", 20);
    bi_train_fails_cleanly(1, "train/c0/readme.txt: byte offset 0: not an image", TRAIN_ARGS, dir);
    snprintf(path, sizeof path, "%s/train/c0/readme.txt", dir);
    unlink(path);
    uint16_t one = 7;
    snprintf(path, sizeof path, "%s/train/c3/one.png", dir);
    ck_assert_int_eq(fixture_write_png(path, 1, 1, PNG_COLOR_TYPE_GRAY, 8, &one, NULL, 0, 0), 0);
    bi_train_fails_cleanly(1, "train/c3/one.png: the PNG header says 1 x 1 pixels", TRAIN_ARGS,
                           dir);
    put(dir, "train/c3/one.png", png, size);
    ck_assert_int_eq(fixture_patch_image_size(path, 100000, 100000), 0);
    bi_train_fails_cleanly(1, "train/c3/one.png: the PNG header says 100000 x 100000 pixels",
                           TRAIN_ARGS, dir);

    /* --skip-bad: the two bad files are named and counted, the run goes on */
    put(dir, "train/c0/readme.txt", "a class of pictures\n", 20);
    bi_expect(bi_clcnn("train --cpu " TRAIN_ARGS " --val 0 --skip-bad", dir), 0,
              "skipped 2 unreadable files|readme.txt: byte offset 0: not an image|"
              "one.png: the PNG header says 100000 x 100000|24 train");
    snprintf(path, sizeof path, "%s/train/c0/readme.txt", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/train/c3/one.png", dir);
    unlink(path);

    /* folders: an empty class, a class only in test/, a file among the
     * classes, a folder inside a class, no train/ classes at all */
    snprintf(path, sizeof path, "%s/train/c4", dir);
    ck_assert_int_eq(fixture_mkdir(path), 0);
    bi_train_fails_cleanly(1, "train/c4: empty class folder", TRAIN_ARGS, dir);
    rmdir(path);
    snprintf(path, sizeof path, "%s/test/zebra", dir);
    ck_assert_int_eq(fixture_mkdir(path), 0);
    put(dir, "test/zebra/z.png", png, size);
    bi_train_fails_cleanly(1, "test/zebra: class \"zebra\" is only in test/", TRAIN_ARGS, dir);
    fixture_remove_tree(path);
    put(dir, "train/labels.csv", "x", 1);
    bi_train_fails_cleanly(1, "train/labels.csv: not a folder", TRAIN_ARGS, dir);
    snprintf(path, sizeof path, "%s/train/labels.csv", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/train/c1/more", dir);
    ck_assert_int_eq(fixture_mkdir(path), 0);
    bi_train_fails_cleanly(1, "train/c1/more: a folder inside a class folder", TRAIN_ARGS, dir);
    rmdir(path);
    snprintf(path, sizeof path, "%s/test", dir);
    fixture_remove_tree(path);
    bi_train_fails_cleanly(1, "folder/test: cannot open the folder", TRAIN_ARGS, dir);
    const char *empty = bi_path("empty-train");
    fixture_remove_tree(empty);
    snprintf(path, sizeof path, "%s/train", empty);
    ck_assert_int_eq(fixture_mkdir(path), 0);
    bi_train_fails_cleanly(1, "empty-train/train: no class folders", TRAIN_ARGS, empty);
    free(bad);
    free(png);
    free(jpeg);
    bi_report("bad_image_folders");
}
END_TEST

START_TEST(bad_images_for_predict)
{
    uint8_t rgb[16 * 16 * 3] = {0};
    const char *jpg = bi_path("bad.jpg");
    ck_assert_int_eq(fixture_write_jpeg(jpg, 16, 16, 3, rgb, 90, 0), 0);
    size_t size;
    uint8_t *jpeg = test_read_file(jpg, &size);
    bi_write_all(jpg, jpeg, size / 2, 0);
    bi_expect(bi_clcnn("predict --cpu --model %s %s %s", bi.good_ckpt, bi.image_path, jpg), 1,
              "bad.jpg: not a readable JPEG image|image.ppm:");
    ck_assert_int_eq(fixture_write_jpeg(jpg, 16, 16, 3, rgb, 90, 0), 0);
    ck_assert_int_eq(fixture_patch_image_size(jpg, 65000, 65000), 0);
    bi_expect(bi_clcnn("predict --cpu --model %s %s", bi.good_ckpt, jpg), 1,
              "bad.jpg: the JPEG header says 65000 x 65000 pixels");
    const char *png = bi_path("bad.png");
    uint16_t gray[64] = {0};
    ck_assert_int_eq(fixture_write_png(png, 8, 8, PNG_COLOR_TYPE_GRAY, 8, gray, NULL, 0, 0), 0);
    ck_assert_int_eq(fixture_patch_image_size(png, 2, 3), 0);
    bi_expect(bi_clcnn("predict --cpu --model %s %s", bi.good_ckpt, png), 1,
              "bad.png: the PNG header says 2 x 3 pixels");
    bi_write_all(png, "\x89PNG\r\n\x1a\n", 8, 0);
    bi_expect(bi_clcnn("predict --cpu --model %s %s", bi.good_ckpt, png), 1,
              "bad.png: not a readable PNG image");
    free(jpeg);
    bi_report("bad_images_for_predict");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("badinput_images");
    TCase *tc = tcase_create("cli");
    tcase_add_unchecked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, bad_image_folders);
    tcase_add_test(tc, bad_images_for_predict);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(suite());
}
