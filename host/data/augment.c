/* Random crop (with zero padding) and horizontal flip, applied while copying
 * one image into a batch. */
#include "clcnn/data.h"

#include <string.h>

clcnn_augment clcnn_augment_draw(clcnn_rng *rng, int pad, int allow_flip)
{
    clcnn_augment aug = {0, 0, 0};
    if (pad > 0) {
        aug.dy = (int)clcnn_rng_below(rng, (uint32_t)(2 * pad + 1));
        aug.dx = (int)clcnn_rng_below(rng, (uint32_t)(2 * pad + 1));
    }
    if (allow_flip)
        aug.flip = (int)(clcnn_rng_next(rng) >> 63);
    return aug;
}

void clcnn_augment_apply(const uint8_t *src, uint8_t *dst, int channels, int height, int width,
                         int pad, clcnn_augment aug)
{
    int shift_y = aug.dy - pad, shift_x = aug.dx - pad;
    for (int c = 0; c < channels; ++c) {
        const uint8_t *plane = src + (size_t)c * (size_t)height * (size_t)width;
        for (int y = 0; y < height; ++y) {
            uint8_t *row = dst + ((size_t)c * (size_t)height + (size_t)y) * (size_t)width;
            int sy = y + shift_y;
            if (sy < 0 || sy >= height) {
                memset(row, 0, (size_t)width);
                continue;
            }
            const uint8_t *src_row = plane + (size_t)sy * (size_t)width;
            for (int x = 0; x < width; ++x) {
                int sx = (aug.flip ? width - 1 - x : x) + shift_x;
                row[x] = (sx >= 0 && sx < width) ? src_row[sx] : 0;
            }
        }
    }
}
