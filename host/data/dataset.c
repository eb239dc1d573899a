/* clcnn_dataset: allocation, class names, padding, shuffling, hold-out split
 * and per-channel statistics. */
#include "data/dataset_internal.h"
#include "data/data_file.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define CLASS_NAME_MAX 128

void clcnn_dataset_free(clcnn_dataset *ds)
{
    if (ds->class_names)
        for (int i = 0; i < ds->classes; ++i)
            free(ds->class_names[i]);
    free(ds->class_names);
    if (ds->mapping) {
        munmap(ds->mapping, ds->mapping_size);
    } else {
        free(ds->images);
        free(ds->labels);
    }
    memset(ds, 0, sizeof *ds);
}

clcnn_status dataset_alloc(clcnn_dataset *ds, int count, int channels, int height, int width,
                           int classes)
{
    memset(ds, 0, sizeof *ds);
    if (count < 0 || channels < 1 || height < 1 || width < 1 || classes < 1)
        return clcnn_fail(CLCNN_ERR_ARG, "dataset: invalid geometry %d x %d x %d x %d, %d classes",
                          count, channels, height, width, classes);
    size_t image = (size_t)channels * (size_t)height * (size_t)width;
    if (count > 0 && image > SIZE_MAX / (size_t)count)
        return clcnn_fail(CLCNN_ERR_NOMEM, "dataset: %d images of %zu bytes overflow", count, image);
    ds->count = count;
    ds->channels = channels;
    ds->height = height;
    ds->width = width;
    ds->classes = classes;
    ds->images = malloc(image * (size_t)count + 1);
    ds->labels = malloc(sizeof(int32_t) * (size_t)count + 1);
    ds->class_names = calloc((size_t)classes, sizeof(char *));
    if (!ds->images || !ds->labels || !ds->class_names) {
        clcnn_dataset_free(ds);
        return clcnn_fail(CLCNN_ERR_NOMEM, "dataset: cannot allocate %d images of %zu bytes", count,
                          image);
    }
    return CLCNN_OK;
}

static clcnn_status set_name(clcnn_dataset *ds, int index, const char *name, size_t length)
{
    char *copy = malloc(length + 1);
    if (!copy)
        return clcnn_fail(CLCNN_ERR_NOMEM, "dataset: out of memory for class names");
    memcpy(copy, name, length);
    copy[length] = '\0';
    free(ds->class_names[index]);
    ds->class_names[index] = copy;
    return CLCNN_OK;
}

clcnn_status dataset_set_class_names(clcnn_dataset *ds, const char *const *names)
{
    for (int i = 0; i < ds->classes; ++i) {
        char number[16];
        const char *name = names ? names[i] : number;
        snprintf(number, sizeof number, "%d", i);
        clcnn_status st = set_name(ds, i, name, strlen(name));
        if (st != CLCNN_OK)
            return st;
    }
    return CLCNN_OK;
}

clcnn_status dataset_copy_class_names(clcnn_dataset *dst, const clcnn_dataset *src)
{
    return dataset_set_class_names(dst, (const char *const *)src->class_names);
}

clcnn_status dataset_read_class_names(clcnn_dataset *ds, const char *path)
{
    data_buffer text;
    clcnn_status st = data_file_read_all(path, "class names, one a line", &text);
    if (st != CLCNN_OK)
        return st;
    int found = 0;
    size_t line_start = 0;
    for (size_t i = 0; i <= text.size && found < ds->classes && st == CLCNN_OK; ++i) {
        if (i < text.size && text.bytes[i] != '\n')
            continue;
        size_t end = i;
        while (end > line_start && (text.bytes[end - 1] == '\r' || text.bytes[end - 1] == ' '))
            --end;
        if (end - line_start >= CLASS_NAME_MAX)
            st = data_format_error(path, &text, line_start,
                                   "class name longer than %d characters", CLASS_NAME_MAX - 1);
        else if (end > line_start)
            st = set_name(ds, found++, (const char *)text.bytes + line_start, end - line_start);
        line_start = i + 1;
    }
    if (st == CLCNN_OK && found < ds->classes)
        st = data_format_error(path, &text, text.size, "expected %d class names, found %d",
                               ds->classes, found);
    data_buffer_free(&text);
    return st;
}

clcnn_status clcnn_dataset_pad(clcnn_dataset *ds, int pad)
{
    if (pad < 0 || pad > 1024)
        return clcnn_fail(CLCNN_ERR_ARG, "dataset pad: %d pixels is out of range 0..1024", pad);
    if (pad == 0)
        return CLCNN_OK;
    if (ds->mapping)
        return clcnn_fail(CLCNN_ERR_ARG, "dataset pad: the images are a mapped cache file");
    clcnn_dataset padded;
    int h = ds->height + 2 * pad, w = ds->width + 2 * pad;
    clcnn_status st = dataset_alloc(&padded, ds->count, ds->channels, h, w, ds->classes);
    if (st != CLCNN_OK)
        return clcnn_fail_context(st, "padding dataset by %d: ", pad);
    memset(padded.images, 0, dataset_image_size(&padded) * (size_t)ds->count);
    size_t planes = (size_t)ds->count * (size_t)ds->channels;
    for (size_t p = 0; p < planes; ++p) {
        const uint8_t *src = ds->images + p * (size_t)ds->height * (size_t)ds->width;
        uint8_t *dst = padded.images + p * (size_t)h * (size_t)w;
        for (int y = 0; y < ds->height; ++y)
            memcpy(dst + (size_t)(y + pad) * (size_t)w + (size_t)pad, src + (size_t)y * (size_t)ds->width,
                   (size_t)ds->width);
    }
    /* Swap in the new pixels; labels and names stay with ds. */
    free(ds->images);
    ds->images = padded.images;
    ds->height = h;
    ds->width = w;
    padded.images = NULL;
    clcnn_dataset_free(&padded);
    return CLCNN_OK;
}

clcnn_status clcnn_dataset_shuffle(clcnn_dataset *ds, uint64_t seed)
{
    size_t image = dataset_image_size(ds);
    uint8_t *scratch = malloc(image ? image : 1);
    if (!scratch)
        return clcnn_fail(CLCNN_ERR_NOMEM, "dataset shuffle: out of memory");
    clcnn_rng rng;
    clcnn_rng_seed(&rng, seed);
    for (int i = ds->count - 1; i > 0; --i) {
        int j = (int)clcnn_rng_below(&rng, (uint32_t)i + 1);
        if (j == i)
            continue;
        uint8_t *a = ds->images + (size_t)i * image, *b = ds->images + (size_t)j * image;
        memcpy(scratch, a, image);
        memcpy(a, b, image);
        memcpy(b, scratch, image);
        int32_t label = ds->labels[i];
        ds->labels[i] = ds->labels[j];
        ds->labels[j] = label;
    }
    free(scratch);
    return CLCNN_OK;
}

clcnn_status clcnn_dataset_split_last(clcnn_dataset *train, int count, clcnn_dataset *val)
{
    memset(val, 0, sizeof *val);
    if (count <= 0 || count >= train->count)
        return clcnn_fail(CLCNN_ERR_ARG,
                          "validation split: %d images asked, need 1 .. %d (one fewer than the "
                          "%d training images)",
                          count, train->count - 1, train->count);
    clcnn_status st =
        dataset_alloc(val, count, train->channels, train->height, train->width, train->classes);
    if (st == CLCNN_OK)
        st = dataset_copy_class_names(val, train);
    if (st != CLCNN_OK) {
        clcnn_dataset_free(val);
        return clcnn_fail_context(st, "validation split: ");
    }
    int keep = train->count - count;
    size_t image = dataset_image_size(train);
    memcpy(val->images, train->images + (size_t)keep * image, (size_t)count * image);
    memcpy(val->labels, train->labels + keep, sizeof(int32_t) * (size_t)count);
    train->count = keep; /* the tail of the buffers is simply unused */
    return CLCNN_OK;
}

clcnn_status clcnn_dataset_channel_stats(const clcnn_dataset *ds, double *mean, double *std)
{
    if (ds->count < 1)
        return clcnn_fail(CLCNN_ERR_ARG, "channel statistics: the dataset is empty");
    size_t plane = (size_t)ds->height * (size_t)ds->width;
    for (int c = 0; c < ds->channels; ++c) {
        /* Exact integer sums: 255^2 * 2^40 pixels still fit in 64 bits. */
        uint64_t sum = 0, sum_sq = 0;
        for (int n = 0; n < ds->count; ++n) {
            const uint8_t *p = ds->images + ((size_t)n * (size_t)ds->channels + (size_t)c) * plane;
            for (size_t i = 0; i < plane; ++i) {
                sum += p[i];
                sum_sq += (uint64_t)p[i] * p[i];
            }
        }
        double pixels = (double)plane * (double)ds->count;
        double m = (double)sum / pixels;
        double var = (double)sum_sq / pixels - m * m;
        mean[c] = m;
        std[c] = var > 0.0 ? sqrt(var) : 0.0;
    }
    return CLCNN_OK;
}
