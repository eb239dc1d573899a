/* Data files: loaders (CIFAR-10, CIFAR-100, IDX; plain and gzip), format
 * detection, malformed files, and the real data sets when present. Every
 * other input is written by the test. */
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
    clcnn_load_options options = {.format = format};
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

static Suite *data_files_suite(void)
{
    Suite *s = suite_create("data_files");
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

    TCase *real = tcase_create("real_data");
    tcase_set_timeout(real, 120); /* Fashion-MNIST decompression under sanitizers */
    tcase_add_test(real, cifar10_sample_labels);
    tcase_add_test(real, fashion_mnist_sizes);
    suite_add_tcase(s, real);
    return s;
}

int main(void)
{
    return test_run_suite(data_files_suite());
}
