/* Small synthetic data sets for the training tests: learnable (each class
 * has its own colour and stripe orientation, plus noise), deterministic from
 * a seed, in memory or written as CIFAR-10 binary files. */
#ifndef CLCNN_TRAIN_FIXTURES_H
#define CLCNN_TRAIN_FIXTURES_H

#include <stdint.h>

#include "clcnn/data.h"

/* count images of channels x size x size in classes classes (class names
 * "c0", "c1", ...). Free with clcnn_dataset_free(). */
void train_fixture_dataset(clcnn_dataset *ds, int count, int channels, int size, int classes,
                     uint32_t seed);

/* A CIFAR-10 folder dir (created) with data_batch_1.bin (n_train images),
 * test_batch.bin (n_test) and batches.meta.txt; 0 on success. */
int train_fixture_write_cifar10(const char *dir, int n_train, int n_test, uint32_t seed);

/* A binary PPM (P6) of width x height with a colour gradient; 0 on success. */
int train_fixture_write_ppm(const char *path, int width, int height);

#endif
