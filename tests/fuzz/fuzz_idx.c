/* libFuzzer target: the IDX reader (images + labels, plain or gzip).
 * Input: a selector byte (bit 0: images file .gz, bit 1: labels file .gz),
 * a 4-byte little-endian length L of the images file (taken modulo the bytes
 * left), the images file's L bytes, then the labels file's bytes. */
#include <string.h>

#include "clcnn/data.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5)
        return 0;
    const int images_gz = data[0] & 1, labels_gz = data[0] & 2;
    size_t left = size - 5;
    size_t images = ((size_t)data[1] | (size_t)data[2] << 8 | (size_t)data[3] << 16 |
                     (size_t)data[4] << 24) % (left + 1);
    static const char *const names[2][2] = {
        {"t10k-images-idx3-ubyte", "t10k-images-idx3-ubyte.gz"},
        {"t10k-labels-idx1-ubyte", "t10k-labels-idx1-ubyte.gz"}};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            fuzz_remove(names[i][j]);
    fuzz_write(names[0][images_gz ? 1 : 0], data + 5, images);
    fuzz_write(names[1][labels_gz ? 1 : 0], data + 5 + images, left - images);
    clcnn_dataset ds;
    if (clcnn_load_idx(fuzz_folder(), CLCNN_SPLIT_TEST, &ds) == CLCNN_OK) {
        for (int i = 0; i < ds.count; i++)
            if (ds.labels[i] < 0 || ds.labels[i] >= ds.classes)
                __builtin_trap();
        clcnn_dataset_free(&ds);
    } else if (!strstr(clcnn_last_error(), fuzz_folder())) {
        __builtin_trap(); /* a failure must name the file or folder */
    }
    return 0;
}
