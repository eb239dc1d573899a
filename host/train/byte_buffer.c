/* Little-endian serialization for checkpoints (see byte_buffer.h). */
#include "train/byte_buffer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bw_bytes(byte_writer *w, const void *src, size_t n)
{
    if (w->failed)
        return;
    if (w->size + n > w->capacity) {
        size_t cap = w->capacity ? w->capacity : 4096;
        while (cap < w->size + n)
            cap *= 2;
        uint8_t *p = realloc(w->data, cap);
        if (!p) {
            w->failed = 1;
            return;
        }
        w->data = p;
        w->capacity = cap;
    }
    memcpy(w->data + w->size, src, n);
    w->size += n;
}

static void put_le(byte_writer *w, uint64_t v, int bytes)
{
    uint8_t b[8];
    for (int i = 0; i < bytes; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    bw_bytes(w, b, (size_t)bytes);
}

void bw_u32(byte_writer *w, uint32_t v) { put_le(w, v, 4); }
void bw_u64(byte_writer *w, uint64_t v) { put_le(w, v, 8); }
void bw_i64(byte_writer *w, int64_t v) { put_le(w, (uint64_t)v, 8); }

void bw_f32(byte_writer *w, float v)
{
    uint32_t bits;
    memcpy(&bits, &v, 4);
    put_le(w, bits, 4);
}

void bw_f64(byte_writer *w, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, 8);
    put_le(w, bits, 8);
}

void bw_str(byte_writer *w, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    bw_u32(w, (uint32_t)n);
    bw_bytes(w, s, n);
}

void bw_f32_array(byte_writer *w, const float *v, size_t n)
{
    bw_u64(w, n);
    for (size_t i = 0; i < n; i++)
        bw_f32(w, v[i]);
}

void bw_free(byte_writer *w)
{
    free(w->data);
    memset(w, 0, sizeof *w);
}

clcnn_status br_fail(const byte_reader *r, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return clcnn_fail(CLCNN_ERR_FORMAT, "%s: at offset %zu: %s", r->path, r->base + r->offset, msg);
}

static clcnn_status take(byte_reader *r, const char *what, size_t n, const uint8_t **p)
{
    if (n > r->size - r->offset)
        return clcnn_fail(CLCNN_ERR_FORMAT, "%s: truncated at offset %zu: expected %s (%zu bytes, "
                          "%zu left)", r->path, r->base + r->offset, what, n,
                          r->size - r->offset);
    *p = r->data + r->offset;
    r->offset += n;
    return CLCNN_OK;
}

static clcnn_status get_le(byte_reader *r, const char *what, int bytes, uint64_t *v)
{
    const uint8_t *p = NULL;
    clcnn_status st = take(r, what, (size_t)bytes, &p);
    if (st != CLCNN_OK)
        return st;
    uint64_t x = 0;
    for (int i = 0; i < bytes; i++)
        x |= (uint64_t)p[i] << (8 * i);
    *v = x;
    return CLCNN_OK;
}

clcnn_status br_u32(byte_reader *r, const char *what, uint32_t *v)
{
    uint64_t x = 0;
    clcnn_status st = get_le(r, what, 4, &x);
    *v = (uint32_t)x;
    return st;
}

clcnn_status br_u64(byte_reader *r, const char *what, uint64_t *v) { return get_le(r, what, 8, v); }

clcnn_status br_i64(byte_reader *r, const char *what, int64_t *v)
{
    uint64_t x = 0;
    clcnn_status st = get_le(r, what, 8, &x);
    *v = (int64_t)x;
    return st;
}

clcnn_status br_f32(byte_reader *r, const char *what, float *v)
{
    uint64_t x = 0;
    clcnn_status st = get_le(r, what, 4, &x);
    uint32_t bits = (uint32_t)x;
    memcpy(v, &bits, 4);
    return st;
}

clcnn_status br_f64(byte_reader *r, const char *what, double *v)
{
    uint64_t x = 0;
    clcnn_status st = get_le(r, what, 8, &x);
    memcpy(v, &x, 8);
    return st;
}

clcnn_status br_str(byte_reader *r, const char *what, size_t max_len, char **out)
{
    *out = NULL;
    uint32_t n;
    size_t at = r->offset;
    clcnn_status st = br_u32(r, what, &n);
    if (st != CLCNN_OK)
        return st;
    if (n > max_len) {
        r->offset = at;
        return br_fail(r, "%s is %u bytes long, more than the %zu allowed", what, n, max_len);
    }
    const uint8_t *p = NULL;
    if ((st = take(r, what, n, &p)) != CLCNN_OK)
        return st;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return clcnn_fail(CLCNN_ERR_NOMEM, "%s: reading %s: out of memory", r->path, what);
    memcpy(s, p, n);
    s[n] = '\0';
    *out = s;
    return CLCNN_OK;
}

clcnn_status br_f32_array_any(byte_reader *r, const char *what, size_t max, float **out,
                              size_t *n)
{
    *out = NULL;
    *n = 0;
    uint64_t count;
    size_t at = r->offset;
    clcnn_status st = br_u64(r, what, &count);
    if (st != CLCNN_OK)
        return st;
    if (count > max || count > (r->size - r->offset) / 4) {
        r->offset = at;
        if (count > max)
            return br_fail(r, "%s holds %llu floats, more than the %zu expected", what,
                           (unsigned long long)count, max);
        return clcnn_fail(CLCNN_ERR_FORMAT, "%s: truncated at offset %zu: expected %s (%llu "
                          "floats, %zu bytes left)", r->path, r->base + r->offset, what,
                          (unsigned long long)count, r->size - r->offset - 8);
    }
    if (count == 0)
        return CLCNN_OK;
    float *v = malloc(sizeof(float) * (size_t)count);
    if (!v)
        return clcnn_fail(CLCNN_ERR_NOMEM, "%s: reading %s: out of memory", r->path, what);
    for (size_t i = 0; i < count; i++)
        br_f32(r, what, &v[i]); /* cannot fail: the length was checked */
    *out = v;
    *n = (size_t)count;
    return CLCNN_OK;
}

clcnn_status br_f32_array(byte_reader *r, const char *what, size_t expected, float **out)
{
    size_t at = r->offset, n;
    clcnn_status st = br_f32_array_any(r, what, expected, out, &n);
    if (st == CLCNN_OK && n != expected) {
        free(*out);
        *out = NULL;
        r->offset = at;
        return br_fail(r, "%s holds %zu floats, expected %zu", what, n, expected);
    }
    return st;
}
