/* Internal to host/data: the image decoders behind clcnn_image_read(). Each
 * decodes a whole file already in memory (path names it in messages; see
 * data_file_read_all) into a
 * CHW uint8 image of 1 (gray) or 3 (RGB) channels: alpha is dropped, palettes
 * expanded, 16-bit samples scaled to 8 bits (rounded). A failure names the
 * path and the reason; nothing is allocated before the header has passed
 * image_check_size(). */
#ifndef CLCNN_IMAGE_CODECS_H
#define CLCNN_IMAGE_CODECS_H

#include <stddef.h>
#include <stdint.h>

#include "clcnn/data.h"
#include "data/data_file.h"

/* Whether bytes start with the PNG signature / a JPEG SOI marker. */
int image_is_png(const uint8_t *bytes, size_t size);
int image_is_jpeg(const uint8_t *bytes, size_t size);

clcnn_status image_decode_png(const char *path, const data_buffer *file, clcnn_image *out);
clcnn_status image_decode_jpeg(const char *path, const data_buffer *file, clcnn_image *out);
clcnn_status image_decode_pnm(const char *path, const data_buffer *file, clcnn_image *out);

/* Refuse (CLCNN_ERR_FORMAT, naming path and kind) a header whose size is out
 * of CLCNN_IMAGE_MIN_SIDE .. CLCNN_IMAGE_MAX_SIDE or has more than
 * CLCNN_IMAGE_MAX_PIXELS pixels. */
clcnn_status image_check_size(const char *path, const char *kind, uint64_t width,
                              uint64_t height);

/* Fill out (channels 1 or 3, CHW) from interleaved rows of `stride` samples
 * per pixel: sample 0 is gray or red, 1..2 green and blue; any further
 * samples (alpha) are dropped. Allocates out->pixels. */
clcnn_status image_from_interleaved(const char *path, const uint8_t *interleaved, int width,
                                    int height, int stride, int channels, clcnn_image *out);

#endif
