/* Data: loaders (CIFAR-10, CIFAR-100, IDX; plain and gzip), malformed files,
 * statistics, padding, shuffling and splits, augmentation, the batch loader's
 * determinism and resume, PNM images. Every input is written by the test. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clcnn/data.h"
#include "data_fixtures.h"

#define SEED 7u

/* CLCNN_TEST_TMP/data/<name>, a fresh folder (removed first). */
static const char *fresh_dir(const char *name)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/data/%s", CLCNN_TEST_TMP, name);
    ck_assert_int_eq(fixture_remove_tree(path), 0);
    ck_assert_int_eq(fixture_mkdir(path), 0);
    return path;
}

static void join(char *out, size_t size, const char *dir, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
}

/* The failure carries the expected status and names the file and the offset. */
static void assert_failure(clcnn_status got, clcnn_status expected, const char *file_part,
                           const char *offset_text)
{
    const char *msg = clcnn_last_error();
    ck_assert_msg(got == expected, "status %s, expected %s (%s)", clcnn_status_name(got),
                  clcnn_status_name(expected), msg);
    ck_assert_msg(strstr(msg, file_part) != NULL, "message lacks \"%s\": %s", file_part, msg);
    ck_assert_msg(strstr(msg, offset_text) != NULL, "message lacks \"%s\": %s", offset_text, msg);
}

/* Every pixel and label of ds equals the fixture's (image numbers from first). */
static void assert_fixture_images(const clcnn_dataset *ds, uint32_t seed, int first)
{
    for (int n = 0; n < ds->count; ++n) {
        ck_assert_int_eq(ds->labels[n], fixture_label(seed, first + n, ds->classes));
        const uint8_t *img = ds->images + (size_t)n * ds->channels * ds->height * ds->width;
        for (int c = 0; c < ds->channels; ++c)
            for (int y = 0; y < ds->height; ++y)
                for (int x = 0; x < ds->width; ++x)
                    ck_assert_int_eq(img[(c * ds->height + y) * ds->width + x],
                                     fixture_pixel(seed, first + n, c, y, x));
    }
}

/* ------------------------------------------------------------------ loaders */

START_TEST(cifar10_reads_back_exactly)
{
    int gzip = _i;
    const char *dir = fresh_dir(gzip ? "cifar10-gz" : "cifar10");
    ck_assert_int_eq(fixture_write_cifar10(dir, 2, 3, 4, SEED, gzip), 0);
    clcnn_dataset train, test;
    ck_assert_int_eq(clcnn_dataset_load(dir, CLCNN_SPLIT_TRAIN, NULL, &train), CLCNN_OK);
    ck_assert_int_eq(train.count, 6);
    ck_assert_int_eq(train.channels, 3);
    ck_assert_int_eq(train.height, 32);
    ck_assert_int_eq(train.width, 32);
    ck_assert_int_eq(train.classes, 10);
    assert_fixture_images(&train, SEED, 0);
    ck_assert_str_eq(train.class_names[0], "airplane"); /* default names */
    ck_assert_str_eq(train.class_names[9], "truck");
    ck_assert_int_eq(clcnn_dataset_load(dir, CLCNN_SPLIT_TEST, NULL, &test), CLCNN_OK);
    ck_assert_int_eq(test.count, 4);
    assert_fixture_images(&test, SEED + 1, 0);
    clcnn_dataset_free(&train);
    clcnn_dataset_free(&test);
}
END_TEST

START_TEST(cifar10_names_from_meta_file)
{
    const char *dir = fresh_dir("cifar10-meta");
    ck_assert_int_eq(fixture_write_cifar10(dir, 1, 2, 1, SEED, 0), 0);
    char path[4096];
    join(path, sizeof path, dir, "batches.meta.txt");
    const char *names = "a0\nb1\r\nc2\nd3\ne4\n\nf5\ng6\nh7\ni8\nj9\n\n";
    ck_assert_int_eq(fixture_write_file(path, names, strlen(names), 0), 0);
    clcnn_dataset ds;
    ck_assert_int_eq(clcnn_dataset_load(dir, CLCNN_SPLIT_TRAIN, NULL, &ds), CLCNN_OK);
    ck_assert_str_eq(ds.class_names[1], "b1");
    ck_assert_str_eq(ds.class_names[5], "f5");
    ck_assert_str_eq(ds.class_names[9], "j9");
    clcnn_dataset_free(&ds);
    /* Too few names is an error naming the file. */
    ck_assert_int_eq(fixture_write_file(path, "x\ny\n", 4, 0), 0);
    assert_failure(clcnn_dataset_load(dir, CLCNN_SPLIT_TRAIN, NULL, &ds), CLCNN_ERR_FORMAT,
                   "batches.meta.txt", "offset 4");
    ck_assert_ptr_null(ds.images);
}
END_TEST

START_TEST(cifar100_uses_fine_labels)
{
    int gzip = _i;
    const char *dir = fresh_dir(gzip ? "cifar100-gz" : "cifar100");
    ck_assert_int_eq(fixture_write_cifar100(dir, 5, 3, SEED, gzip), 0);
    clcnn_data_format format;
    ck_assert_int_eq(clcnn_data_detect_format(dir, &format), CLCNN_OK);
    ck_assert_int_eq(format, CLCNN_DATA_CIFAR100);
    clcnn_dataset train, test;
    ck_assert_int_eq(clcnn_dataset_load(dir, CLCNN_SPLIT_TRAIN, NULL, &train), CLCNN_OK);
    ck_assert_int_eq(train.count, 5);
    ck_assert_int_eq(train.classes, 100);
    assert_fixture_images(&train, SEED, 0);
    ck_assert_str_eq(train.class_names[42], "42");
    ck_assert_int_eq(clcnn_dataset_load(dir, CLCNN_SPLIT_TEST, NULL, &test), CLCNN_OK);
    ck_assert_int_eq(test.count, 3);
    assert_fixture_images(&test, SEED + 1, 0);
    clcnn_dataset_free(&train);
    clcnn_dataset_free(&test);
}
END_TEST

START_TEST(idx_reads_back_exactly)
{
    int gzip = _i;
    const char *dir = fresh_dir(gzip ? "idx-gz" : "idx");
    ck_assert_int_eq(fixture_write_idx(dir, 7, 3, 5, 4, SEED, gzip), 0);
    clcnn_dataset train, test;
    ck_assert_int_eq(clcnn_dataset_load(dir, CLCNN_SPLIT_TRAIN, NULL, &train), CLCNN_OK);
    ck_assert_int_eq(train.count, 7);
    ck_assert_int_eq(train.channels, 1);
    ck_assert_int_eq(train.height, 5);
    ck_assert_int_eq(train.width, 4);
    assert_fixture_images(&train, SEED, 0);
    ck_assert_str_eq(train.class_names[3], "3"); /* digits: the path lacks "fashion" */
    ck_assert_int_eq(clcnn_dataset_load(dir, CLCNN_SPLIT_TEST, NULL, &test), CLCNN_OK);
    ck_assert_int_eq(test.count, 3);
    assert_fixture_images(&test, SEED + 1, 0);
    clcnn_dataset_free(&train);
    clcnn_dataset_free(&test);
}
END_TEST

START_TEST(idx_names_fashion_folders)
{
    const char *dir = fresh_dir("My-Fashion-set");
    ck_assert_int_eq(fixture_write_idx(dir, 2, 1, 3, 3, SEED, 1), 0);
    clcnn_dataset ds;
    ck_assert_int_eq(clcnn_dataset_load(dir, CLCNN_SPLIT_TRAIN, NULL, &ds), CLCNN_OK);
    ck_assert_str_eq(ds.class_names[0], "T-shirt/top");
    ck_assert_str_eq(ds.class_names[9], "Ankle boot");
    clcnn_dataset_free(&ds);
}
END_TEST

START_TEST(detects_formats_and_lists_expected_files)
{
    clcnn_data_format format;
    const char *dir = fresh_dir("detect-cifar10-subset");
    ck_assert_int_eq(fixture_write_cifar10(dir, 1, 2, 0, SEED, 0), 0);
    char path[4096];
    join(path, sizeof path, dir, "test_batch.bin");
    ck_assert_int_eq(remove(path), 0); /* only data_batch_1.bin is left */
    ck_assert_int_eq(clcnn_data_detect_format(dir, &format), CLCNN_OK);
    ck_assert_int_eq(format, CLCNN_DATA_CIFAR10);
    clcnn_dataset ds;
    ck_assert_int_eq(clcnn_dataset_load(dir, CLCNN_SPLIT_TRAIN, NULL, &ds), CLCNN_OK);
    ck_assert_int_eq(ds.count, 2);
    clcnn_dataset_free(&ds);
    /* The test split is missing: the message lists the file expected. */
    assert_failure(clcnn_dataset_load(dir, CLCNN_SPLIT_TEST, NULL, &ds), CLCNN_ERR_IO,
                   "test_batch.bin", dir);

    dir = fresh_dir("detect-idx");
    ck_assert_int_eq(fixture_write_idx(dir, 2, 2, 2, 2, SEED, 1), 0);
    ck_assert_int_eq(clcnn_data_detect_format(dir, &format), CLCNN_OK);
    ck_assert_int_eq(format, CLCNN_DATA_IDX);

    dir = fresh_dir("detect-empty");
    assert_failure(clcnn_data_detect_format(dir, &format), CLCNN_ERR_IO, "data_batch_1.bin",
                   "train-images-idx3-ubyte");
    ck_assert(strstr(clcnn_last_error(), "train.bin") != NULL);

    ck_assert_int_eq(clcnn_data_format_parse("cifar100", &format), CLCNN_OK);
    ck_assert_int_eq(format, CLCNN_DATA_CIFAR100);
    ck_assert_str_eq(clcnn_data_format_name(CLCNN_DATA_IDX), "idx");
    ck_assert_int_eq(clcnn_data_format_parse("mnist", &format), CLCNN_ERR_ARG);
}
END_TEST

START_TEST(detection_refuses_two_formats)
{
    clcnn_data_format format;
    const char *dir = fresh_dir("detect-mixed");
    ck_assert_int_eq(fixture_write_cifar10(dir, 1, 1, 1, SEED, 0), 0);
    char path[4096];
    join(path, sizeof path, dir, "train.bin");
    ck_assert_int_eq(fixture_write_file(path, "x", 1, 0), 0);
    ck_assert_int_eq(clcnn_data_detect_format(dir, &format), CLCNN_ERR_FORMAT);
    ck_assert(strstr(clcnn_last_error(), "cifar100") != NULL);
}
END_TEST

/* ---------------------------------------------------------- malformed input */

/* Write bytes to dir/name, then load the split with format and check the failure. */
static void expect_rejected(const char *dir, const char *name, const void *bytes, size_t size,
                            clcnn_data_format format, clcnn_data_split split,
                            clcnn_status status, const char *offset_text)
{
    char path[4096];
    join(path, sizeof path, dir, name);
    ck_assert_int_eq(fixture_write_file(path, bytes, size, 0), 0);
    clcnn_load_options options = {format, 0, 0};
    clcnn_dataset ds;
    assert_failure(clcnn_dataset_load(dir, split, &options, &ds), status, name, offset_text);
    ck_assert_ptr_null(ds.images);
    ck_assert_int_eq(ds.count, 0);
}

START_TEST(rejects_malformed_cifar)
{
    const char *dir = fresh_dir("bad-cifar");
    uint8_t *bytes = calloc(3 * 3074, 1);
    /* Two whole records and 100 bytes of a third. */
    expect_rejected(dir, "test_batch.bin", bytes, 2 * 3073 + 100, CLCNN_DATA_CIFAR10,
                    CLCNN_SPLIT_TEST, CLCNN_ERR_FORMAT, "offset 6146");
    ck_assert(strstr(clcnn_last_error(), "whole number") != NULL);
    /* Label 10 in the second record. */
    bytes[3073] = 10;
    expect_rejected(dir, "test_batch.bin", bytes, 2 * 3073, CLCNN_DATA_CIFAR10, CLCNN_SPLIT_TEST,
                    CLCNN_ERR_FORMAT, "offset 3073");
    ck_assert(strstr(clcnn_last_error(), "0 .. 9") != NULL);
    expect_rejected(dir, "test_batch.bin", bytes, 0, CLCNN_DATA_CIFAR10, CLCNN_SPLIT_TEST,
                    CLCNN_ERR_FORMAT, "offset 0");
    ck_assert(strstr(clcnn_last_error(), "empty") != NULL);
    /* CIFAR-100: fine label 100 in the third record (its second byte). */
    memset(bytes, 0, 3 * 3074);
    bytes[2 * 3074 + 1] = 100;
    expect_rejected(dir, "test.bin", bytes, 3 * 3074, CLCNN_DATA_CIFAR100, CLCNN_SPLIT_TEST,
                    CLCNN_ERR_FORMAT, "offset 6149");
    free(bytes);
}
END_TEST

/* An IDX header of dims sizes after magic, then payload bytes of value fill. */
static size_t idx_bytes(uint8_t *out, uint32_t magic, const uint32_t *sizes, int dims,
                        size_t payload, uint8_t fill)
{
    uint32_t words[4] = {magic, sizes[0], dims > 1 ? sizes[1] : 0, dims > 2 ? sizes[2] : 0};
    for (int w = 0; w <= dims; ++w)
        for (int b = 0; b < 4; ++b)
            out[4 * w + b] = (uint8_t)(words[w] >> (24 - 8 * b));
    memset(out + 4 + 4 * dims, fill, payload);
    return 4 + 4 * (size_t)dims + payload;
}

START_TEST(rejects_malformed_idx)
{
    const char *dir = fresh_dir("bad-idx");
    ck_assert_int_eq(fixture_write_idx(dir, 3, 3, 2, 2, SEED, 0), 0);
    uint8_t bytes[256];
    const char *images = "t10k-images-idx3-ubyte", *labels = "t10k-labels-idx1-ubyte";
    const uint32_t three_2x2[3] = {3, 2, 2}, zero_rows[3] = {3, 0, 2};
    size_t n = idx_bytes(bytes, 0x0803, three_2x2, 3, 12, 0);
    bytes[3] = 0x01; /* wrong magic */
    expect_rejected(dir, images, bytes, n, CLCNN_DATA_IDX, CLCNN_SPLIT_TEST, CLCNN_ERR_FORMAT,
                    "offset 0");
    ck_assert(strstr(clcnn_last_error(), "0x00000803") != NULL);
    n = idx_bytes(bytes, 0x0803, zero_rows, 3, 0, 0);
    expect_rejected(dir, images, bytes, n, CLCNN_DATA_IDX, CLCNN_SPLIT_TEST, CLCNN_ERR_FORMAT,
                    "offset 8");
    n = idx_bytes(bytes, 0x0803, three_2x2, 3, 11, 0); /* one pixel short */
    expect_rejected(dir, images, bytes, n, CLCNN_DATA_IDX, CLCNN_SPLIT_TEST, CLCNN_ERR_FORMAT,
                    "offset 27");
    n = idx_bytes(bytes, 0x0803, three_2x2, 3, 13, 0); /* one byte too many */
    expect_rejected(dir, images, bytes, n, CLCNN_DATA_IDX, CLCNN_SPLIT_TEST, CLCNN_ERR_FORMAT,
                    "offset 28");
    expect_rejected(dir, images, bytes, 10, CLCNN_DATA_IDX, CLCNN_SPLIT_TEST, CLCNN_ERR_FORMAT,
                    "offset 10"); /* truncated header */
    n = idx_bytes(bytes, 0x0803, three_2x2, 3, 12, 0);
    char path[4096]; /* restore a good images file */
    join(path, sizeof path, dir, images);
    ck_assert_int_eq(fixture_write_file(path, bytes, n, 0), 0);
    const uint32_t four[1] = {4}, three[1] = {3};
    n = idx_bytes(bytes, 0x0801, four, 1, 4, 0); /* four labels for three images */
    expect_rejected(dir, labels, bytes, n, CLCNN_DATA_IDX, CLCNN_SPLIT_TEST, CLCNN_ERR_FORMAT,
                    "offset 4");
    ck_assert(strstr(clcnn_last_error(), images) != NULL);
    n = idx_bytes(bytes, 0x0801, three, 1, 3, 0);
    bytes[8 + 2] = 10; /* label out of range in the last record */
    expect_rejected(dir, labels, bytes, n, CLCNN_DATA_IDX, CLCNN_SPLIT_TEST, CLCNN_ERR_FORMAT,
                    "offset 10");
}
END_TEST

START_TEST(rejects_corrupt_gzip)
{
    const char *dir = fresh_dir("bad-gzip");
    ck_assert_int_eq(fixture_write_cifar10(dir, 1, 4, 0, SEED, 1), 0);
    char path[4096];
    join(path, sizeof path, dir, "data_batch_1.bin.gz");
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    uint8_t buf[65536];
    size_t size = fread(buf, 1, sizeof buf, f);
    fclose(f);
    ck_assert_uint_gt(size, 100);
    clcnn_dataset ds;
    /* Cut the stream in half. */
    ck_assert_int_eq(fixture_write_file(path, buf, size / 2, 0), 0);
    assert_failure(clcnn_dataset_load(dir, CLCNN_SPLIT_TRAIN, NULL, &ds), CLCNN_ERR_FORMAT,
                   "data_batch_1.bin.gz", "offset");
    ck_assert(strstr(clcnn_last_error(), "gzip") != NULL);
    /* Damage the deflate data in the middle. */
    for (size_t i = size / 3; i < size / 3 + 32; ++i)
        buf[i] ^= 0x5a;
    ck_assert_int_eq(fixture_write_file(path, buf, size, 0), 0);
    assert_failure(clcnn_dataset_load(dir, CLCNN_SPLIT_TRAIN, NULL, &ds), CLCNN_ERR_FORMAT,
                   "data_batch_1.bin.gz", "offset");
    ck_assert_ptr_null(ds.images);
}
END_TEST

START_TEST(rejects_directories_and_unreadable_files)
{
    const char *dir = fresh_dir("bad-files");
    char path[4096];
    join(path, sizeof path, dir, "data_batch_1.bin");
    ck_assert_int_eq(fixture_mkdir(path), 0);
    clcnn_dataset ds;
    assert_failure(clcnn_dataset_load(dir, CLCNN_SPLIT_TRAIN, NULL, &ds), CLCNN_ERR_IO,
                   "data_batch_1.bin", "offset 0");
    ck_assert(strstr(clcnn_last_error(), "directory") != NULL);
    /* A symbolic link to itself cannot be opened, even by root. */
    join(path, sizeof path, dir, "test_batch.bin");
    ck_assert_int_eq(symlink("test_batch.bin", path), 0);
    assert_failure(clcnn_load_cifar10(dir, CLCNN_SPLIT_TEST, &ds), CLCNN_ERR_IO, "test_batch.bin",
                   "offset 0");
    if (geteuid() != 0) { /* permissions do not stop root */
        join(path, sizeof path, dir, "data_batch_1.bin");
        ck_assert_int_eq(rmdir(path), 0);
        ck_assert_int_eq(fixture_write_file(path, "x", 1, 0), 0);
        ck_assert_int_eq(chmod(path, 0), 0);
        ck_assert_int_eq(clcnn_load_cifar10(dir, CLCNN_SPLIT_TRAIN, &ds), CLCNN_ERR_IO);
    }
}
END_TEST

/* ------------------------------------------- statistics, padding, splitting */

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
    clcnn_load_options options = {CLCNN_DATA_IDX, 2, 3};
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

START_TEST(cifar10_sample_labels)
{
    const char *dir = CLCNN_SOURCE_DIR "/../shared/data/cifar10-sample";
    struct stat info;
    if (stat(dir, &info) != 0) {
        printf("cifar10_sample_labels: skipped, %s is absent\n", dir);
        return;
    }
    clcnn_dataset test;
    ck_assert_int_eq(clcnn_dataset_load(dir, CLCNN_SPLIT_TEST, NULL, &test), CLCNN_OK);
    const int32_t first[10] = {3, 8, 8, 0, 6, 6, 1, 6, 3, 1};
    ck_assert_mem_eq(test.labels, first, sizeof first);
    ck_assert_str_eq(test.class_names[3], "cat");
    clcnn_dataset_free(&test);
}
END_TEST

START_TEST(fashion_mnist_sizes)
{
    const char *dir = "/usr/share/datasets/fashion-mnist";
    struct stat info;
    if (stat(dir, &info) != 0) {
        printf("fashion_mnist_sizes: skipped, %s is absent\n", dir);
        return;
    }
    clcnn_dataset train, test;
    ck_assert_int_eq(clcnn_dataset_load(dir, CLCNN_SPLIT_TRAIN, NULL, &train), CLCNN_OK);
    ck_assert_int_eq(train.count, 60000);
    ck_assert_int_eq(train.height, 28);
    ck_assert_int_eq(train.width, 28);
    ck_assert_str_eq(train.class_names[9], "Ankle boot");
    ck_assert_int_eq(clcnn_dataset_load(dir, CLCNN_SPLIT_TEST, NULL, &test), CLCNN_OK);
    ck_assert_int_eq(test.count, 10000);
    clcnn_dataset_free(&train);
    clcnn_dataset_free(&test);
}
END_TEST

static Suite *data_suite(void)
{
    Suite *s = suite_create("data");
    TCase *loaders = tcase_create("loaders");
    tcase_add_loop_test(loaders, cifar10_reads_back_exactly, 0, 2); /* 0 plain, 1 gzip */
    tcase_add_test(loaders, cifar10_names_from_meta_file);
    tcase_add_loop_test(loaders, cifar100_uses_fine_labels, 0, 2);
    tcase_add_loop_test(loaders, idx_reads_back_exactly, 0, 2);
    tcase_add_test(loaders, idx_names_fashion_folders);
    tcase_add_test(loaders, detects_formats_and_lists_expected_files);
    tcase_add_test(loaders, detection_refuses_two_formats);
    suite_add_tcase(s, loaders);

    TCase *malformed = tcase_create("malformed");
    tcase_add_test(malformed, rejects_malformed_cifar);
    tcase_add_test(malformed, rejects_malformed_idx);
    tcase_add_test(malformed, rejects_corrupt_gzip);
    tcase_add_test(malformed, rejects_directories_and_unreadable_files);
    suite_add_tcase(s, malformed);

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

    TCase *real = tcase_create("real_data");
    tcase_set_timeout(real, 120); /* Fashion-MNIST decompression under sanitizers */
    tcase_add_test(real, cifar10_sample_labels);
    tcase_add_test(real, fashion_mnist_sizes);
    suite_add_tcase(s, real);
    return s;
}

int main(void)
{
    SRunner *runner = srunner_create(data_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
