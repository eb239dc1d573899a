#include "image_fixtures.h"

#include "data_fixtures.h"

#include <stdio.h> /* before jpeglib.h, which uses FILE */

#include <jpeglib.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int png_samples_per_pixel(int color_type)
{
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return 3;
    case PNG_COLOR_TYPE_RGBA: return 4;
    default: return 1; /* gray, palette */
    }
}

/* Pack one row of samples into PNG bytes (big-endian 16-bit, or several
 * samples a byte below 8 bits, most significant first). */
static void pack_row(const uint16_t *samples, size_t count, int bit_depth, uint8_t *row)
{
    if (bit_depth == 16) {
        for (size_t i = 0; i < count; ++i) {
            row[2 * i] = (uint8_t)(samples[i] >> 8);
            row[2 * i + 1] = (uint8_t)samples[i];
        }
        return;
    }
    int per_byte = 8 / bit_depth;
    memset(row, 0, (count + (size_t)per_byte - 1) / (size_t)per_byte);
    for (size_t i = 0; i < count; ++i)
        row[i / (size_t)per_byte] |=
            (uint8_t)(samples[i] << (8 - bit_depth * (int)(i % (size_t)per_byte + 1)));
}

int fixture_write_png(const char *path, int width, int height, int color_type, int bit_depth,
                      const uint16_t *samples, const uint8_t *palette_rgb, int palette_size,
                      int interlace)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    size_t per_row = (size_t)width * (size_t)png_samples_per_pixel(color_type);
    uint8_t *volatile row = malloc(per_row * 2 + 1);
    volatile int status = -1; /* set after setjmp */
    if (!info || !row || setjmp(png_jmpbuf(png)))
        goto done;
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, bit_depth, color_type,
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_color palette[256];
        for (int i = 0; i < palette_size; ++i) {
            palette[i].red = palette_rgb[3 * i];
            palette[i].green = palette_rgb[3 * i + 1];
            palette[i].blue = palette_rgb[3 * i + 2];
        }
        png_set_PLTE(png, info, palette, palette_size);
    }
    png_write_info(png, info);
    int passes = png_set_interlace_handling(png);
    for (int pass = 0; pass < passes; ++pass)
        for (int y = 0; y < height; ++y) {
            pack_row(samples + (size_t)y * per_row, per_row, bit_depth, row);
            png_write_row(png, row);
        }
    png_write_end(png, NULL);
    status = 0;
done:
    png_destroy_write_struct(&png, &info);
    free(row);
    if (fclose(f) != 0)
        status = -1;
    return status;
}

typedef struct jpeg_fail {
    struct jpeg_error_mgr err;
    jmp_buf jump;
} jpeg_fail;

static void jpeg_fail_exit(j_common_ptr cinfo) { longjmp(((jpeg_fail *)cinfo->err)->jump, 1); }

int fixture_write_jpeg(const char *path, int width, int height, int channels,
                       const uint8_t *samples, int quality, int progressive)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    struct jpeg_compress_struct cinfo;
    jpeg_fail fail;
    cinfo.err = jpeg_std_error(&fail.err);
    fail.err.error_exit = jpeg_fail_exit;
    volatile int status = -1; /* set after setjmp */
    if (setjmp(fail.jump))
        goto done;
    jpeg_create_compress(&cinfo);
    jpeg_stdio_dest(&cinfo, f);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    if (progressive)
        jpeg_simple_progression(&cinfo);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(samples + (size_t)cinfo.next_scanline * (size_t)width *
                                                (size_t)channels);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    status = 0;
done:
    jpeg_destroy_compress(&cinfo);
    if (fclose(f) != 0)
        status = -1;
    return status;
}

static void put_be(uint8_t *p, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; ++i)
        p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

int fixture_patch_image_size(const char *path, uint32_t width, uint32_t height)
{
    uint8_t head[4096];
    FILE *f = fopen(path, "r+b");
    if (!f)
        return -1;
    size_t size = fread(head, 1, sizeof head, f);
    int status = -1;
    if (size >= 33 && head[0] == 0x89 && memcmp(head + 12, "IHDR", 4) == 0) {
        put_be(head + 16, width, 4);
        put_be(head + 20, height, 4);
        put_be(head + 29, (uint32_t)crc32(0, head + 12, 17), 4);
        status = 0;
    } else if (size >= 4 && head[0] == 0xFF && head[1] == 0xD8 && width < 65536 &&
               height < 65536) {
        for (size_t i = 2; i + 9 < size; ++i)
            if (head[i] == 0xFF && (head[i + 1] == 0xC0 || head[i + 1] == 0xC2)) {
                put_be(head + i + 5, height, 2);
                put_be(head + i + 7, width, 2);
                status = 0;
                break;
            }
    }
    if (status == 0 && (fseek(f, 0, SEEK_SET) != 0 || fwrite(head, 1, size, f) != size))
        status = -1;
    if (fclose(f) != 0)
        status = -1;
    return status;
}

int fixture_write_image(const char *path, const clcnn_image *img, int jpeg_quality)
{
    size_t plane = (size_t)img->height * (size_t)img->width, n = plane * (size_t)img->channels;
    uint16_t *samples = malloc(n * sizeof *samples);
    uint8_t *bytes = malloc(n);
    int status = -1;
    if (samples && bytes) {
        for (size_t i = 0; i < plane; ++i)
            for (int c = 0; c < img->channels; ++c) {
                size_t at = i * (size_t)img->channels + (size_t)c;
                bytes[at] = img->pixels[(size_t)c * plane + i];
                samples[at] = bytes[at];
            }
        int color = img->channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY;
        status = jpeg_quality
                     ? fixture_write_jpeg(path, img->width, img->height, img->channels, bytes,
                                          jpeg_quality, 0)
                     : fixture_write_png(path, img->width, img->height, color, 8, samples, NULL,
                                         0, 0);
    }
    free(samples);
    free(bytes);
    return status;
}

int fixture_write_png_folder(const clcnn_dataset *ds, const char *dir, const char *prefix)
{
    size_t size = (size_t)ds->channels * (size_t)ds->height * (size_t)ds->width;
    char path[4096];
    int status = 0;
    for (int n = 0; n < ds->count && status == 0; ++n) {
        clcnn_image img = {ds->channels, ds->height, ds->width, ds->images + (size_t)n * size};
        snprintf(path, sizeof path, "%s/%s", dir, ds->class_names[ds->labels[n]]);
        if (fixture_mkdir(path) != 0)
            return -1;
        snprintf(path, sizeof path, "%s/%s/%s%05d.png", dir, ds->class_names[ds->labels[n]],
                 prefix, n);
        status = fixture_write_image(path, &img, 0);
    }
    return status;
}
