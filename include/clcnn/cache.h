/* clcnn — the cache folder, where clcnn keeps what it learns about a device:
 * built kernel programs, check results (clcnn/check.h), tuning results.
 * Everything in it can be deleted at any time; it is rebuilt on demand. */
#ifndef CLCNN_CACHE_H
#define CLCNN_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "clcnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* $CLCNN_CACHE_DIR when set (set but empty disables every cache), else
 * $XDG_CACHE_HOME/clcnn, else $HOME/.cache/clcnn; NULL when caching is
 * disabled or no home folder is known. The folder may not exist yet. The
 * returned string is valid until the next call. */
const char *clcnn_cache_dir(void);

/* Create the folder path and its parents (like mkdir -p); CLCNN_ERR_IO naming
 * the folder when that fails. */
clcnn_status clcnn_cache_make_dirs(const char *path);

/* Write size bytes to path atomically: a temporary file PATH.tmp.XXXXXX in
 * the same folder (mode 0644), flushed and fsync'ed, renamed over path, then
 * the folder fsync'ed, so that concurrent writers and crashes never leave a
 * partial file and a power cut keeps the rename. The library's one writer of
 * whole files (checkpoints, caches, exports). CLCNN_ERR_IO naming path on
 * failure, the temporary file removed. */
clcnn_status clcnn_cache_write_atomic(const char *path, const void *data, unsigned long size);

/* The temporary file's name: path, this suffix, then mkstemp's six letters
 * or digits (what a writer killed mid-write leaves behind). */
#define CLCNN_ATOMIC_TEMP_SUFFIX ".tmp."
#define CLCNN_ATOMIC_TEMP_LETTERS 6

/* 64-bit FNV-1a of data, continued from h (start with CLCNN_FNV_OFFSET): names
 * cache entries after their keys. */
#define CLCNN_FNV_OFFSET 1469598103934665603ull
uint64_t clcnn_fnv1a(uint64_t h, const void *data, size_t size);

#ifdef __cplusplus
}
#endif
#endif
