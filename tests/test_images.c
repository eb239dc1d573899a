/* PNG and JPEG decoding and the fit to a network's input. Every file is
 * written by the test itself with libpng / libjpeg (tests/support/
 * image_fixtures.c) from samples it computes, and what clcnn decodes is held
 * to them: exactly for PNG, within JPEG_MEAN_ABS / JPEG_MAX_ABS for JPEG at
 * quality 95. The resize and crop are held to a naive reference written
 * here: resize the whole image, then cut out the center. */
#include <check.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/data.h"
#include "data_asserts.h"
#include "data_fixtures.h"
#include "image_fixtures.h"
#include "test_files.h"

/* JPEG at quality 95 on smooth content (gradients plus a soft pattern, as
 * photos are), libjpeg-turbo 2.1.5 measured mean 0.38 / max 2 (gray) and
 * mean 1.45 / max 14 (RGB, chroma subsampled): jpeg_decodes_within_bound
 * prints them. The bounds leave room for other libjpeg builds, not for a
 * wrong color conversion (tens of levels). */
#define JPEG_MEAN_ABS 3.0
#define JPEG_MAX_ABS 40

/* A deterministic sample in 0 .. max. */
static unsigned sample(int n, int c, int y, int x, unsigned max)
{
    return fixture_pixel(11, n, c, y, x) * 257u % (max + 1);
}

typedef struct png_case {
    const char *name;
    int color_type, bit_depth, interlace;
} png_case;

static const png_case png_cases[] = {
    {"gray8", PNG_COLOR_TYPE_GRAY, 8, 0},       {"gray1", PNG_COLOR_TYPE_GRAY, 1, 0},
    {"gray2", PNG_COLOR_TYPE_GRAY, 2, 0},       {"gray4", PNG_COLOR_TYPE_GRAY, 4, 0},
    {"gray16", PNG_COLOR_TYPE_GRAY, 16, 0},     {"gray-alpha", PNG_COLOR_TYPE_GRAY_ALPHA, 8, 0},
    {"gray-alpha16", PNG_COLOR_TYPE_GRAY_ALPHA, 16, 0},
    {"rgb", PNG_COLOR_TYPE_RGB, 8, 0},          {"rgb16", PNG_COLOR_TYPE_RGB, 16, 0},
    {"rgba", PNG_COLOR_TYPE_RGBA, 8, 0},        {"rgba16", PNG_COLOR_TYPE_RGBA, 16, 0},
    {"palette8", PNG_COLOR_TYPE_PALETTE, 8, 0}, {"palette4", PNG_COLOR_TYPE_PALETTE, 4, 0},
    {"rgb-interlaced", PNG_COLOR_TYPE_RGB, 8, 1},
    {"gray-interlaced", PNG_COLOR_TYPE_GRAY, 8, 1},
};

/* Every kind of PNG decodes to exactly the encoded values: 16-bit samples
 * rounded to v * 255 / 65535, gray below 8 bits scaled to 0 .. 255, palette
 * indices replaced by their colors, alpha dropped. */
START_TEST(png_decodes_exactly)
{
    const png_case *pc = &png_cases[_i];
    const int w = 13, h = 7; /* odd sizes: rows of partial bytes, interlace passes */
    int color = pc->color_type & PNG_COLOR_MASK_COLOR;
    int per_pixel = pc->color_type == PNG_COLOR_TYPE_PALETTE ? 1
                    : (color ? 3 : 1) + ((pc->color_type & PNG_COLOR_MASK_ALPHA) ? 1 : 0);
    int channels = color ? 3 : 1;
    unsigned max = (1u << pc->bit_depth) - 1; /* the largest sample or palette index */
    uint16_t *samples = malloc(sizeof *samples * (size_t)(w * h * per_pixel));
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int s = 0; s < per_pixel; ++s)
                samples[(y * w + x) * per_pixel + s] = (uint16_t)sample(_i, s, y, x, max);
    uint8_t palette[3 * 256];
    int palette_size = pc->color_type == PNG_COLOR_TYPE_PALETTE ? (int)max + 1 : 0;
    for (int i = 0; i < 3 * palette_size; ++i)
        palette[i] = (uint8_t)sample(99, i % 3, 0, i / 3, 255);
    char path[4600];
    join(path, sizeof path, fresh_dir(pc->name), "image.png");
    ck_assert_int_eq(fixture_write_png(path, w, h, pc->color_type, pc->bit_depth, samples,
                                       palette, palette_size, pc->interlace), 0);
    clcnn_image img;
    ck_assert_msg(clcnn_image_read(path, &img) == CLCNN_OK, "%s", clcnn_last_error());
    ck_assert_int_eq(img.channels, channels);
    ck_assert_int_eq(img.height, h);
    ck_assert_int_eq(img.width, w);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int c = 0; c < channels; ++c) {
                const uint16_t *px = samples + (y * w + x) * per_pixel;
                unsigned want;
                if (pc->color_type == PNG_COLOR_TYPE_PALETTE)
                    want = palette[3 * px[0] + c];
                else if (pc->bit_depth == 16)
                    want = ((unsigned)px[c] * 255u + 32767u) / 65535u;
                else
                    want = px[c] * 255u / max;
                ck_assert_msg(img.pixels[(c * h + y) * w + x] == want,
                              "%s: channel %d (%d, %d): got %d, encoded %u", pc->name, c, y, x,
                              img.pixels[(c * h + y) * w + x], want);
            }
    clcnn_image_free(&img);
    free(samples);
}
END_TEST

/* Smooth content: gradients and a slow wave, different per channel. */
static uint8_t smooth(int c, int y, int x)
{
    double v = 128.0 + 60.0 * sin(0.21 * x + 0.13 * y + c) + 1.5 * (x - y) + 20.0 * c;
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

START_TEST(jpeg_decodes_within_bound)
{
    static const struct {
        const char *name;
        int channels, progressive;
    } cases[] = {{"jpeg-gray", 1, 0}, {"jpeg-rgb", 3, 0}, {"jpeg-progressive", 3, 1},
                 {"jpeg-gray-progressive", 1, 1}};
    const int w = 45, h = 30; /* not multiples of the 8x8 / 16x16 blocks */
    int channels = cases[_i].channels;
    uint8_t *samples = malloc((size_t)(w * h * channels));
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int c = 0; c < channels; ++c)
                samples[(y * w + x) * channels + c] = smooth(c, y, x);
    char path[4600];
    join(path, sizeof path, fresh_dir(cases[_i].name), "image.jpg");
    ck_assert_int_eq(fixture_write_jpeg(path, w, h, channels, samples, 95, cases[_i].progressive),
                     0);
    clcnn_image img;
    ck_assert_msg(clcnn_image_read(path, &img) == CLCNN_OK, "%s", clcnn_last_error());
    ck_assert_int_eq(img.channels, channels);
    ck_assert_int_eq(img.height, h);
    ck_assert_int_eq(img.width, w);
    double sum = 0.0;
    int worst = 0;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int c = 0; c < channels; ++c) {
                int d = abs(img.pixels[(c * h + y) * w + x] - samples[(y * w + x) * channels + c]);
                sum += d;
                worst = d > worst ? d : worst;
            }
    double mean = sum / (double)(w * h * channels);
    printf("%s: quality 95, mean abs difference %.3f, max %d\n", cases[_i].name, mean, worst);
    ck_assert_double_le(mean, JPEG_MEAN_ABS);
    ck_assert_int_le(worst, JPEG_MAX_ABS);
    /* the same file decodes to the same pixels every time */
    clcnn_image again;
    ck_assert_int_eq(clcnn_image_read(path, &again), CLCNN_OK);
    ck_assert_mem_eq(img.pixels, again.pixels, (size_t)(w * h * channels));
    clcnn_image_free(&again);
    clcnn_image_free(&img);
    free(samples);
}
END_TEST

/* ------------------------------------------- the naive resize + crop */

/* Bilinear sample of plane (sh x sw) at output (y, x) of an rh x rw resize,
 * pixel centres aligned: source coordinate (i + 0.5) * s / r - 0.5, clamped. */
static double reference_bilinear(const uint8_t *plane, int sh, int sw, int rh, int rw, int y,
                                 int x)
{
    double sy = ((double)y + 0.5) * (double)sh / (double)rh - 0.5;
    double sx = ((double)x + 0.5) * (double)sw / (double)rw - 0.5;
    sy = sy < 0 ? 0 : sy;
    sx = sx < 0 ? 0 : sx;
    int y0 = (int)floor(sy), x0 = (int)floor(sx);
    if (y0 > sh - 1)
        y0 = sh - 1;
    if (x0 > sw - 1)
        x0 = sw - 1;
    int y1 = y0 + 1 < sh ? y0 + 1 : y0, x1 = x0 + 1 < sw ? x0 + 1 : x0;
    double fy = y1 == y0 ? 0.0 : sy - y0, fx = x1 == x0 ? 0.0 : sx - x0;
    double top = (1.0 - fx) * plane[y0 * sw + x0] + fx * plane[y0 * sw + x1];
    double bottom = (1.0 - fx) * plane[y1 * sw + x0] + fx * plane[y1 * sw + x1];
    return (1.0 - fy) * top + fy * bottom;
}

/* Resize the whole of src so that it covers h x w with its aspect kept (the
 * shorter side becomes the target's), convert channels, cut out the center. */
static uint8_t *reference_fit(const clcnn_image *src, int channels, int h, int w)
{
    int rh = h, rw = w;
    if ((double)h / src->height >= (double)w / src->width)
        rw = (int)floor((double)src->width * h / src->height + 0.5);
    else
        rh = (int)floor((double)src->height * w / src->width + 0.5);
    rh = rh < h ? h : rh;
    rw = rw < w ? w : rw;
    size_t rplane = (size_t)rh * (size_t)rw;
    uint8_t *full = malloc(rplane * (size_t)src->channels);
    for (int c = 0; c < src->channels; ++c)
        for (int y = 0; y < rh; ++y)
            for (int x = 0; x < rw; ++x) {
                const uint8_t *plane = src->pixels + (size_t)c * src->height * src->width;
                double v = reference_bilinear(plane, src->height, src->width, rh, rw, y, x);
                full[c * rplane + (size_t)y * rw + x] = (uint8_t)floor(v + 0.5);
            }
    uint8_t *out = malloc((size_t)channels * h * w);
    int top = (rh - h) / 2, left = (rw - w) / 2;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            size_t at = (size_t)(y + top) * rw + (x + left);
            for (int c = 0; c < channels; ++c) {
                double v;
                if (channels == src->channels)
                    v = full[c * rplane + at];
                else if (channels == 3)
                    v = full[at];
                else
                    v = floor(0.299 * full[at] + 0.587 * full[rplane + at] +
                              0.114 * full[2 * rplane + at] + 0.5);
                out[((size_t)c * h + y) * w + x] = (uint8_t)v;
            }
        }
    free(full);
    return out;
}

START_TEST(fit_matches_the_naive_reference)
{
    static const int sizes[][2] = {{37, 53}, {53, 37}, {32, 32}, {20, 10}, {5, 90},
                                   {100, 101}, {9, 9},  {64, 48}, {31, 33}, {32, 40}};
    static const int targets[][2] = {{32, 32}, {28, 28}, {8, 16}, {17, 5}, {64, 64}};
    int checked = 0;
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; ++s)
        for (size_t t = 0; t < sizeof targets / sizeof *targets; ++t)
            for (int from = 1; from <= 3; from += 2)
                for (int to = 1; to <= 3; to += 2) {
                    clcnn_image src = {from, sizes[s][0], sizes[s][1], NULL};
                    size_t n = (size_t)from * src.height * src.width;
                    src.pixels = malloc(n);
                    for (size_t i = 0; i < n; ++i)
                        src.pixels[i] = fixture_pixel(3, (int)s, 0, 0, (int)i);
                    int h = targets[t][0], w = targets[t][1];
                    clcnn_image got;
                    ck_assert_int_eq(clcnn_image_fit(&src, to, h, w, &got), CLCNN_OK);
                    ck_assert_int_eq(got.channels, to);
                    ck_assert_int_eq(got.height, h);
                    ck_assert_int_eq(got.width, w);
                    uint8_t *want = reference_fit(&src, to, h, w);
                    for (size_t i = 0; i < (size_t)to * h * w; ++i)
                        ck_assert_msg(got.pixels[i] == want[i],
                                      "%dx%dx%d -> %dx%dx%d: sample %zu: got %d, reference %d",
                                      from, src.height, src.width, to, h, w, i, got.pixels[i],
                                      want[i]);
                    if (from == to && src.height == h && src.width == w)
                        ck_assert_mem_eq(got.pixels, src.pixels, n); /* unchanged */
                    free(want);
                    clcnn_image_free(&got);
                    clcnn_image_free(&src);
                    ++checked;
                }
    printf("fit_matches_the_naive_reference: %d fits\n", checked);
}
END_TEST

/* ------------------------------------------------------------ bad files */

START_TEST(bad_image_files_are_refused)
{
    const char *dir = fresh_dir("bad-images");
    char path[4600];
    uint16_t gray[64 * 64];
    for (int i = 0; i < 64 * 64; ++i)
        gray[i] = (uint16_t)(i % 251);
    clcnn_image img;

    /* sizes refused from the header, before any pixel is read */
    join(path, sizeof path, dir, "one.png");
    ck_assert_int_eq(fixture_write_png(path, 1, 1, PNG_COLOR_TYPE_GRAY, 8, gray, NULL, 0, 0), 0);
    assert_failure(clcnn_image_read(path, &img), CLCNN_ERR_FORMAT, "one.png", "1 x 1 pixels");
    join(path, sizeof path, dir, "huge.png");
    ck_assert_int_eq(fixture_write_png(path, 8, 8, PNG_COLOR_TYPE_GRAY, 8, gray, NULL, 0, 0), 0);
    ck_assert_int_eq(fixture_patch_image_size(path, 100000, 100000), 0);
    assert_failure(clcnn_image_read(path, &img), CLCNN_ERR_FORMAT, "huge.png",
                   "100000 x 100000 pixels");
    join(path, sizeof path, dir, "wide.png");
    ck_assert_int_eq(fixture_write_png(path, 8, 8, PNG_COLOR_TYPE_GRAY, 8, gray, NULL, 0, 0), 0);
    ck_assert_int_eq(fixture_patch_image_size(path, 16384, 16384), 0); /* 2^28 pixels */
    assert_failure(clcnn_image_read(path, &img), CLCNN_ERR_FORMAT, "wide.png",
                   "at most 67108864 pixels");
    /* within the limits, but far more pixels than the file can hold */
    ck_assert_int_eq(fixture_patch_image_size(path, 8000, 8000), 0);
    assert_failure(clcnn_image_read(path, &img), CLCNN_ERR_FORMAT, "wide.png", "cannot fit in");
    uint8_t rgb[64 * 64 * 3];
    for (size_t i = 0; i < sizeof rgb; ++i)
        rgb[i] = (uint8_t)(i * 7);
    join(path, sizeof path, dir, "huge.jpg");
    ck_assert_int_eq(fixture_write_jpeg(path, 16, 16, 3, rgb, 90, 0), 0);
    ck_assert_int_eq(fixture_patch_image_size(path, 65500, 65500), 0);
    assert_failure(clcnn_image_read(path, &img), CLCNN_ERR_FORMAT, "huge.jpg",
                   "65500 x 65500 pixels");
    join(path, sizeof path, dir, "tiny.jpg");
    ck_assert_int_eq(fixture_write_jpeg(path, 3, 2, 3, rgb, 90, 0), 0);
    assert_failure(clcnn_image_read(path, &img), CLCNN_ERR_FORMAT, "tiny.jpg", "3 x 2 pixels");

    /* truncated and corrupt files: every cut of a PNG and a JPEG fails */
    static const char *const names[2] = {"cut.png", "cut.jpg"};
    for (int k = 0; k < 2; ++k) {
        char good[4600];
        join(good, sizeof good, dir, k ? "good.jpg" : "good.png");
        if (k)
            ck_assert_int_eq(fixture_write_jpeg(good, 64, 64, 3, rgb, 90, 1), 0);
        else
            ck_assert_int_eq(fixture_write_png(good, 64, 64, PNG_COLOR_TYPE_GRAY, 8, gray, NULL,
                                               0, 0), 0);
        FILE *f = fopen(good, "rb");
        static uint8_t bytes[1 << 16];
        size_t size = fread(bytes, 1, sizeof bytes, f);
        fclose(f);
        join(path, sizeof path, dir, names[k]);
        for (size_t cut = 0; cut < size; cut += 1 + cut / 8) {
            ck_assert_int_eq(fixture_write_file(path, bytes, cut, 0), 0);
            assert_failure(clcnn_image_read(path, &img), CLCNN_ERR_FORMAT,
                           names[k], "");
        }
        /* bytes of the compressed data overwritten */
        memset(bytes + size / 2, 0x00, 16);
        ck_assert_int_eq(fixture_write_file(path, bytes, size, 0), 0);
        assert_failure(clcnn_image_read(path, &img), CLCNN_ERR_FORMAT, names[k], "");
    }
    join(path, sizeof path, dir, "text.png");
    ck_assert_int_eq(fixture_write_file(path, "hello, world\n", 13, 0), 0);
    assert_failure(clcnn_image_read(path, &img), CLCNN_ERR_FORMAT, "text.png", "not an image");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("images");
    TCase *tc = tcase_create("decode");
    tcase_add_loop_test(tc, png_decodes_exactly, 0, (int)(sizeof png_cases / sizeof *png_cases));
    tcase_add_loop_test(tc, jpeg_decodes_within_bound, 0, 4);
    tcase_add_test(tc, fit_matches_the_naive_reference);
    tcase_add_test(tc, bad_image_files_are_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(suite());
}
