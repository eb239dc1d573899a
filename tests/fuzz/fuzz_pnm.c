/* libFuzzer target: the PGM/PPM reader used by `clcnn predict`.
 * Input: the image file. An image that reads is converted to two network
 * input geometries, as predict does. */
#include <string.h>

#include "clcnn/data.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write("fuzz.pnm", data, size);
    clcnn_image img, small;
    if (clcnn_image_read_pnm(fuzz_path("fuzz.pnm"), &img) != CLCNN_OK) {
        if (!strstr(clcnn_last_error(), "fuzz.pnm"))
            __builtin_trap(); /* a failure must name the file */
        return 0;
    }
    if (clcnn_image_convert(&img, 3, 32, 32, &small) == CLCNN_OK)
        clcnn_image_free(&small);
    if (clcnn_image_convert(&img, 1, 28, 28, &small) == CLCNN_OK)
        clcnn_image_free(&small);
    clcnn_image_free(&img);
    return 0;
}
