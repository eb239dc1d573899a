/* CIFAR-10 and CIFAR-100 binary files: fixed-size records of label byte(s)
 * followed by 3072 pixel bytes (32x32 red plane, green plane, blue plane). */
#include "data/data_file.h"
#include "data/dataset_internal.h"
#include "data/formats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CIFAR_SIDE 32
#define CIFAR_PIXELS (3 * CIFAR_SIDE * CIFAR_SIDE)
#define CIFAR10_TRAIN_FILES 5

typedef struct cifar_layout {
    const char *name;     /* "CIFAR-10", for messages */
    int label_bytes;      /* label bytes leading each record */
    int label_index;      /* which of them is the label used */
    int label_limits[2];  /* exclusive upper bound of each label byte */
} cifar_layout;

static const cifar_layout cifar10_layout = {"CIFAR-10", 1, 0, {10, 0}};
static const cifar_layout cifar100_layout = {"CIFAR-100", 2, 1, {20, 100}};

static const char *const cifar10_names[10] = {"airplane", "automobile", "bird",  "cat",  "deer",
                                              "dog",      "frog",       "horse", "ship", "truck"};

/* Make room for `more` images after ds->count. */
static clcnn_status grow(clcnn_dataset *ds, size_t more, const char *path)
{
    size_t total = (size_t)ds->count + more;
    if (total > (size_t)0x7fffffff)
        return clcnn_fail(CLCNN_ERR_FORMAT, "%s: more than 2^31 images in all", path);
    uint8_t *images = realloc(ds->images, total * CIFAR_PIXELS);
    if (images)
        ds->images = images;
    int32_t *labels = realloc(ds->labels, total * sizeof(int32_t));
    if (labels)
        ds->labels = labels;
    if (!images || !labels)
        return clcnn_fail(CLCNN_ERR_NOMEM, "%s: cannot allocate %zu images", path, total);
    return CLCNN_OK;
}

/* Append the records of one file to ds. */
static clcnn_status append_file(clcnn_dataset *ds, const char *path, const cifar_layout *layout)
{
    size_t record = (size_t)layout->label_bytes + CIFAR_PIXELS;
    char what[96];
    snprintf(what, sizeof what, "%s records of %zu bytes", layout->name, record);
    data_buffer file;
    clcnn_status st = data_file_read_all(path, what, &file);
    if (st != CLCNN_OK)
        return st;
    size_t records = file.size / record, tail = file.size % record;
    if (tail != 0) {
        st = data_format_error(path, &file, records * record,
                               "truncated record (%zu of %zu bytes): the size %zu is not a whole "
                               "number of %s",
                               tail, record, file.size, what);
        goto done;
    }
    st = grow(ds, records, path);
    for (size_t r = 0; r < records && st == CLCNN_OK; ++r) {
        const uint8_t *rec = file.bytes + r * record;
        for (int b = 0; b < layout->label_bytes; ++b)
            if (rec[b] >= layout->label_limits[b]) {
                st = data_format_error(path, &file, r * record + (size_t)b,
                                       "label %d out of range: expected 0 .. %d", rec[b],
                                       layout->label_limits[b] - 1);
                goto done;
            }
        size_t n = (size_t)ds->count + r;
        ds->labels[n] = rec[layout->label_index];
        memcpy(ds->images + n * CIFAR_PIXELS, rec + layout->label_bytes, CIFAR_PIXELS);
    }
    if (st == CLCNN_OK)
        ds->count += (int)records;
done:
    data_buffer_free(&file);
    return st;
}

/* Load the files named in names[0..count-1] that exist in dir (at least one). */
static clcnn_status load_files(const char *dir, const char *const *names, int count,
                               const cifar_layout *layout, int classes, clcnn_dataset *out)
{
    clcnn_status st = dataset_alloc(out, 0, 3, CIFAR_SIDE, CIFAR_SIDE, classes);
    int found = 0;
    for (int i = 0; i < count && st == CLCNN_OK; ++i) {
        char *path;
        st = data_find_file(dir, names[i], &path);
        if (st == CLCNN_OK && path) {
            ++found;
            st = append_file(out, path, layout);
        }
        free(path);
    }
    if (st == CLCNN_OK && found == 0) {
        char expected[512] = "";
        for (int i = 0; i < count; ++i)
            snprintf(expected + strlen(expected), sizeof expected - strlen(expected), "%s%s",
                     i ? ", " : "", names[i]);
        st = clcnn_fail(CLCNN_ERR_IO, "%s: no %s files: expected %s (or .gz)", dir, layout->name,
                        expected);
    }
    if (st != CLCNN_OK)
        clcnn_dataset_free(out);
    return st;
}

/* Class names from dir/name_file when present, else defaults (NULL: numbers). */
static clcnn_status name_classes(clcnn_dataset *ds, const char *dir, const char *name_file,
                                 const char *const *defaults)
{
    char *path;
    clcnn_status st = data_find_file(dir, name_file, &path);
    if (st == CLCNN_OK)
        st = path ? dataset_read_class_names(ds, path) : dataset_set_class_names(ds, defaults);
    free(path);
    if (st != CLCNN_OK)
        clcnn_dataset_free(ds);
    return st;
}

static const char *const cifar10_train_files[CIFAR10_TRAIN_FILES] = {
    "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
    "data_batch_5.bin"};
static const char *const cifar10_test_files[1] = {"test_batch.bin"};
static const char *const cifar100_files[2] = {"train.bin", "test.bin"};

/* Whether any of names[0..count-1] (or .gz) exists in dir; lists them into list. */
static int any_present(const char *dir, const char *const *names, int count, char *list,
                       size_t size)
{
    int found = 0;
    for (int i = 0; i < count; ++i) {
        char *path = NULL;
        if (data_find_file(dir, names[i], &path) == CLCNN_OK && path)
            found = 1;
        free(path);
        size_t used = strlen(list);
        snprintf(list + used, size - used, "%s%s", used ? ", " : "", names[i]);
    }
    return found;
}

int cifar10_present(const char *dir, char *names, size_t size)
{
    int train = any_present(dir, cifar10_train_files, CIFAR10_TRAIN_FILES, names, size);
    return any_present(dir, cifar10_test_files, 1, names, size) || train;
}

int cifar100_present(const char *dir, char *names, size_t size)
{
    return any_present(dir, cifar100_files, 2, names, size);
}

clcnn_status clcnn_load_cifar10(const char *dir, clcnn_data_split split, clcnn_dataset *out)
{
    clcnn_status st =
        split == CLCNN_SPLIT_TRAIN
            ? load_files(dir, cifar10_train_files, CIFAR10_TRAIN_FILES, &cifar10_layout, 10, out)
            : load_files(dir, cifar10_test_files, 1, &cifar10_layout, 10, out);
    if (st == CLCNN_OK)
        st = name_classes(out, dir, "batches.meta.txt", cifar10_names);
    return st;
}

clcnn_status clcnn_load_cifar100(const char *dir, clcnn_data_split split, clcnn_dataset *out)
{
    const char *const *file = cifar100_files + (split == CLCNN_SPLIT_TRAIN ? 0 : 1);
    clcnn_status st = load_files(dir, file, 1, &cifar100_layout, 100, out);
    if (st == CLCNN_OK)
        st = name_classes(out, dir, "fine_label_names.txt", NULL);
    return st;
}
