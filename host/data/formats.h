/* Internal to host/data: which files of each format a folder holds, for
 * format detection. Each returns 1 when at least one file of the format (either
 * split, plain or .gz) exists in dir, and writes into names (size bytes) the
 * file names it looks for, for the message when nothing matches. */
#ifndef CLCNN_DATA_FORMATS_H
#define CLCNN_DATA_FORMATS_H

#include <stddef.h>

int cifar10_present(const char *dir, char *names, size_t size);
int cifar100_present(const char *dir, char *names, size_t size);
int idx_present(const char *dir, char *names, size_t size);
int folder_present(const char *dir, char *names, size_t size);

#endif
