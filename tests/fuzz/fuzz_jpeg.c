/* libFuzzer target: the JPEG decoder (libjpeg-turbo behind host/data/jpeg.c).
 * Input: the file's bytes. An image that decodes is fitted to two network
 * input geometries, as a data set or predict would. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_decode_image(image_decode_jpeg, "fuzz.jpg", data, size);
}
