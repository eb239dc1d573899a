/* Reading one image file of any supported kind: the kind comes from the
 * file's first bytes (PNG signature, JPEG SOI marker, netpbm magic), never
 * from its name. */
#include "data/image_codecs.h"

#include <stdlib.h>
#include <string.h>

clcnn_status image_check_size(const char *path, const char *kind, uint64_t width,
                              uint64_t height)
{
    if (width < CLCNN_IMAGE_MIN_SIDE || height < CLCNN_IMAGE_MIN_SIDE ||
        width > CLCNN_IMAGE_MAX_SIDE || height > CLCNN_IMAGE_MAX_SIDE ||
        width * height > CLCNN_IMAGE_MAX_PIXELS)
        return clcnn_fail(CLCNN_ERR_FORMAT,
                          "%s: the %s header says %llu x %llu pixels: expected sides of %d .. %d "
                          "and at most %llu pixels",
                          path, kind, (unsigned long long)width, (unsigned long long)height,
                          CLCNN_IMAGE_MIN_SIDE, CLCNN_IMAGE_MAX_SIDE,
                          (unsigned long long)CLCNN_IMAGE_MAX_PIXELS);
    return CLCNN_OK;
}

clcnn_status image_from_interleaved(const char *path, const uint8_t *interleaved, int width,
                                    int height, int stride, int channels, clcnn_image *out)
{
    size_t plane = (size_t)width * (size_t)height;
    out->pixels = malloc(plane * (size_t)channels);
    if (!out->pixels)
        return clcnn_fail(CLCNN_ERR_NOMEM, "%s: cannot allocate a %d x %d image", path, width,
                          height);
    out->channels = channels;
    out->height = height;
    out->width = width;
    for (int c = 0; c < channels; ++c) {
        uint8_t *dst = out->pixels + (size_t)c * plane;
        const uint8_t *src = interleaved + c;
        for (size_t i = 0; i < plane; ++i)
            dst[i] = src[i * (size_t)stride];
    }
    return CLCNN_OK;
}

clcnn_status clcnn_image_read(const char *path, clcnn_image *out)
{
    data_buffer file;
    memset(out, 0, sizeof *out);
    clcnn_status st = data_file_read_all(path, "an image (PNG, JPEG, PGM or PPM)", &file);
    if (st != CLCNN_OK)
        return st;
    if (image_is_png(file.bytes, file.size))
        st = image_decode_png(path, &file, out);
    else if (image_is_jpeg(file.bytes, file.size))
        st = image_decode_jpeg(path, &file, out);
    else if (file.bytes[0] == 'P') /* its reader names the netpbm magics it takes */
        st = image_decode_pnm(path, &file, out);
    else
        st = data_format_error(path, &file, 0,
                               "not an image: expected a PNG signature, a JPEG SOI marker "
                               "(FF D8 FF) or a PGM/PPM magic (P2, P3, P5, P6)");
    data_buffer_free(&file);
    return st;
}
