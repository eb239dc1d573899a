/* Test helpers that write small data-set files (CIFAR-10, CIFAR-100, IDX) with
 * pixels and labels computed from a seed, so a test can check every value it
 * reads back. Every writer returns 0 on success, -1 on failure. */
#ifndef CLCNN_DATA_FIXTURES_H
#define CLCNN_DATA_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#include "clcnn/data.h"

/* Pixel (channel, y, x) of image `index` of a fixture made with seed. */
uint8_t fixture_pixel(uint32_t seed, int index, int channel, int y, int x);

/* Label of image `index`, in 0 .. classes-1. */
int fixture_label(uint32_t seed, int index, int classes);

/* Create path and its parents (like mkdir -p). */
int fixture_mkdir(const char *path);

/* Remove path and everything under it (no error when it does not exist). */
int fixture_remove_tree(const char *path);

/* Write bytes to path; gzip-compressed when gzip is set. */
int fixture_write_file(const char *path, const void *bytes, size_t size, int gzip);

/* Empty folder dir (created) holding a CIFAR-10 set: train_files files
 * data_batch_1.bin .. of per_file records each (images numbered on across the
 * files, seed), and test_batch.bin with test_count records (seed + 1). gzip
 * adds ".gz" to every name and compresses. No batches.meta.txt. */
int fixture_write_cifar10(const char *dir, int train_files, int per_file, int test_count,
                          uint32_t seed, int gzip);

/* Empty folder dir holding CIFAR-100 train.bin (seed) and test.bin (seed + 1);
 * fine labels from fixture_label(..., 100), coarse = fine % 20. */
int fixture_write_cifar100(const char *dir, int train_count, int test_count, uint32_t seed,
                           int gzip);

/* Empty folder dir holding the four IDX files (train seed, t10k seed + 1) of
 * rows x cols images, 10 classes. */
int fixture_write_idx(const char *dir, int train_count, int test_count, int rows, int cols,
                      uint32_t seed, int gzip);

/* An in-memory data set of count images of c x h x w, every pixel of image n
 * equal to n (mod 256), label n % classes, class names "c0", "c1", ...
 * Aborts when out of memory. Free with clcnn_dataset_free(). */
void fixture_numbered_dataset(clcnn_dataset *ds, int count, int c, int h, int w, int classes);

#endif
