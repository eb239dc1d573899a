/* Data preparation: statistics, padding, shuffling and splits, augmentation,
 * the batch loader's determinism and resume, PNM images. Every input is
 * written by the test. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clcnn/data.h"
#include "data_asserts.h"
#include "data_fixtures.h"
#include "test_files.h"

#define SEED 7u

START_TEST(channel_stats_by_hand)
{
    /* Two 1x2 images of 2 channels: channel 0 holds 0, 10 | 20, 30 (mean 15,
     * variance (225+25+25+225)/4 = 125); channel 1 is 255 everywhere. */
    clcnn_dataset ds;
    fixture_numbered_dataset(&ds, 2, 2, 1, 2, 2);
    const uint8_t pixels[8] = {0, 10, 255, 255, 20, 30, 255, 255};
    memcpy(ds.images, pixels, 8);
    double mean[2], std[2];
    ck_assert_int_eq(clcnn_dataset_channel_stats(&ds, mean, std), CLCNN_OK);
    ck_assert_double_eq_tol(mean[0], 15.0, 1e-12);
    ck_assert_double_eq_tol(std[0], sqrt(125.0), 1e-12);
    ck_assert_double_eq_tol(mean[1], 255.0, 1e-12);
    ck_assert_double_eq_tol(std[1], 0.0, 1e-12);
    clcnn_dataset_free(&ds);
}
END_TEST

START_TEST(pads_at_load_and_limits_images)
{
    const char *dir = fresh_dir("pad");
    ck_assert_int_eq(fixture_write_idx(dir, 5, 1, 3, 4, SEED, 0), 0);
    clcnn_load_options options = {.format = CLCNN_DATA_IDX, .pad = 2, .max_images = 3};
    clcnn_dataset ds;
    ck_assert_int_eq(clcnn_dataset_load(dir, CLCNN_SPLIT_TRAIN, &options, &ds), CLCNN_OK);
    ck_assert_int_eq(ds.count, 3);
    ck_assert_int_eq(ds.height, 7);
    ck_assert_int_eq(ds.width, 8);
    for (int n = 0; n < 3; ++n) {
        ck_assert_int_eq(ds.labels[n], fixture_label(SEED, n, 10));
        for (int y = 0; y < 7; ++y)
            for (int x = 0; x < 8; ++x) {
                int inside = y >= 2 && y < 5 && x >= 2 && x < 6;
                int expected = inside ? fixture_pixel(SEED, n, 0, y - 2, x - 2) : 0;
                ck_assert_int_eq(ds.images[(n * 7 + y) * 8 + x], expected);
            }
    }
    clcnn_dataset_free(&ds);
}
END_TEST

START_TEST(shuffle_keeps_pairs_and_split_takes_the_tail)
{
    clcnn_dataset a, b, val;
    fixture_numbered_dataset(&a, 20, 1, 2, 2, 3);
    fixture_numbered_dataset(&b, 20, 1, 2, 2, 3);
    ck_assert_int_eq(clcnn_dataset_shuffle(&a, 99), CLCNN_OK);
    ck_assert_int_eq(clcnn_dataset_shuffle(&b, 99), CLCNN_OK);
    ck_assert_mem_eq(a.images, b.images, 80); /* same seed, same order */
    int seen[20] = {0}, moved = 0;
    for (int n = 0; n < 20; ++n) {
        int id = a.images[n * 4];
        ck_assert_int_eq(a.images[n * 4 + 3], id); /* whole images move */
        ck_assert_int_eq(a.labels[n], id % 3);     /* with their labels */
        seen[id]++;
        moved += id != n;
    }
    for (int id = 0; id < 20; ++id)
        ck_assert_int_eq(seen[id], 1);
    ck_assert_int_gt(moved, 0);
    clcnn_dataset_free(&b);
    fixture_numbered_dataset(&b, 20, 1, 2, 2, 3);
    ck_assert_int_eq(clcnn_dataset_split_last(&b, 5, &val), CLCNN_OK);
    ck_assert_int_eq(b.count, 15);
    ck_assert_int_eq(val.count, 5);
    for (int n = 0; n < 5; ++n) {
        ck_assert_int_eq(val.images[n * 4], 15 + n);
        ck_assert_int_eq(val.labels[n], (15 + n) % 3);
    }
    ck_assert_str_eq(val.class_names[2], "c2");
    clcnn_dataset too_large;
    ck_assert_int_eq(clcnn_dataset_split_last(&b, 15, &too_large), CLCNN_ERR_ARG);
    clcnn_dataset_free(&a);
    clcnn_dataset_free(&b);
    clcnn_dataset_free(&val);
}
END_TEST

/* ------------------------------------------------- random numbers, augment */

START_TEST(rng_is_seeded_and_bounded)
{
    clcnn_rng a, b;
    clcnn_rng_seed(&a, 0);
    /* splitmix64's first output from 0 (Vigna's reference implementation). */
    ck_assert_uint_eq(a.s[0], 0xe220a8397b1dcdafull);
    clcnn_rng_seed(&b, 0);
    for (int i = 0; i < 100; ++i)
        ck_assert_uint_eq(clcnn_rng_next(&a), clcnn_rng_next(&b));
    int hits[5] = {0};
    for (int i = 0; i < 5000; ++i) {
        uint32_t v = clcnn_rng_below(&a, 5);
        ck_assert_uint_lt(v, 5);
        hits[v]++;
        double u = clcnn_rng_uniform(&a);
        ck_assert(u >= 0.0 && u < 1.0);
    }
    for (int v = 0; v < 5; ++v) /* 1000 expected each; 5 sigma is about 140 */
        ck_assert_int_gt(hits[v], 800);
    clcnn_rng f1 = clcnn_rng_fork(&b, 1), f1_again = clcnn_rng_fork(&b, 1),
              f2 = clcnn_rng_fork(&b, 2);
    ck_assert_mem_eq(&f1, &f1_again, sizeof f1);
    ck_assert(memcmp(&f1, &f2, sizeof f1) != 0);
}
END_TEST

START_TEST(crop_and_flip_by_hand)
{
    /* 3x3 image 1..9, padding 1. */
    const uint8_t src[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    uint8_t out[9];
    clcnn_augment shift_down_right = {0, 0, 0};
    clcnn_augment_apply(src, out, 1, 3, 3, 1, shift_down_right);
    const uint8_t expect_a[9] = {0, 0, 0, 0, 1, 2, 0, 4, 5};
    ck_assert_mem_eq(out, expect_a, 9);
    clcnn_augment up_flipped = {2, 1, 1}; /* rows 1..2 then nothing; mirrored */
    clcnn_augment_apply(src, out, 1, 3, 3, 1, up_flipped);
    const uint8_t expect_b[9] = {6, 5, 4, 9, 8, 7, 0, 0, 0};
    ck_assert_mem_eq(out, expect_b, 9);
    clcnn_augment identity = {1, 1, 0};
    clcnn_augment_apply(src, out, 1, 3, 3, 1, identity);
    ck_assert_mem_eq(out, src, 9);
    /* Draws cover [0, 2*pad] and both flips. */
    clcnn_rng rng;
    clcnn_rng_seed(&rng, 3);
    int dy_seen[9] = {0}, flips = 0;
    for (int i = 0; i < 1000; ++i) {
        clcnn_augment aug = clcnn_augment_draw(&rng, 4, 1);
        ck_assert(aug.dy >= 0 && aug.dy <= 8 && aug.dx >= 0 && aug.dx <= 8);
        dy_seen[aug.dy] = 1;
        flips += aug.flip;
    }
    for (int d = 0; d <= 8; ++d)
        ck_assert_int_eq(dy_seen[d], 1);
    ck_assert(flips > 400 && flips < 600); /* 500 expected, sigma ~16 */
    clcnn_augment none = clcnn_augment_draw(&rng, 0, 0);
    ck_assert(none.dy == 0 && none.dx == 0 && none.flip == 0);
}
END_TEST

/* ------------------------------------------------------------ batch loader */

START_TEST(loader_returns_every_image_in_order)
{
    clcnn_dataset ds;
    fixture_numbered_dataset(&ds, 10, 1, 2, 2, 10);
    clcnn_loader_options options = clcnn_loader_options_default(4);
    clcnn_loader *loader;
    ck_assert_int_eq(clcnn_loader_create(&ds, &options, &loader), CLCNN_OK);
    ck_assert_int_eq(clcnn_loader_batches_per_epoch(loader), 3);
    const int counts[4] = {4, 4, 2, 4};
    for (int b = 0; b < 4; ++b) {
        clcnn_batch batch;
        ck_assert_int_eq(clcnn_loader_next(loader, &batch), CLCNN_OK);
        ck_assert_int_eq(batch.count, counts[b]);
        ck_assert_uint_eq(batch.epoch, b / 3);
        ck_assert_uint_eq(batch.position, (b % 3) * 4);
        ck_assert_int_eq(batch.end_of_epoch, b == 2);
        for (int i = 0; i < batch.count; ++i) {
            int id = (int)batch.position + i;
            ck_assert_int_eq(batch.images[i * 4], id);
            ck_assert_int_eq(batch.labels[i], id);
        }
    }
    clcnn_loader_destroy(loader);
    options.drop_last = 1;
    ck_assert_int_eq(clcnn_loader_create(&ds, &options, &loader), CLCNN_OK);
    ck_assert_int_eq(clcnn_loader_batches_per_epoch(loader), 2);
    for (int b = 0; b < 3; ++b) {
        clcnn_batch batch;
        ck_assert_int_eq(clcnn_loader_next(loader, &batch), CLCNN_OK);
        ck_assert_int_eq(batch.count, 4);
        ck_assert_uint_eq(batch.position, (b % 2) * 4);
    }
    clcnn_loader_destroy(loader);
    options.batch_size = 11;
    ck_assert_int_eq(clcnn_loader_create(&ds, &options, &loader), CLCNN_ERR_ARG);
    clcnn_dataset_free(&ds);
}
END_TEST

START_TEST(loader_shuffles_each_epoch)
{
    clcnn_dataset ds;
    fixture_numbered_dataset(&ds, 50, 1, 1, 1, 50);
    clcnn_loader_options options = clcnn_loader_options_default(7);
    options.shuffle = 1;
    options.seed = 11;
    clcnn_loader *loader;
    ck_assert_int_eq(clcnn_loader_create(&ds, &options, &loader), CLCNN_OK);
    int order[2][50];
    for (int epoch = 0; epoch < 2; ++epoch) {
        int seen[50] = {0}, filled = 0;
        clcnn_batch batch;
        do {
            ck_assert_int_eq(clcnn_loader_next(loader, &batch), CLCNN_OK);
            ck_assert_uint_eq(batch.epoch, epoch);
            for (int i = 0; i < batch.count; ++i) {
                ck_assert_int_eq(batch.labels[i], batch.images[i]);
                seen[batch.labels[i]]++;
                order[epoch][filled++] = batch.labels[i];
            }
        } while (!batch.end_of_epoch);
        ck_assert_int_eq(filled, 50);
        for (int id = 0; id < 50; ++id)
            ck_assert_int_eq(seen[id], 1);
    }
    ck_assert(memcmp(order[0], order[1], sizeof order[0]) != 0);
    clcnn_loader_destroy(loader);
    clcnn_dataset_free(&ds);
}
END_TEST

/* Copy n batches out of loader into images/labels (each batch_size wide). */
static void take_batches(clcnn_loader *loader, int n, size_t image_size, int batch_size,
                         uint8_t *images, int32_t *labels, int *counts)
{
    for (int b = 0; b < n; ++b) {
        clcnn_batch batch;
        ck_assert_int_eq(clcnn_loader_next(loader, &batch), CLCNN_OK);
        counts[b] = batch.count;
        /* Zero the unused tail of a partial batch so whole runs compare. */
        memset(images + (size_t)b * batch_size * image_size, 0, batch_size * image_size);
        memset(labels + (size_t)b * batch_size, 0, batch_size * sizeof(int32_t));
        memcpy(images + (size_t)b * batch_size * image_size, batch.images,
               batch.count * image_size);
        memcpy(labels + (size_t)b * batch_size, batch.labels, batch.count * sizeof(int32_t));
    }
}

START_TEST(loader_is_deterministic_and_resumes)
{
    enum { BATCH = 8, RUN = 9 }; /* 30 images: 4 batches an epoch, RUN crosses two epochs */
    const char *dir = fresh_dir("loader");
    ck_assert_int_eq(fixture_write_cifar10(dir, 1, 30, 0, SEED, 0), 0);
    clcnn_dataset ds;
    ck_assert_int_eq(clcnn_load_cifar10(dir, CLCNN_SPLIT_TRAIN, &ds), CLCNN_OK);
    size_t image = 3 * 32 * 32;
    clcnn_loader_options options = {BATCH, 1, 4, 1, 0, 1234};
    static uint8_t images[2][RUN * BATCH * 3072];
    static int32_t labels[2][RUN * BATCH];
    int counts[2][RUN];
    clcnn_loader *a, *b;
    ck_assert_int_eq(clcnn_loader_create(&ds, &options, &a), CLCNN_OK);
    ck_assert_int_eq(clcnn_loader_create(&ds, &options, &b), CLCNN_OK);
    take_batches(a, RUN, image, BATCH, images[0], labels[0], counts[0]);
    take_batches(b, RUN, image, BATCH, images[1], labels[1], counts[1]);
    ck_assert_mem_eq(counts[0], counts[1], sizeof counts[0]);
    ck_assert_mem_eq(labels[0], labels[1], sizeof labels[0]);
    ck_assert_mem_eq(images[0], images[1], sizeof images[0]);
    clcnn_loader_destroy(b);

    /* Resume from a state saved after 3 batches, in a loader seeded differently. */
    clcnn_loader_options other = options;
    other.seed = 999;
    ck_assert_int_eq(clcnn_loader_create(&ds, &other, &b), CLCNN_OK);
    clcnn_loader_state state;
    clcnn_loader_destroy(a);
    ck_assert_int_eq(clcnn_loader_create(&ds, &options, &a), CLCNN_OK);
    take_batches(a, 3, image, BATCH, images[1], labels[1], counts[1]);
    clcnn_loader_get_state(a, &state);
    ck_assert_uint_eq(state.epoch, 0);
    ck_assert_uint_eq(state.position, 24);
    ck_assert_int_eq(clcnn_loader_set_state(b, &state), CLCNN_OK);
    take_batches(b, RUN - 3, image, BATCH, images[1], labels[1], counts[1]);
    size_t skip = 3 * BATCH;
    ck_assert_mem_eq(labels[1], labels[0] + skip, (RUN - 3) * BATCH * sizeof(int32_t));
    ck_assert_mem_eq(images[1], images[0] + skip * image, (RUN - 3) * BATCH * image);

    /* The batches follow the documented derivation: epoch 0, position 0. */
    clcnn_rng base;
    clcnn_rng_seed(&base, options.seed);
    clcnn_rng order_rng = clcnn_rng_fork(&base, 0);
    uint32_t order[30];
    for (uint32_t i = 0; i < 30; ++i)
        order[i] = i;
    for (uint32_t i = 29; i > 0; --i) {
        uint32_t j = clcnn_rng_below(&order_rng, i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    clcnn_rng epoch_rng = clcnn_rng_fork(&base, 1), image_rng = clcnn_rng_fork(&epoch_rng, 0);
    clcnn_augment aug = clcnn_augment_draw(&image_rng, 4, 1);
    uint8_t expected[3072];
    clcnn_augment_apply(ds.images + order[0] * image, expected, 3, 32, 32, 4, aug);
    ck_assert_int_eq(labels[0][0], ds.labels[order[0]]);
    ck_assert_mem_eq(images[0], expected, image);

    ck_assert_int_eq(clcnn_loader_set_state(b, &(clcnn_loader_state){0, 31, base}),
                     CLCNN_ERR_ARG);
    clcnn_loader_destroy(a);
    clcnn_loader_destroy(b);
    clcnn_dataset_free(&ds);
}
END_TEST

/* ------------------------------------------------------------------ images */

START_TEST(pnm_round_trips_and_parses_ascii)
{
    const char *dir = fresh_dir("pnm");
    char path[4096];
    uint8_t pixels[3 * 2 * 3];
    for (int i = 0; i < 18; ++i)
        pixels[i] = (uint8_t)(i * 14);
    for (int channels = 1; channels <= 3; channels += 2) {
        clcnn_image img = {channels, 2, 3, pixels}, back;
        join(path, sizeof path, dir, channels == 3 ? "rgb.ppm" : "gray.pgm");
        ck_assert_int_eq(clcnn_image_write_pnm(path, &img), CLCNN_OK);
        ck_assert_int_eq(clcnn_image_read_pnm(path, &back), CLCNN_OK);
        ck_assert_int_eq(back.channels, channels);
        ck_assert_int_eq(back.height, 2);
        ck_assert_int_eq(back.width, 3);
        ck_assert_mem_eq(back.pixels, pixels, (size_t)channels * 6);
        clcnn_image_free(&back);
    }
    /* ASCII with comments and maxval 15: values scale to round(v * 255 / 15). */
    const char *ascii = "P3 # colour\n2 # wide\n1\n15\n0 1 2 # first pixel\n13 14 15\n";
    join(path, sizeof path, dir, "ascii.ppm");
    ck_assert_int_eq(fixture_write_file(path, ascii, strlen(ascii), 0), 0);
    clcnn_image img;
    ck_assert_int_eq(clcnn_image_read_pnm(path, &img), CLCNN_OK);
    const uint8_t planar[6] = {0, 221, 17, 238, 34, 255}; /* R: 0,13  G: 1,14  B: 2,15 */
    ck_assert_mem_eq(img.pixels, planar, 6);
    clcnn_image_free(&img);
    /* 16-bit binary samples are big-endian: 500 of 1000 -> 127.5 -> 128. */
    join(path, sizeof path, dir, "deep.pgm");
    ck_assert_int_eq(fixture_write_file(path, "P5\n1 1\n1000\n\x01\xf4", 14, 0), 0);
    ck_assert_int_eq(clcnn_image_read_pnm(path, &img), CLCNN_OK);
    ck_assert_int_eq(img.pixels[0], 128);
    clcnn_image_free(&img);
}
END_TEST

START_TEST(pnm_rejects_malformed_headers)
{
    const char *dir = fresh_dir("pnm-bad");
    char path[4096];
    struct { const char *text; size_t size; const char *offset; } cases[] = {
        {"P7\n1 1\n255\n", 10, "offset 0"},          /* unknown magic */
        {"P5\n# c\nx 1\n255\n ", 16, "offset 7"},    /* width not a number */
        {"P5\n2 2\n255\n\1\2\3", 14, "offset 14"},   /* one pixel short */
        {"P2\n2 1\n3\n1 4\n", 13, "offset 11"},      /* value above maxval */
        {"P6\n1 1\n", 7, "offset 7"},                /* no maxval */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; ++i) {
        join(path, sizeof path, dir, "bad.pgm");
        ck_assert_int_eq(fixture_write_file(path, cases[i].text, cases[i].size, 0), 0);
        clcnn_image img;
        assert_failure(clcnn_image_read_pnm(path, &img), CLCNN_ERR_FORMAT, "bad.pgm",
                       cases[i].offset);
        ck_assert_ptr_null(img.pixels);
    }
}
END_TEST

START_TEST(image_resize_and_channel_conversion)
{
    uint8_t constant[5 * 7];
    memset(constant, 77, sizeof constant);
    clcnn_image gray = {1, 5, 7, constant}, out;
    ck_assert_int_eq(clcnn_image_convert(&gray, 3, 32, 32, &out), CLCNN_OK);
    ck_assert_int_eq(out.channels, 3);
    for (int i = 0; i < 3 * 32 * 32; ++i)
        ck_assert_int_eq(out.pixels[i], 77);
    clcnn_image_free(&out);
    /* Halving a row averages neighbour pairs: [0 100 200 40] -> [50 120]. */
    uint8_t row[4] = {0, 100, 200, 40};
    clcnn_image line = {1, 1, 4, row};
    ck_assert_int_eq(clcnn_image_convert(&line, 1, 1, 2, &out), CLCNN_OK);
    ck_assert_int_eq(out.pixels[0], 50);
    ck_assert_int_eq(out.pixels[1], 120);
    clcnn_image_free(&out);
    /* Pure red to gray: 0.299 * 255 = 76.2. */
    uint8_t red[3 * 4] = {255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0};
    clcnn_image rgb = {3, 2, 2, red};
    ck_assert_int_eq(clcnn_image_convert(&rgb, 1, 2, 2, &out), CLCNN_OK);
    for (int i = 0; i < 4; ++i)
        ck_assert_int_eq(out.pixels[i], 76);
    clcnn_image_free(&out);
}
END_TEST

/* ---------------------------------------------------- shared real data sets */


static Suite *data_prep_suite(void)
{
    Suite *s = suite_create("data_prep");
    TCase *prep = tcase_create("preparation");
    tcase_add_test(prep, channel_stats_by_hand);
    tcase_add_test(prep, pads_at_load_and_limits_images);
    tcase_add_test(prep, shuffle_keeps_pairs_and_split_takes_the_tail);
    tcase_add_test(prep, rng_is_seeded_and_bounded);
    tcase_add_test(prep, crop_and_flip_by_hand);
    suite_add_tcase(s, prep);

    TCase *loader = tcase_create("batch_loader");
    tcase_add_test(loader, loader_returns_every_image_in_order);
    tcase_add_test(loader, loader_shuffles_each_epoch);
    tcase_add_test(loader, loader_is_deterministic_and_resumes);
    suite_add_tcase(s, loader);

    TCase *images = tcase_create("images");
    tcase_add_test(images, pnm_round_trips_and_parses_ascii);
    tcase_add_test(images, pnm_rejects_malformed_headers);
    tcase_add_test(images, image_resize_and_channel_conversion);
    suite_add_tcase(s, images);
    return s;
}

int main(void)
{
    return test_run_suite(data_prep_suite());
}
