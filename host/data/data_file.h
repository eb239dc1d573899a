/* Internal to host/data: reading whole data files (plain or gzip) and the
 * messages that point at a byte of a malformed one. */
#ifndef CLCNN_DATA_FILE_H
#define CLCNN_DATA_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "clcnn/status.h"

/* The whole (decompressed) content of one file. */
typedef struct data_buffer {
    uint8_t *bytes;
    size_t size;
    int compressed; /* 1 when read through gzip: offsets are then uncompressed */
} data_buffer;

/* Read all of path into *out, decompressing gzip transparently.
 * Fails with CLCNN_ERR_IO (missing, unreadable, a directory) or
 * CLCNN_ERR_FORMAT (empty, corrupt gzip); what names the expected content for
 * the message ("CIFAR-10 records"). */
clcnn_status data_file_read_all(const char *path, const char *what, data_buffer *out);

void data_buffer_free(data_buffer *buffer);

/* Record a CLCNN_ERR_FORMAT failure "path: byte offset N: <message>". */
clcnn_status data_format_error(const char *path, const data_buffer *buffer, uint64_t offset,
                               const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Big-endian 32-bit value at bytes. */
static inline uint32_t data_read_be32(const uint8_t *bytes)
{
    return ((uint32_t)bytes[0] << 24) | ((uint32_t)bytes[1] << 16) | ((uint32_t)bytes[2] << 8) |
           (uint32_t)bytes[3];
}

/* Whether anything (file or folder) exists at path. */
int data_path_exists(const char *path);

/* dir + "/" + name, malloc'ed; NULL (and a CLCNN_ERR_NOMEM message) on failure. */
char *data_path_join(const char *dir, const char *name);

/* Find dir/name or dir/name.gz. *path is the malloc'ed path found, or NULL
 * when neither exists (still CLCNN_OK); fails only when out of memory. */
clcnn_status data_find_file(const char *dir, const char *name, char **path);

#endif
