/* PNG files through libpng: every color type and bit depth, read from
 * memory. libpng reports errors by calling on_error, which must not return:
 * it records the reason and longjmps back to decode(), which frees what was
 * allocated and fails with the file's path. */
#include "data/image_codecs.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/* Everything decode() and libpng's callbacks share. Kept behind a pointer so
 * that its fields keep their values across the longjmp. */
typedef struct png_job {
    const char *path;
    const uint8_t *bytes;
    size_t size, pos;
    char reason[256];
    uint8_t *rows;      /* interleaved pixels, freed on every path */
    png_bytep *row_ptrs;
} png_job;

static void on_error(png_structp png, png_const_charp message)
{
    png_job *job = png_get_error_ptr(png);
    if (!job->reason[0])
        snprintf(job->reason, sizeof job->reason, "%s", message);
    png_longjmp(png, 1);
}

/* libpng's warnings (a bad ancillary chunk it skips) are not errors, and the
 * library never prints. */
static void on_warning(png_structp png, png_const_charp message) {}

static void read_bytes(png_structp png, png_bytep data, size_t length)
{
    png_job *job = png_get_io_ptr(png);
    if (job->size - job->pos < length) {
        snprintf(job->reason, sizeof job->reason,
                 "truncated: the file ends at byte %zu, inside the image data", job->size);
        png_error(png, job->reason);
    }
    memcpy(data, job->bytes + job->pos, length);
    job->pos += length;
}

/* Decode with libpng; 0 on success, else job->reason says why. Only
 * job's fields change after setjmp. */
static int decode(png_job *job, png_structp png, png_infop info, clcnn_image *out,
                  clcnn_status *st)
{
    if (setjmp(png_jmpbuf(png)))
        return -1;
    png_set_read_fn(png, job, read_bytes);
    /* Ancillary chunks (text, ICC profiles) may not make us allocate much. */
    png_set_chunk_malloc_max(png, 1u << 22);
    png_read_info(png, info);
    png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    *st = image_check_size(job->path, "PNG", width, height);
    if (*st != CLCNN_OK)
        return 1;
    int color = png_get_color_type(png, info);
    png_set_expand(png);        /* palette -> RGB, gray < 8 bits -> 8, tRNS -> alpha */
    png_set_scale_16(png);      /* 16 -> 8 bits, rounded */
    png_set_strip_alpha(png);   /* alpha dropped, not composited */
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int samples = png_get_channels(png, info);
    int channels = (color & PNG_COLOR_MASK_COLOR) ? 3 : 1;
    if (samples != channels || png_get_bit_depth(png, info) != 8) {
        snprintf(job->reason, sizeof job->reason,
                 "color type %d expands to %d samples of %d bits, expected %d of 8", color,
                 samples, png_get_bit_depth(png, info), channels);
        return -1;
    }
    /* Deflate cannot compress more than 1032:1: a short file cannot hold a
     * large image, so refuse it before allocating the pixels. */
    uint64_t raw = (uint64_t)height * ((uint64_t)width * (uint64_t)samples + 1);
    if (raw / 1032 > job->size) {
        snprintf(job->reason, sizeof job->reason,
                 "truncated: %u x %u pixels cannot fit in %zu bytes", (unsigned)width,
                 (unsigned)height, job->size);
        return -1;
    }
    size_t stride = (size_t)width * (size_t)samples;
    job->rows = malloc(stride * height);
    job->row_ptrs = malloc(sizeof(png_bytep) * height);
    if (!job->rows || !job->row_ptrs) {
        *st = clcnn_fail(CLCNN_ERR_NOMEM, "%s: cannot allocate a %u x %u PNG image", job->path,
                         (unsigned)width, (unsigned)height);
        return 1;
    }
    for (png_uint_32 y = 0; y < height; ++y)
        job->row_ptrs[y] = job->rows + y * stride;
    png_read_image(png, job->row_ptrs);
    png_read_end(png, NULL); /* up to IEND: a file cut after its pixels is still cut */
    *st = image_from_interleaved(job->path, job->rows, (int)width, (int)height, samples,
                                 channels, out);
    return *st == CLCNN_OK ? 0 : 1;
}

int image_is_png(const uint8_t *bytes, size_t size)
{
    return size >= 8 && png_sig_cmp(bytes, 0, 8) == 0;
}

clcnn_status image_decode_png(const char *path, const data_buffer *file, clcnn_image *out)
{
    memset(out, 0, sizeof *out);
    png_job job = {.path = path, .bytes = file->bytes, .size = file->size};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &job, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return clcnn_fail(CLCNN_ERR_NOMEM, "%s: cannot create a PNG reader", path);
    }
    clcnn_status st = CLCNN_OK;
    int result = decode(&job, png, info, out, &st);
    png_destroy_read_struct(&png, &info, NULL);
    free(job.rows);
    free(job.row_ptrs);
    if (result < 0)
        st = clcnn_fail(CLCNN_ERR_FORMAT, "%s: not a readable PNG image: %s", path, job.reason);
    if (st != CLCNN_OK)
        clcnn_image_free(out);
    return st;
}
