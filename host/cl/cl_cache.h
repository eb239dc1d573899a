/* On-disk cache of built kernel programs (cl_cache.c).
 *
 * Folder: $CLCNN_CACHE_DIR when set (set but empty disables the cache), else
 * $XDG_CACHE_HOME/clcnn, else $HOME/.cache/clcnn. An entry is one file named
 * after a hash of its key; the key text (device name, vendor, driver version,
 * kernel source hash, build options, clcnn version) is stored in the entry and
 * compared in full, and a CRC32 covers the whole entry. Anything that does not
 * match is discarded with a warning (clcnn_warn) and rebuilt. Entries are
 * written to a temporary file and renamed, so concurrent writers never leave a
 * broken entry. */
#ifndef CLCNN_CL_CACHE_H
#define CLCNN_CL_CACHE_H

#include "cl/cl_runtime.h"

#define CLCNN_CL_CACHE_KEY_MAX 2048

/* The cache folder, or NULL when caching is disabled. */
const char *clcnn_cl_cache_dir(void);

/* Key text for device info, kernel sources (hash) and build options. */
void clcnn_cl_cache_key(const clcnn_device_info *info, uint64_t source_hash, const char *options,
                        char key[CLCNN_CL_CACHE_KEY_MAX]);

/* A built program from the cache, or *program = NULL on a miss (never an
 * error: a bad entry is a miss with a warning). */
void clcnn_cl_cache_load(cl_context context, cl_device_id device, const char *key,
                         const char *options, cl_program *program);

/* Store program's binary under key (best effort: failures only warn). */
void clcnn_cl_cache_store(cl_program program, const char *key);

/* 64-bit FNV-1a, continued from h (start with CLCNN_FNV_OFFSET). */
#define CLCNN_FNV_OFFSET 1469598103934665603ull
uint64_t clcnn_fnv1a(uint64_t h, const void *data, size_t size);

#endif
