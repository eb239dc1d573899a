/* Host images: bilinear resizing, channel conversion, and fitting to a
 * network's input (resize the shorter side, crop the center). */
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

/* The window rows top .. top+dh-1, columns left .. left+dw-1 of src resized
 * to rh x rw. */
typedef struct resize_window {
    int rh, rw, top, left, dh, dw;
} resize_window;

static void resize_plane(const uint8_t *src, int sh, int sw, uint8_t *dst, resize_window win)
{
    if (win.rh == sh && win.rw == sw) {
        /* no resize: the samples below would land exactly on the pixels */
        for (int y = 0; y < win.dh; ++y)
            memcpy(dst + (size_t)y * win.dw, src + (size_t)(y + win.top) * sw + win.left,
                   (size_t)win.dw);
        return;
    }
    for (int y = 0; y < win.dh; ++y) {
        int y0, y1;
        double fy;
        sample_point(y + win.top, sh, win.rh, &y0, &y1, &fy);
        for (int x = 0; x < win.dw; ++x) {
            int x0, x1;
            double fx;
            sample_point(x + win.left, sw, win.rw, &x0, &x1, &fx);
            double top = (1.0 - fx) * src[y0 * sw + x0] + fx * src[y0 * sw + x1];
            double bottom = (1.0 - fx) * src[y1 * sw + x0] + fx * src[y1 * sw + x1];
            double v = (1.0 - fy) * top + fy * bottom + 0.5;
            dst[y * win.dw + x] = (uint8_t)(v > 255.0 ? 255.0 : v);
        }
    }
}

/* Resize src into the window win and convert it to channels. */
static clcnn_status convert_window(const clcnn_image *src, int channels, resize_window win,
                                   clcnn_image *out)
{
    memset(out, 0, sizeof *out);
    if ((src->channels != 1 && src->channels != 3) || (channels != 1 && channels != 3) ||
        win.dh < 1 || win.dw < 1 || src->height < 1 || src->width < 1)
        return clcnn_fail(CLCNN_ERR_ARG,
                          "image conversion: %d x %d x %d to %d x %d x %d: channels must be 1 or 3 "
                          "and sides positive",
                          src->channels, src->height, src->width, channels, win.dh, win.dw);
    size_t plane = (size_t)win.dh * (size_t)win.dw;
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
                     src->height, src->width, resized + (size_t)c * plane, win);
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
    out->height = win.dh;
    out->width = win.dw;
    return CLCNN_OK;
}

clcnn_status clcnn_image_convert(const clcnn_image *src, int channels, int height, int width,
                                 clcnn_image *out)
{
    resize_window whole = {height, width, 0, 0, height, width};
    return convert_window(src, channels, whole, out);
}

/* The size the whole image would be resized to before cropping: the target
 * scaled up so that it keeps src's aspect (each side at least the target's). */
static void cover_size(const clcnn_image *src, int height, int width, int *rh, int *rw)
{
    /* src->h / height vs src->w / width, compared without division. */
    if ((int64_t)src->height * width <= (int64_t)src->width * height) {
        *rh = height; /* the height is the shorter side: it sets the scale */
        *rw = (int)(((int64_t)src->width * height + src->height / 2) / src->height);
        if (*rw < width)
            *rw = width;
    } else {
        *rw = width;
        *rh = (int)(((int64_t)src->height * width + src->width / 2) / src->width);
        if (*rh < height)
            *rh = height;
    }
}

clcnn_status clcnn_image_fit(const clcnn_image *src, int channels, int height, int width,
                             clcnn_image *out)
{
    if (src->height < 1 || src->width < 1 || height < 1 || width < 1)
        return clcnn_image_convert(src, channels, height, width, out); /* its message */
    resize_window win = {0, 0, 0, 0, height, width};
    cover_size(src, height, width, &win.rh, &win.rw);
    /* Only the cropped window is computed, not the whole resized image. */
    win.top = (win.rh - height) / 2;
    win.left = (win.rw - width) / 2;
    return convert_window(src, channels, win, out);
}

clcnn_status clcnn_image_load_for_input(const char *path, int channels, int height, int width,
                                        clcnn_image *out)
{
    clcnn_image raw;
    clcnn_status st = clcnn_image_read(path, &raw);
    if (st != CLCNN_OK)
        return st;
    st = clcnn_image_fit(&raw, channels, height, width, out);
    clcnn_image_free(&raw);
    if (st != CLCNN_OK)
        return clcnn_fail_context(st, "%s: ", path);
    return CLCNN_OK;
}
