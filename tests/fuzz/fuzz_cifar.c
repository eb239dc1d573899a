/* libFuzzer target: the CIFAR-10 and CIFAR-100 record readers.
 * Input: one selector byte (bit 0: CIFAR-100, bit 1: the file is named .gz
 * and so read through zlib) followed by the file's bytes. */
#include <string.h>

#include "clcnn/data.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const int cifar100 = data[0] & 1, gzip = data[0] & 2;
    static const char *const names[2][2] = {{"test_batch.bin", "test_batch.bin.gz"},
                                            {"test.bin", "test.bin.gz"}};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            fuzz_remove(names[i][j]);
    fuzz_write(names[cifar100][gzip ? 1 : 0], data + 1, size - 1);
    clcnn_dataset ds;
    clcnn_status st = cifar100 ? clcnn_load_cifar100(fuzz_folder(), CLCNN_SPLIT_TEST, &ds)
                               : clcnn_load_cifar10(fuzz_folder(), CLCNN_SPLIT_TEST, &ds);
    if (st == CLCNN_OK) {
        /* every label must be a class, every message empty of surprises */
        for (int i = 0; i < ds.count; i++)
            if (ds.labels[i] < 0 || ds.labels[i] >= ds.classes)
                __builtin_trap();
        clcnn_dataset_free(&ds);
    } else if (!strstr(clcnn_last_error(), fuzz_folder())) {
        __builtin_trap(); /* a failure must name the file */
    }
    return 0;
}
