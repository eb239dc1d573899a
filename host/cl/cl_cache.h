/* On-disk cache of built kernel programs (cl_cache.c).
 *
 * Folder: clcnn_cache_dir() (clcnn/cache.h; CLCNN_CACHE_DIR set but empty
 * disables the cache). An entry is one file named after a hash of its key; the
 * key text (device name, vendor, driver version, platform, kernel source hash,
 * build options, clcnn version) is stored in the entry and compared in full,
 * and a CRC32 covers the whole entry. Anything that does not match is
 * discarded with a warning (clcnn_warn) and rebuilt. Entries are written to a
 * temporary file and renamed, so concurrent writers never leave a broken
 * entry.
 *
 * Entry layout (integers little-endian on the machines clcnn runs on: the
 * entry is only ever read back by the machine that wrote it):
 *   "CLCNNKC1" | u32 key length | key | u64 binary length | binary | u32 CRC32
 * the CRC covering everything before it. */
#ifndef CLCNN_CL_CACHE_H
#define CLCNN_CL_CACHE_H

#include "cl/cl_runtime.h"
#include "clcnn/cache.h"

#define CLCNN_CL_CACHE_KEY_MAX 2048

/* Key text for device info, kernel sources (hash) and build options. */
void clcnn_cl_cache_key(const clcnn_device_info *info, uint64_t source_hash, const char *options,
                        char key[CLCNN_CL_CACHE_KEY_MAX]);

/* A built program from the cache, or *program = NULL on a miss (never an
 * error: a bad entry is a miss with a warning, and is deleted). */
void clcnn_cl_cache_load(cl_context context, cl_device_id device, const char *key,
                         const char *options, cl_program *program);

/* Store program's binary under key (best effort: failures only warn). */
void clcnn_cl_cache_store(cl_program program, const char *key);

#endif
