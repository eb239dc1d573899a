/* PGM and PPM files (netpbm): binary P5/P6 and ASCII P2/P3. */
#include "data/image_codecs.h"

#include "clcnn/data.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PNM_MAX_SIDE 16384
#define PNM_MAX_VALUE 65535u

typedef struct pnm_cursor {
    const char *path;
    const data_buffer *file;
    size_t pos;
} pnm_cursor;

/* Skip whitespace and '#' comments (which run to the end of the line). */
static void skip_blanks(pnm_cursor *c)
{
    while (c->pos < c->file->size) {
        uint8_t ch = c->file->bytes[c->pos];
        if (ch == '#') {
            while (c->pos < c->file->size && c->file->bytes[c->pos] != '\n')
                ++c->pos;
        } else if (isspace(ch)) {
            ++c->pos;
        } else {
            return;
        }
    }
}

/* Read a decimal number in [low, high] after blanks; what names it for messages. */
static clcnn_status read_number(pnm_cursor *c, const char *what, unsigned low, unsigned high,
                                unsigned *value)
{
    skip_blanks(c);
    if (c->pos >= c->file->size)
        return data_format_error(c->path, c->file, c->pos, "file ends: expected %s", what);
    size_t start = c->pos;
    unsigned long v = 0;
    while (c->pos < c->file->size && isdigit(c->file->bytes[c->pos]) && v <= high)
        v = v * 10 + (unsigned long)(c->file->bytes[c->pos++] - '0');
    if (c->pos == start)
        return data_format_error(c->path, c->file, start, "found '%c': expected %s (a number)",
                                 isprint(c->file->bytes[start]) ? c->file->bytes[start] : '?', what);
    if (v < low || v > high)
        return data_format_error(c->path, c->file, start, "%s out of range: expected %u .. %u",
                                 what, low, high);
    *value = (unsigned)v;
    return CLCNN_OK;
}

static uint8_t scale(unsigned v, unsigned maxval)
{
    return (uint8_t)((v * 255u + maxval / 2) / maxval);
}

/* Read the raster after the header into img (planar), converting to 0..255. */
static clcnn_status read_raster(pnm_cursor *c, int ascii, unsigned maxval, clcnn_image *img)
{
    size_t plane = (size_t)img->height * (size_t)img->width;
    size_t samples = plane * (size_t)img->channels;
    size_t sample_bytes = maxval > 255 ? 2 : 1;
    if (!ascii) {
        /* Exactly one whitespace byte separates maxval from binary data. */
        if (c->pos >= c->file->size || !isspace(c->file->bytes[c->pos]))
            return data_format_error(c->path, c->file, c->pos,
                                     "expected one whitespace byte before the pixel data");
        ++c->pos;
        if (c->file->size - c->pos < samples * sample_bytes)
            return data_format_error(c->path, c->file, c->file->size,
                                     "truncated pixel data: expected %zu bytes, found %zu",
                                     samples * sample_bytes, c->file->size - c->pos);
    }
    for (size_t i = 0; i < samples; ++i) {
        unsigned v;
        if (ascii) {
            clcnn_status st = read_number(c, "a pixel value", 0, maxval, &v);
            if (st != CLCNN_OK)
                return st;
        } else {
            const uint8_t *p = c->file->bytes + c->pos + i * sample_bytes;
            v = sample_bytes == 2 ? (unsigned)p[0] << 8 | p[1] : p[0];
            if (v > maxval)
                return data_format_error(c->path, c->file, c->pos + i * sample_bytes,
                                         "pixel value %u exceeds maxval %u", v, maxval);
        }
        size_t channel = i % (size_t)img->channels, pixel = i / (size_t)img->channels;
        img->pixels[channel * plane + pixel] = scale(v, maxval);
    }
    return CLCNN_OK;
}

static clcnn_status parse_pnm(const char *path, const data_buffer *file, clcnn_image *out)
{
    pnm_cursor c = {path, file, 0};
    uint8_t kind = file->size >= 2 && file->bytes[0] == 'P' ? file->bytes[1] : 0;
    if (kind != '2' && kind != '3' && kind != '5' && kind != '6')
        return data_format_error(path, file, 0, "expected the magic P2, P3, P5 or P6");
    c.pos = 2;
    unsigned width, height, maxval;
    clcnn_status st = read_number(&c, "the width", 1, PNM_MAX_SIDE, &width);
    if (st == CLCNN_OK)
        st = read_number(&c, "the height", 1, PNM_MAX_SIDE, &height);
    if (st == CLCNN_OK)
        st = read_number(&c, "maxval", 1, PNM_MAX_VALUE, &maxval);
    if (st != CLCNN_OK)
        return st;
    out->channels = kind == '3' || kind == '6' ? 3 : 1;
    out->height = (int)height;
    out->width = (int)width;
    /* Every sample takes at least a byte: a 20-byte file must not make us
     * allocate the 768 MiB its header may promise. */
    size_t samples = (size_t)out->channels * height * width;
    if (samples > file->size - c.pos)
        return data_format_error(path, file, file->size, "truncated pixel data: %zu samples "
                                 "(%u x %u x %d), only %zu bytes left", samples, width, height,
                                 out->channels, file->size - c.pos);
    out->pixels = malloc(samples);
    if (!out->pixels)
        return clcnn_fail(CLCNN_ERR_NOMEM, "%s: cannot allocate a %u x %u image", path, width,
                          height);
    return read_raster(&c, kind == '2' || kind == '3', maxval, out);
}

clcnn_status image_decode_pnm(const char *path, const data_buffer *file, clcnn_image *out)
{
    memset(out, 0, sizeof *out);
    clcnn_status st = parse_pnm(path, file, out);
    if (st != CLCNN_OK)
        clcnn_image_free(out);
    return st;
}

clcnn_status clcnn_image_read_pnm(const char *path, clcnn_image *out)
{
    data_buffer file;
    memset(out, 0, sizeof *out);
    clcnn_status st = data_file_read_all(path, "a PGM or PPM image", &file);
    if (st != CLCNN_OK)
        return st;
    st = image_decode_pnm(path, &file, out);
    data_buffer_free(&file);
    return st;
}

clcnn_status clcnn_image_write_pnm(const char *path, const clcnn_image *img)
{
    if (img->channels != 1 && img->channels != 3)
        return clcnn_fail(CLCNN_ERR_ARG, "writing %s: %d channels, expected 1 or 3", path,
                          img->channels);
    size_t plane = (size_t)img->height * (size_t)img->width;
    size_t samples = plane * (size_t)img->channels;
    uint8_t *interleaved = malloc(samples ? samples : 1);
    if (!interleaved)
        return clcnn_fail(CLCNN_ERR_NOMEM, "writing %s: out of memory", path);
    for (size_t i = 0; i < samples; ++i)
        interleaved[i] = img->pixels[(i % (size_t)img->channels) * plane + i / (size_t)img->channels];
    FILE *f = fopen(path, "wb");
    clcnn_status st = CLCNN_OK;
    if (!f) {
        st = clcnn_fail(CLCNN_ERR_IO, "writing %s: %s", path, strerror(errno));
    } else {
        fprintf(f, "P%c\n%d %d\n255\n", img->channels == 3 ? '6' : '5', img->width, img->height);
        size_t written = fwrite(interleaved, 1, samples, f);
        if (fclose(f) != 0 || written != samples)
            st = clcnn_fail(CLCNN_ERR_IO, "writing %s: %s", path, strerror(errno));
    }
    free(interleaved);
    return st;
}
