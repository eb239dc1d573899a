#include "data/data_file.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define READ_CHUNK (1u << 20)

void data_buffer_free(data_buffer *buffer)
{
    free(buffer->bytes);
    buffer->bytes = NULL;
    buffer->size = 0;
    buffer->compressed = 0;
}

clcnn_status data_format_error(const char *path, const data_buffer *buffer, uint64_t offset,
                               const char *fmt, ...)
{
    char detail[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return clcnn_fail(CLCNN_ERR_FORMAT, "%s: byte offset %llu%s: %s", path,
                      (unsigned long long)offset,
                      buffer && buffer->compressed ? " (uncompressed)" : "", detail);
}

/* Grow out->bytes so that at least `more` bytes fit after out->size. */
static clcnn_status reserve(data_buffer *out, size_t *capacity, size_t more, const char *path)
{
    if (*capacity - out->size >= more)
        return CLCNN_OK;
    size_t wanted = *capacity ? *capacity : more;
    while (wanted - out->size < more) {
        if (wanted > SIZE_MAX / 2)
            return clcnn_fail(CLCNN_ERR_NOMEM, "reading %s: file too large", path);
        wanted *= 2;
    }
    uint8_t *grown = realloc(out->bytes, wanted);
    if (!grown)
        return clcnn_fail(CLCNN_ERR_NOMEM, "reading %s: cannot allocate %zu bytes", path, wanted);
    out->bytes = grown;
    *capacity = wanted;
    return CLCNN_OK;
}

/* Read every byte gz yields into out. */
static clcnn_status read_stream(gzFile gz, const char *path, const char *what, size_t hint,
                                data_buffer *out)
{
    size_t capacity = 0;
    clcnn_status st = reserve(out, &capacity, hint + 1, path);
    for (;;) {
        if (st != CLCNN_OK)
            return st;
        size_t room = capacity - out->size;
        unsigned want = room > READ_CHUNK ? READ_CHUNK : (unsigned)room;
        int got = gzread(gz, out->bytes + out->size, want);
        out->compressed = !gzdirect(gz); /* known once reading has started */
        if (got < 0) {
            int errnum = 0;
            const char *msg = gzerror(gz, &errnum);
            if (errnum == Z_ERRNO)
                return clcnn_fail(CLCNN_ERR_IO, "%s: byte offset %zu: read failed: %s", path,
                                  out->size, strerror(errno));
            return data_format_error(path, out, out->size, "corrupt gzip data near compressed "
                                     "byte %lld (zlib: %s), expected %s", (long long)gzoffset(gz),
                                     msg, what);
        }
        if (got == 0) {
            /* A gzip stream cut short (even just its CRC trailer) ends with
             * Z_BUF_ERROR, not a clean end of file. */
            int errnum = 0;
            const char *msg = gzerror(gz, &errnum);
            if (errnum != Z_OK)
                return data_format_error(path, out, out->size, "truncated or corrupt gzip data "
                                         "(zlib: %s), expected %s", msg, what);
            return CLCNN_OK;
        }
        out->size += (size_t)got;
        st = reserve(out, &capacity, 1, path);
    }
}

clcnn_status data_file_read_all(const char *path, const char *what, data_buffer *out)
{
    struct stat info;
    memset(out, 0, sizeof *out);
    if (stat(path, &info) != 0)
        return clcnn_fail(CLCNN_ERR_IO, "%s: byte offset 0: cannot open: %s (expected %s)", path,
                          strerror(errno), what);
    if (S_ISDIR(info.st_mode))
        return clcnn_fail(CLCNN_ERR_IO, "%s: byte offset 0: is a directory, expected a file of %s",
                          path, what);
    if (!S_ISREG(info.st_mode)) /* a fifo would block, a device never end */
        return clcnn_fail(CLCNN_ERR_IO, "%s: byte offset 0: not a regular file, expected a file "
                          "of %s", path, what);
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return clcnn_fail(CLCNN_ERR_IO, "%s: byte offset 0: cannot open: %s (expected %s)", path,
                          errno ? strerror(errno) : "out of memory", what);
    /* zlib's buffers (this much input, twice as much output): large for data
     * sets, no larger than the file for small ones such as an image. */
    gzbuffer(gz, info.st_size < 8192 ? 8192u : info.st_size < 256 * 1024 ? (unsigned)info.st_size
                                                                         : 256u * 1024u);
    size_t hint = info.st_size > 0 ? (size_t)info.st_size : 0;
    clcnn_status st = read_stream(gz, path, what, hint, out);
    /* gzdirect() is only meaningful once reading has started. */
    out->compressed = !gzdirect(gz);
    gzclose(gz);
    if (st == CLCNN_OK && out->size == 0)
        st = data_format_error(path, out, 0, "empty file, expected %s", what);
    if (st != CLCNN_OK)
        data_buffer_free(out);
    return st;
}

int data_path_exists(const char *path)
{
    /* lstat: a broken link counts as present, so that opening it reports why. */
    struct stat info;
    return lstat(path, &info) == 0;
}

char *data_path_join(const char *dir, const char *name)
{
    size_t dir_len = strlen(dir), name_len = strlen(name);
    char *path = malloc(dir_len + name_len + 2);
    if (!path) {
        clcnn_fail(CLCNN_ERR_NOMEM, "joining %s and %s: out of memory", dir, name);
        return NULL;
    }
    memcpy(path, dir, dir_len);
    path[dir_len] = '/';
    memcpy(path + dir_len + 1, name, name_len + 1);
    return path;
}

clcnn_status data_find_file(const char *dir, const char *name, char **path)
{
    char gz_name[256];
    *path = NULL;
    if (snprintf(gz_name, sizeof gz_name, "%s.gz", name) >= (int)sizeof gz_name)
        return clcnn_fail(CLCNN_ERR_ARG, "file name too long: %s", name);
    const char *candidates[2] = {name, gz_name};
    for (int i = 0; i < 2; ++i) {
        char *candidate = data_path_join(dir, candidates[i]);
        if (!candidate)
            return CLCNN_ERR_NOMEM;
        if (data_path_exists(candidate)) {
            *path = candidate;
            return CLCNN_OK;
        }
        free(candidate);
    }
    return CLCNN_OK;
}
