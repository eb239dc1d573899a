#define _XOPEN_SOURCE 700 /* nftw */
#include "data_fixtures.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

static uint32_t hash32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

uint8_t fixture_pixel(uint32_t seed, int index, int channel, int y, int x)
{
    uint32_t h = hash32(seed * 0x9E3779B9U ^ (uint32_t)index);
    h = hash32(h ^ ((uint32_t)channel << 24 | (uint32_t)y << 12 | (uint32_t)x));
    return (uint8_t)(h >> 8);
}

int fixture_label(uint32_t seed, int index, int classes)
{
    return (int)(hash32(hash32(seed + 0x1234567U) ^ (uint32_t)index) % (uint32_t)classes);
}

int fixture_mkdir(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return -1;
    for (char *p = buf + 1; *p; ++p)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(buf, 0777) == 0 || errno == EEXIST ? 0 : -1;
}

static int remove_entry(const char *path, const struct stat *info, int type, struct FTW *ftw)
{
    (void)info, (void)type, (void)ftw;
    return remove(path);
}

int fixture_remove_tree(const char *path)
{
    struct stat info;
    if (lstat(path, &info) != 0)
        return 0;
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int fixture_write_file(const char *path, const void *bytes, size_t size, int gzip)
{
    if (gzip) {
        gzFile gz = gzopen(path, "wb");
        if (!gz)
            return -1;
        int ok = size == 0 || gzwrite(gz, bytes, (unsigned)size) == (int)size;
        return gzclose(gz) == Z_OK && ok ? 0 : -1;
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t written = fwrite(bytes, 1, size, f);
    return fclose(f) == 0 && written == size ? 0 : -1;
}

/* Write dir/name (+".gz" when gzip). */
static int write_named(const char *dir, const char *name, const void *bytes, size_t size, int gzip)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s%s", dir, name, gzip ? ".gz" : "");
    return fixture_write_file(path, bytes, size, gzip);
}

static int fresh_dir(const char *dir)
{
    return fixture_remove_tree(dir) == 0 && fixture_mkdir(dir) == 0 ? 0 : -1;
}

/* Records of `count` 32x32 RGB images numbered from first, label_bytes each. */
static uint8_t *cifar_records(int first, int count, uint32_t seed, int label_bytes, int classes,
                              size_t *size)
{
    size_t record = (size_t)label_bytes + 3072;
    uint8_t *bytes = malloc(record * (size_t)count + 1);
    if (!bytes)
        return NULL;
    for (int i = 0; i < count; ++i) {
        uint8_t *r = bytes + record * (size_t)i;
        int label = fixture_label(seed, first + i, classes);
        r[0] = (uint8_t)(label_bytes == 2 ? label % 20 : label);
        r[label_bytes - 1] = (uint8_t)label;
        for (int c = 0; c < 3; ++c)
            for (int y = 0; y < 32; ++y)
                for (int x = 0; x < 32; ++x)
                    r[label_bytes + (c * 32 + y) * 32 + x] = fixture_pixel(seed, first + i, c, y, x);
    }
    *size = record * (size_t)count;
    return bytes;
}

static int write_cifar_file(const char *dir, const char *name, int first, int count,
                            uint32_t seed, int label_bytes, int classes, int gzip)
{
    size_t size;
    uint8_t *bytes = cifar_records(first, count, seed, label_bytes, classes, &size);
    int rc = bytes ? write_named(dir, name, bytes, size, gzip) : -1;
    free(bytes);
    return rc;
}

int fixture_write_cifar10(const char *dir, int train_files, int per_file, int test_count,
                          uint32_t seed, int gzip)
{
    if (fresh_dir(dir) != 0)
        return -1;
    for (int f = 0; f < train_files; ++f) {
        char name[32];
        snprintf(name, sizeof name, "data_batch_%d.bin", f + 1);
        if (write_cifar_file(dir, name, f * per_file, per_file, seed, 1, 10, gzip) != 0)
            return -1;
    }
    return write_cifar_file(dir, "test_batch.bin", 0, test_count, seed + 1, 1, 10, gzip);
}

int fixture_write_cifar100(const char *dir, int train_count, int test_count, uint32_t seed,
                           int gzip)
{
    if (fresh_dir(dir) != 0 ||
        write_cifar_file(dir, "train.bin", 0, train_count, seed, 2, 100, gzip) != 0)
        return -1;
    return write_cifar_file(dir, "test.bin", 0, test_count, seed + 1, 2, 100, gzip);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static int write_idx_pair(const char *dir, const char *prefix, int count, int rows, int cols,
                          uint32_t seed, int gzip)
{
    size_t pixels = (size_t)count * (size_t)rows * (size_t)cols;
    uint8_t *images = malloc(16 + pixels), *labels = malloc(8 + (size_t)count);
    int rc = -1;
    if (images && labels) {
        put_be32(images, 0x803);
        put_be32(images + 4, (uint32_t)count);
        put_be32(images + 8, (uint32_t)rows);
        put_be32(images + 12, (uint32_t)cols);
        put_be32(labels, 0x801);
        put_be32(labels + 4, (uint32_t)count);
        for (int i = 0; i < count; ++i) {
            labels[8 + i] = (uint8_t)fixture_label(seed, i, 10);
            for (int y = 0; y < rows; ++y)
                for (int x = 0; x < cols; ++x)
                    images[16 + ((size_t)i * rows + y) * cols + x] = fixture_pixel(seed, i, 0, y, x);
        }
        char name[64];
        snprintf(name, sizeof name, "%s-images-idx3-ubyte", prefix);
        rc = write_named(dir, name, images, 16 + pixels, gzip);
        snprintf(name, sizeof name, "%s-labels-idx1-ubyte", prefix);
        if (rc == 0)
            rc = write_named(dir, name, labels, 8 + (size_t)count, gzip);
    }
    free(images);
    free(labels);
    return rc;
}

int fixture_write_idx(const char *dir, int train_count, int test_count, int rows, int cols,
                      uint32_t seed, int gzip)
{
    if (fresh_dir(dir) != 0 || write_idx_pair(dir, "train", train_count, rows, cols, seed, gzip) != 0)
        return -1;
    return write_idx_pair(dir, "t10k", test_count, rows, cols, seed + 1, gzip);
}

void fixture_numbered_dataset(clcnn_dataset *ds, int count, int c, int h, int w, int classes)
{
    size_t image = (size_t)c * (size_t)h * (size_t)w;
    memset(ds, 0, sizeof *ds); /* no mapping: clcnn_dataset_free frees, never unmaps */
    ds->count = count;
    ds->channels = c;
    ds->height = h;
    ds->width = w;
    ds->classes = classes;
    ds->images = malloc(image * (size_t)count + 1);
    ds->labels = malloc(sizeof(int32_t) * (size_t)count + 1);
    ds->class_names = calloc((size_t)classes, sizeof(char *));
    if (!ds->images || !ds->labels || !ds->class_names)
        abort();
    for (int n = 0; n < count; ++n) {
        memset(ds->images + (size_t)n * image, n & 0xff, image);
        ds->labels[n] = n % classes;
    }
    for (int k = 0; k < classes; ++k) {
        ds->class_names[k] = malloc(16);
        if (!ds->class_names[k])
            abort();
        snprintf(ds->class_names[k], 16, "c%d", k);
    }
}
