/* IDX files (MNIST, Fashion-MNIST): a big-endian header (magic 0x0000080D,
 * where D is the number of dimensions and 08 means unsigned bytes, then D
 * 32-bit sizes) followed by the bytes. Images have 3 dimensions (count, rows,
 * columns), labels 1. */
#include "data/data_file.h"
#include "data/dataset_internal.h"
#include "data/formats.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IDX_CLASSES 10
#define IDX_MAX_SIDE 4096
#define IDX_IMAGES_MAGIC 0x00000803u
#define IDX_LABELS_MAGIC 0x00000801u

static const char *const fashion_names[IDX_CLASSES] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

/* File name stems per split and kind, in the two spellings found in the wild. */
static const char *const idx_names[2][2][2] = {
    {{"train-images-idx3-ubyte", "train-images.idx3-ubyte"},
     {"train-labels-idx1-ubyte", "train-labels.idx1-ubyte"}},
    {{"t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"},
     {"t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"}}};

/* Find one file of (split, kind) in dir: *path NULL when absent. */
static clcnn_status find_idx_file(const char *dir, int split, int kind, char **path)
{
    clcnn_status st = data_find_file(dir, idx_names[split][kind][0], path);
    if (st == CLCNN_OK && !*path)
        st = data_find_file(dir, idx_names[split][kind][1], path);
    return st;
}

int idx_present(const char *dir, char *names, size_t size)
{
    int found = 0;
    for (int split = 0; split < 2; ++split)
        for (int kind = 0; kind < 2; ++kind) {
            char *path = NULL;
            if (find_idx_file(dir, split, kind, &path) == CLCNN_OK && path)
                found = 1;
            free(path);
            size_t used = strlen(names);
            snprintf(names + used, size - used, "%s%s", used ? ", " : "",
                     idx_names[split][kind][0]);
        }
    return found;
}

/* Check the header of an IDX file with `dims` dimensions and the magic
 * expected; sizes[] receives the dimensions; the payload must fill the rest of
 * the file exactly. */
static clcnn_status check_header(const char *path, const data_buffer *file, uint32_t magic,
                                 int dims, uint32_t *sizes)
{
    size_t header = 4 + 4 * (size_t)dims;
    if (file->size < header)
        return data_format_error(path, file, file->size,
                                 "truncated header: expected %zu header bytes, the file has %zu",
                                 header, file->size);
    uint32_t found = data_read_be32(file->bytes);
    if (found != magic)
        return data_format_error(path, file, 0,
                                 "wrong IDX magic 0x%08x: expected 0x%08x (unsigned bytes, %d "
                                 "dimension%s)",
                                 found, magic, dims, dims > 1 ? "s" : "");
    size_t payload = 1;
    for (int d = 0; d < dims; ++d) {
        sizes[d] = data_read_be32(file->bytes + 4 + 4 * d);
        uint32_t limit = d == 0 ? 0x7fffffffu : IDX_MAX_SIDE;
        if (sizes[d] == 0 || sizes[d] > limit)
            return data_format_error(path, file, 4 + 4 * (uint64_t)d,
                                     "dimension %d is %u: expected 1 .. %u", d, sizes[d], limit);
        payload *= sizes[d]; /* at most 2^31 * 4096^2: fits in 64 bits */
    }
    if (file->size - header < payload)
        return data_format_error(path, file, file->size,
                                 "truncated data: expected %zu bytes after the header, found %zu",
                                 payload, file->size - header);
    if (file->size - header > payload)
        return data_format_error(path, file, header + payload,
                                 "%zu unexpected bytes after the %zu data bytes",
                                 file->size - header - payload, payload);
    return CLCNN_OK;
}

static clcnn_status read_idx(const char *images_path, const char *labels_path,
                             clcnn_dataset *out)
{
    data_buffer images = {0}, labels = {0};
    uint32_t image_dims[3] = {0}, label_dims[1] = {0};
    clcnn_status st = data_file_read_all(images_path, "IDX images (magic 0x00000803)", &images);
    if (st == CLCNN_OK)
        st = check_header(images_path, &images, IDX_IMAGES_MAGIC, 3, image_dims);
    if (st == CLCNN_OK)
        st = data_file_read_all(labels_path, "IDX labels (magic 0x00000801)", &labels);
    if (st == CLCNN_OK)
        st = check_header(labels_path, &labels, IDX_LABELS_MAGIC, 1, label_dims);
    if (st == CLCNN_OK && label_dims[0] != image_dims[0])
        st = data_format_error(labels_path, &labels, 4,
                               "%u labels, expected one for each of the %u images of %s",
                               label_dims[0], image_dims[0], images_path);
    for (uint32_t i = 0; st == CLCNN_OK && i < label_dims[0]; ++i)
        if (labels.bytes[8 + i] >= IDX_CLASSES)
            st = data_format_error(labels_path, &labels, 8 + (uint64_t)i,
                                   "label %d out of range: expected 0 .. %d", labels.bytes[8 + i],
                                   IDX_CLASSES - 1);
    if (st == CLCNN_OK)
        st = dataset_alloc(out, (int)image_dims[0], 1, (int)image_dims[1], (int)image_dims[2],
                           IDX_CLASSES);
    if (st == CLCNN_OK) {
        memcpy(out->images, images.bytes + 16, dataset_image_size(out) * (size_t)out->count);
        for (int i = 0; i < out->count; ++i)
            out->labels[i] = labels.bytes[8 + i];
    }
    data_buffer_free(&images);
    data_buffer_free(&labels);
    return st;
}

/* Whether dir's path names Fashion-MNIST ("fashion" in any case). */
static int looks_like_fashion(const char *dir)
{
    static const char word[] = "fashion";
    for (const char *p = dir; *p; ++p) {
        size_t i = 0;
        while (word[i] && p[i] && tolower((unsigned char)p[i]) == word[i])
            ++i;
        if (!word[i])
            return 1;
    }
    return 0;
}

clcnn_status clcnn_load_idx(const char *dir, clcnn_data_split split, clcnn_dataset *out)
{
    int s = split == CLCNN_SPLIT_TRAIN ? 0 : 1;
    char *images_path = NULL, *labels_path = NULL;
    memset(out, 0, sizeof *out);
    clcnn_status st = find_idx_file(dir, s, 0, &images_path);
    if (st == CLCNN_OK)
        st = find_idx_file(dir, s, 1, &labels_path);
    if (st == CLCNN_OK && (!images_path || !labels_path))
        st = clcnn_fail(CLCNN_ERR_IO, "%s: missing IDX %s file: expected %s and %s (or .gz)", dir,
                        images_path ? "labels" : "images", idx_names[s][0][0], idx_names[s][1][0]);
    if (st == CLCNN_OK)
        st = read_idx(images_path, labels_path, out);
    if (st == CLCNN_OK)
        st = dataset_set_class_names(out, looks_like_fashion(dir) ? fashion_names : NULL);
    if (st != CLCNN_OK)
        clcnn_dataset_free(out);
    free(images_path);
    free(labels_path);
    return st;
}
