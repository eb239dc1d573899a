#include "train_fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static uint32_t next_random(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

/* Class k: channel c has brightness 40 + (k*37 + c*71) % 160, with stripes
 * horizontal for even k and vertical for odd k, and +-24 of noise. */
static void draw_image(uint8_t *dst, int channels, int size, int label, uint32_t *rng)
{
    for (int c = 0; c < channels; c++)
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++) {
                int base = 40 + (label * 37 + c * 71) % 160;
                int stripe = ((label % 2 ? x : y) / 2) % 2 ? 30 : -30;
                int noise = (int)(next_random(rng) % 49) - 24;
                int v = base + stripe + noise;
                dst[((size_t)c * size + y) * size + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
}

void train_fixture_dataset(clcnn_dataset *ds, int count, int channels, int size, int classes,
                     uint32_t seed)
{
    memset(ds, 0, sizeof *ds);
    ds->count = count;
    ds->channels = channels;
    ds->height = ds->width = size;
    ds->classes = classes;
    size_t image = (size_t)channels * size * size;
    ds->images = malloc(image * count);
    ds->labels = malloc(sizeof(int32_t) * count);
    ds->class_names = calloc((size_t)classes, sizeof(char *));
    for (int k = 0; k < classes; k++) {
        ds->class_names[k] = malloc(16);
        snprintf(ds->class_names[k], 16, "c%d", k);
    }
    uint32_t rng = seed * 2654435761u + 1;
    for (int i = 0; i < count; i++) {
        ds->labels[i] = (int32_t)(next_random(&rng) % (uint32_t)classes);
        draw_image(ds->images + image * i, channels, size, ds->labels[i], &rng);
    }
}

static int write_batch(const char *path, int count, uint32_t seed)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    clcnn_dataset ds;
    train_fixture_dataset(&ds, count, 3, 32, 10, seed);
    int failed = 0;
    for (int i = 0; i < count; i++) {
        uint8_t label = (uint8_t)ds.labels[i];
        failed |= fwrite(&label, 1, 1, f) != 1;
        failed |= fwrite(ds.images + (size_t)i * 3072, 1, 3072, f) != 3072;
    }
    clcnn_dataset_free(&ds);
    return (fclose(f) != 0 || failed) ? -1 : 0;
}

int train_fixture_write_cifar10(const char *dir, int n_train, int n_test, uint32_t seed)
{
    char path[4096];
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/data_batch_1.bin", dir);
    if (write_batch(path, n_train, seed) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/test_batch.bin", dir);
    if (write_batch(path, n_test, seed + 1000) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/batches.meta.txt", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    for (int k = 0; k < 10; k++)
        fprintf(f, "class%d\n", k);
    return fclose(f) == 0 ? 0 : -1;
}

int train_fixture_write_ppm(const char *path, int width, int height)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    fprintf(f, "P6\n# clcnn test image\n%d %d\n255\n", width, height);
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            uint8_t px[3] = {(uint8_t)(x * 255 / width), (uint8_t)(y * 255 / height), 128};
            fwrite(px, 1, 3, f);
        }
    return fclose(f) == 0 ? 0 : -1;
}
