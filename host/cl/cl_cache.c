/* The kernel binary cache: see cl_cache.h for the format and guarantees. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "cl/cl_cache.h"

static const char MAGIC[8] = {'C', 'L', 'C', 'N', 'N', 'K', 'C', '1'};

void clcnn_cl_cache_key(const clcnn_device_info *info, uint64_t source_hash, const char *options,
                        char key[CLCNN_CL_CACHE_KEY_MAX])
{
    snprintf(key, CLCNN_CL_CACHE_KEY_MAX,
             "device=%s\nvendor=%s\ndriver=%s\nplatform=%s\nsource=%016llx\noptions=%s\n"
             "clcnn=%s\n",
             info->name, info->vendor, info->driver_version, info->platform,
             (unsigned long long)source_hash, options, CLCNN_VERSION);
}

static void entry_path(const char *dir, const char *key, char *path, size_t size)
{
    uint64_t h = clcnn_fnv1a(CLCNN_FNV_OFFSET, key, strlen(key));
    snprintf(path, size, "%s/%016llx.bin", dir, (unsigned long long)h);
}

/* Whole file into memory; NULL when it cannot be read. */
static unsigned char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *buf = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0)
        buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return buf;
}

/* The binary inside a well-formed entry for key, or NULL with *why set.
 * Structure first, then the checksum, then the key: a foreign entry is one
 * that is intact but was made for another key. */
static const unsigned char *parse_entry(const unsigned char *buf, size_t size, const char *key,
                                        size_t *binary_size, const char **why)
{
    size_t key_len = strlen(key);
    uint32_t stored_len, crc;
    uint64_t bin_len;
    if (size < sizeof MAGIC + 4 || memcmp(buf, MAGIC, sizeof MAGIC) != 0) {
        *why = "bad magic";
        return NULL;
    }
    memcpy(&stored_len, buf + 8, 4);
    size_t header = 12 + (size_t)stored_len + 8;
    if (stored_len > CLCNN_CL_CACHE_KEY_MAX || size < header + 4) {
        *why = "truncated";
        return NULL;
    }
    memcpy(&bin_len, buf + 12 + stored_len, 8);
    if (bin_len != size - header - 4) {
        *why = "truncated";
        return NULL;
    }
    memcpy(&crc, buf + size - 4, 4);
    if (crc != (uint32_t)crc32(0L, buf, (uInt)(size - 4))) {
        *why = "checksum mismatch";
        return NULL;
    }
    if (stored_len != key_len || memcmp(buf + 12, key, key_len) != 0) {
        *why = "made for another device, driver or kernel source";
        return NULL;
    }
    *binary_size = (size_t)bin_len;
    return buf + header;
}

void clcnn_cl_cache_load(cl_context context, cl_device_id device, const char *key,
                         const char *options, cl_program *program)
{
    *program = NULL;
    const char *dir = clcnn_cache_dir();
    if (!dir)
        return;
    char path[4200];
    entry_path(dir, key, path, sizeof path);
    size_t size = 0;
    unsigned char *buf = read_file(path, &size);
    if (!buf)
        return; /* a plain miss */
    const char *why = NULL;
    size_t binary_size = 0;
    const unsigned char *binary = parse_entry(buf, size, key, &binary_size, &why);
    if (binary) {
        cl_int status, err;
        cl_program p = clCreateProgramWithBinary(context, 1, &device, &binary_size, &binary,
                                                 &status, &err);
        if (err == CL_SUCCESS && status == CL_SUCCESS &&
            clBuildProgram(p, 1, &device, options, NULL, NULL) == CL_SUCCESS)
            *program = p;
        else {
            if (err == CL_SUCCESS)
                clReleaseProgram(p);
            why = "the driver rejected the binary";
        }
    }
    free(buf);
    if (!*program) {
        clcnn_warn("kernel cache entry %s discarded (%s); rebuilding it", path, why);
        unlink(path);
    }
}

/* Append size bytes to the entry being assembled at *at. */
static void put(unsigned char **at, const void *data, size_t size)
{
    memcpy(*at, data, size);
    *at += size;
}

void clcnn_cl_cache_store(cl_program program, const char *key)
{
    const char *dir = clcnn_cache_dir();
    if (!dir)
        return;
    size_t binary_size = 0;
    if (clGetProgramInfo(program, CL_PROGRAM_BINARY_SIZES, sizeof binary_size, &binary_size,
                         NULL) != CL_SUCCESS || binary_size == 0)
        return;
    uint32_t key_len = (uint32_t)strlen(key);
    uint64_t bin_len = binary_size;
    size_t total = sizeof MAGIC + 4 + key_len + 8 + binary_size + 4;
    unsigned char *entry = malloc(total);
    if (!entry)
        return;
    unsigned char *at = entry, *binary = entry + sizeof MAGIC + 4 + key_len + 8;
    put(&at, MAGIC, sizeof MAGIC);
    put(&at, &key_len, 4);
    put(&at, key, key_len);
    put(&at, &bin_len, 8);
    char path[4200];
    entry_path(dir, key, path, sizeof path);
    clcnn_status st = CLCNN_OK;
    if (clGetProgramInfo(program, CL_PROGRAM_BINARIES, sizeof binary, &binary, NULL) != CL_SUCCESS)
        st = clcnn_fail(CLCNN_ERR_OPENCL, "clGetProgramInfo(CL_PROGRAM_BINARIES) failed");
    if (st == CLCNN_OK) {
        at += binary_size;
        uint32_t crc = (uint32_t)crc32(0L, entry, (uInt)(total - 4));
        put(&at, &crc, 4);
        st = clcnn_cache_make_dirs(dir);
    }
    if (st == CLCNN_OK)
        st = clcnn_cache_write_atomic(path, entry, (unsigned long)total);
    if (st != CLCNN_OK)
        clcnn_warn("kernel cache: could not store %s: %s", path, clcnn_last_error());
    free(entry);
}
