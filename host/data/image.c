/* Host images for prediction: bilinear resizing and channel conversion. */
#include "clcnn/data.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void clcnn_image_free(clcnn_image *img)
{
    free(img->pixels);
    memset(img, 0, sizeof *img);
}

/* Source coordinate and weight for destination index i (pixel centres aligned). */
static void sample_point(int i, int src_size, int dst_size, int *lo, int *hi, double *frac)
{
    double s = ((double)i + 0.5) * (double)src_size / (double)dst_size - 0.5;
    if (s < 0.0)
        s = 0.0;
    int base = (int)s;
    if (base >= src_size - 1) {
        *lo = *hi = src_size - 1;
        *frac = 0.0;
        return;
    }
    *lo = base;
    *hi = base + 1;
    *frac = s - (double)base;
}

static void resize_plane(const uint8_t *src, int sh, int sw, uint8_t *dst, int dh, int dw)
{
    for (int y = 0; y < dh; ++y) {
        int y0, y1;
        double fy;
        sample_point(y, sh, dh, &y0, &y1, &fy);
        for (int x = 0; x < dw; ++x) {
            int x0, x1;
            double fx;
            sample_point(x, sw, dw, &x0, &x1, &fx);
            double top = (1.0 - fx) * src[y0 * sw + x0] + fx * src[y0 * sw + x1];
            double bottom = (1.0 - fx) * src[y1 * sw + x0] + fx * src[y1 * sw + x1];
            double v = (1.0 - fy) * top + fy * bottom + 0.5;
            dst[y * dw + x] = (uint8_t)(v > 255.0 ? 255.0 : v);
        }
    }
}

clcnn_status clcnn_image_convert(const clcnn_image *src, int channels, int height, int width,
                                 clcnn_image *out)
{
    memset(out, 0, sizeof *out);
    if ((src->channels != 1 && src->channels != 3) || (channels != 1 && channels != 3) ||
        height < 1 || width < 1 || src->height < 1 || src->width < 1)
        return clcnn_fail(CLCNN_ERR_ARG,
                          "image conversion: %d x %d x %d to %d x %d x %d: channels must be 1 or 3 "
                          "and sides positive",
                          src->channels, src->height, src->width, channels, height, width);
    size_t plane = (size_t)height * (size_t)width;
    /* Resize every source channel first, then mix channels at the small size. */
    uint8_t *resized = malloc(plane * (size_t)src->channels);
    out->pixels = malloc(plane * (size_t)channels);
    if (!resized || !out->pixels) {
        free(resized);
        clcnn_image_free(out);
        return clcnn_fail(CLCNN_ERR_NOMEM, "image conversion: out of memory");
    }
    for (int c = 0; c < src->channels; ++c)
        resize_plane(src->pixels + (size_t)c * (size_t)src->height * (size_t)src->width,
                     src->height, src->width, resized + (size_t)c * plane, height, width);
    if (channels == src->channels) {
        memcpy(out->pixels, resized, plane * (size_t)channels);
    } else if (channels == 3) {
        for (int c = 0; c < 3; ++c)
            memcpy(out->pixels + (size_t)c * plane, resized, plane);
    } else {
        for (size_t i = 0; i < plane; ++i) {
            double luma = 0.299 * resized[i] + 0.587 * resized[plane + i] +
                          0.114 * resized[2 * plane + i];
            out->pixels[i] = (uint8_t)lround(luma > 255.0 ? 255.0 : luma);
        }
    }
    free(resized);
    out->channels = channels;
    out->height = height;
    out->width = width;
    return CLCNN_OK;
}

clcnn_status clcnn_image_load_for_input(const char *path, int channels, int height, int width,
                                        clcnn_image *out)
{
    clcnn_image raw;
    clcnn_status st = clcnn_image_read_pnm(path, &raw);
    if (st != CLCNN_OK)
        return st;
    st = clcnn_image_convert(&raw, channels, height, width, out);
    clcnn_image_free(&raw);
    if (st != CLCNN_OK)
        return clcnn_fail_context(st, "%s: ", path);
    return CLCNN_OK;
}
