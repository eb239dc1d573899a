/* Test helpers that write PNG and JPEG files with libpng and libjpeg
 * themselves (never through clcnn), so that what clcnn decodes can be held
 * to what was encoded, and image-folder data sets made of such files. Every
 * writer returns 0 on success, -1 on failure. */
#ifndef CLCNN_IMAGE_FIXTURES_H
#define CLCNN_IMAGE_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#include "clcnn/data.h"

/* A PNG of color_type (PNG_COLOR_TYPE_GRAY, _GRAY_ALPHA, _RGB, _RGBA,
 * _PALETTE) and bit_depth; samples holds width * height * (samples per pixel)
 * values, interleaved, each < 2^bit_depth (palette indices for _PALETTE, whose
 * palette_rgb holds palette_size RGB triples). */
int fixture_write_png(const char *path, int width, int height, int color_type, int bit_depth,
                      const uint16_t *samples, const uint8_t *palette_rgb, int palette_size,
                      int interlace);

/* A JPEG of 1 (gray) or 3 (RGB) channels from interleaved 8-bit samples. */
int fixture_write_jpeg(const char *path, int width, int height, int channels,
                       const uint8_t *samples, int quality, int progressive);

/* Patch the width and height of the header of a PNG (IHDR, CRC recomputed)
 * or JPEG (the first SOF marker) file in place: a header that lies. */
int fixture_patch_image_size(const char *path, uint32_t width, uint32_t height);

/* img (CHW, 1 or 3 channels) as an 8-bit PNG (jpeg_quality 0) or a JPEG. */
int fixture_write_image(const char *path, const clcnn_image *img, int jpeg_quality);

/* Write image n of ds as dir/<class name>/<prefix><n, 5 digits>.png (RGB or
 * gray, 8 bits, CHW in ds), for every n; a class folder is made for its first
 * image (a class without images gets none). */
int fixture_write_png_folder(const clcnn_dataset *ds, const char *dir, const char *prefix);

#endif
