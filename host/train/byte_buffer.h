/* Little-endian serialization for checkpoints: a growing write buffer and a
 * bounds-checked read cursor whose errors name the file, the byte offset and
 * the field that was expected there. */
#ifndef CLCNN_BYTE_BUFFER_H
#define CLCNN_BYTE_BUFFER_H

#include <stddef.h>
#include <stdint.h>

#include "clcnn/status.h"

typedef struct byte_writer {
    uint8_t *data;
    size_t size, capacity;
    int failed; /* out of memory: every later put is ignored */
} byte_writer;

void bw_bytes(byte_writer *w, const void *src, size_t n);
void bw_u32(byte_writer *w, uint32_t v);
void bw_u64(byte_writer *w, uint64_t v);
void bw_i64(byte_writer *w, int64_t v);
void bw_f32(byte_writer *w, float v);
void bw_f64(byte_writer *w, double v);
void bw_str(byte_writer *w, const char *s);               /* u32 length + bytes */
void bw_f32_array(byte_writer *w, const float *v, size_t n); /* u64 count + data */
void bw_free(byte_writer *w);

typedef struct byte_reader {
    const char *path;      /* for messages */
    const uint8_t *data;
    size_t size;
    size_t offset;         /* position in data */
    size_t base;           /* file offset of data[0] */
} byte_reader;

/* Each reads one field called what; on a short read it fails with
 * CLCNN_ERR_FORMAT "<path>: truncated at offset N: expected <what> (k bytes)". */
clcnn_status br_u32(byte_reader *r, const char *what, uint32_t *v);
clcnn_status br_u64(byte_reader *r, const char *what, uint64_t *v);
clcnn_status br_i64(byte_reader *r, const char *what, int64_t *v);
clcnn_status br_f32(byte_reader *r, const char *what, float *v);
clcnn_status br_f64(byte_reader *r, const char *what, double *v);
/* A string of at most max_len bytes, malloc'ed and NUL-terminated. */
clcnn_status br_str(byte_reader *r, const char *what, size_t max_len, char **out);
/* A float array whose count must equal expected; *out malloc'ed (NULL when 0). */
clcnn_status br_f32_array(byte_reader *r, const char *what, size_t expected, float **out);
/* A float array of any count up to max (count returned in *n). */
clcnn_status br_f32_array_any(byte_reader *r, const char *what, size_t max, float **out,
                              size_t *n);

/* CLCNN_ERR_FORMAT "<path>: at offset N: <message>" for the current position. */
clcnn_status br_fail(const byte_reader *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
