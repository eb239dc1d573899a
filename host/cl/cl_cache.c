/* The kernel binary cache: see cl_cache.h for the format and guarantees. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "cl/cl_cache.h"

static const char MAGIC[8] = {'C', 'L', 'C', 'N', 'N', 'K', 'C', '1'};

uint64_t clcnn_fnv1a(uint64_t h, const void *data, size_t size)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < size; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

const char *clcnn_cl_cache_dir(void)
{
    static char dir[4096];
    const char *env = getenv("CLCNN_CACHE_DIR");
    if (env)
        return *env ? env : NULL;
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    if (xdg && *xdg)
        snprintf(dir, sizeof dir, "%s/clcnn", xdg);
    else if (home && *home)
        snprintf(dir, sizeof dir, "%s/.cache/clcnn", home);
    else
        return NULL;
    return dir;
}

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

/* The binary inside a well-formed entry for key, or NULL with *why set. */
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
    if (stored_len != key_len || size < 12 + (size_t)stored_len + 8 + 4 ||
        memcmp(buf + 12, key, key_len) != 0) {
        *why = "made for another device, driver or kernel source";
        return NULL;
    }
    memcpy(&bin_len, buf + 12 + key_len, 8);
    size_t header = 12 + key_len + 8;
    if (bin_len != size - header - 4) {
        *why = "truncated";
        return NULL;
    }
    memcpy(&crc, buf + size - 4, 4);
    if (crc != (uint32_t)crc32(0L, buf, (uInt)(size - 4))) {
        *why = "checksum mismatch";
        return NULL;
    }
    *binary_size = (size_t)bin_len;
    return buf + header;
}

void clcnn_cl_cache_load(cl_context context, cl_device_id device, const char *key,
                         const char *options, cl_program *program)
{
    *program = NULL;
    const char *dir = clcnn_cl_cache_dir();
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

static int make_dirs(const char *dir)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    }
    return mkdir(tmp, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

static int write_all(FILE *f, const void *data, size_t size, uLong *crc)
{
    *crc = crc32(*crc, data, (uInt)size);
    return fwrite(data, 1, size, f) == size ? 0 : -1;
}

void clcnn_cl_cache_store(cl_program program, const char *key)
{
    const char *dir = clcnn_cl_cache_dir();
    if (!dir)
        return;
    size_t binary_size = 0;
    if (clGetProgramInfo(program, CL_PROGRAM_BINARY_SIZES, sizeof binary_size, &binary_size,
                         NULL) != CL_SUCCESS || binary_size == 0)
        return;
    unsigned char *binary = malloc(binary_size);
    if (!binary)
        return;
    char path[4200], tmp[4300];
    if (clGetProgramInfo(program, CL_PROGRAM_BINARIES, sizeof binary, &binary, NULL) !=
            CL_SUCCESS || make_dirs(dir) != 0) {
        free(binary);
        return;
    }
    entry_path(dir, key, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    int failed = f == NULL;
    if (f) {
        uint32_t key_len = (uint32_t)strlen(key);
        uint64_t bin_len = binary_size;
        uLong crc = crc32(0L, Z_NULL, 0);
        failed |= write_all(f, MAGIC, sizeof MAGIC, &crc);
        failed |= write_all(f, &key_len, 4, &crc);
        failed |= write_all(f, key, key_len, &crc);
        failed |= write_all(f, &bin_len, 8, &crc);
        failed |= write_all(f, binary, binary_size, &crc);
        uint32_t crc32_value = (uint32_t)crc;
        failed |= fwrite(&crc32_value, 4, 1, f) != 1;
        failed |= fflush(f) != 0 || fsync(fileno(f)) != 0;
        failed |= fclose(f) != 0;
    }
    if (failed || rename(tmp, path) != 0) {
        unlink(tmp);
        clcnn_warn("kernel cache: could not write %s", path);
    }
    free(binary);
}
