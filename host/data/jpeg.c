/* JPEG files through libjpeg(-turbo): baseline and progressive, gray and
 * color, read from memory. libjpeg reports errors through error_exit, which
 * must not return: on_error records the reason and longjmps back to decode().
 * Its warnings (corrupt data it papers over, a truncated file it pads with
 * gray) are failures too: such a file would train on invented pixels. */
#include "data/image_codecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

typedef struct jpeg_job {
    struct jpeg_error_mgr err; /* first: libjpeg hands back a pointer to it */
    jmp_buf jump;
    char reason[JMSG_LENGTH_MAX];
    uint8_t *rows;             /* interleaved pixels, freed on every path */
} jpeg_job;

static void on_error(j_common_ptr cinfo)
{
    jpeg_job *job = (jpeg_job *)cinfo->err;
    if (!job->reason[0])
        job->err.format_message(cinfo, job->reason);
    longjmp(job->jump, 1);
}

/* level -1 is a warning about corrupt data; higher levels are trace output. */
static void on_message(j_common_ptr cinfo, int level)
{
    if (level < 0)
        on_error(cinfo);
}

/* Decode with libjpeg; 0 on success, -1 with job->reason, 1 with *st set. */
static int decode(jpeg_job *job, struct jpeg_decompress_struct *cinfo, const char *path,
                  const uint8_t *bytes, size_t size, clcnn_image *out, clcnn_status *st)
{
    if (setjmp(job->jump))
        return -1;
    jpeg_create_decompress(cinfo);
    jpeg_mem_src(cinfo, bytes, (unsigned long)size);
    jpeg_read_header(cinfo, TRUE);
    *st = image_check_size(path, "JPEG", cinfo->image_width, cinfo->image_height);
    if (*st != CLCNN_OK)
        return 1;
    int channels;
    if (cinfo->jpeg_color_space == JCS_GRAYSCALE) {
        cinfo->out_color_space = JCS_GRAYSCALE;
        channels = 1;
    } else if (cinfo->jpeg_color_space == JCS_YCbCr || cinfo->jpeg_color_space == JCS_RGB) {
        cinfo->out_color_space = JCS_RGB;
        channels = 3;
    } else {
        snprintf(job->reason, sizeof job->reason,
                 "color space %d (CMYK or YCCK) is not supported: expected gray or RGB",
                 (int)cinfo->jpeg_color_space);
        return -1;
    }
    /* Exact integer IDCT and plain upsampling: the same pixels on every run. */
    cinfo->dct_method = JDCT_ISLOW;
    jpeg_start_decompress(cinfo);
    size_t stride = (size_t)cinfo->output_width * (size_t)channels;
    job->rows = malloc(stride * cinfo->output_height);
    if (!job->rows) {
        *st = clcnn_fail(CLCNN_ERR_NOMEM, "%s: cannot allocate a %u x %u JPEG image", path,
                         cinfo->output_width, cinfo->output_height);
        return 1;
    }
    while (cinfo->output_scanline < cinfo->output_height) {
        JSAMPROW row = job->rows + cinfo->output_scanline * stride;
        jpeg_read_scanlines(cinfo, &row, 1);
    }
    jpeg_finish_decompress(cinfo);
    *st = image_from_interleaved(path, job->rows, (int)cinfo->output_width,
                                 (int)cinfo->output_height, channels, channels, out);
    return *st == CLCNN_OK ? 0 : 1;
}

int image_is_jpeg(const uint8_t *bytes, size_t size)
{
    return size >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF;
}

clcnn_status image_decode_jpeg(const char *path, const data_buffer *file, clcnn_image *out)
{
    memset(out, 0, sizeof *out);
    jpeg_job job;
    memset(&job, 0, sizeof job);
    struct jpeg_decompress_struct cinfo;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&job.err);
    job.err.error_exit = on_error;
    job.err.emit_message = on_message;
    clcnn_status st = CLCNN_OK;
    int result = decode(&job, &cinfo, path, file->bytes, file->size, out, &st);
    jpeg_destroy_decompress(&cinfo);
    free(job.rows);
    if (result < 0)
        st = clcnn_fail(CLCNN_ERR_FORMAT, "%s: not a readable JPEG image: %s", path, job.reason);
    if (st != CLCNN_OK)
        clcnn_image_free(out);
    return st;
}
