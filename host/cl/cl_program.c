/* Building the one program made of every kernels/ .cl file: from the sources
 * embedded at build time, or from CLCNN_KERNEL_DIR when set (development). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl/cl_cache.h"
#include "cl/cl_program.h"
#include "cl/kernel_sources.h"

#define BUILD_OPTIONS "-cl-std=CL1.2"

typedef struct source_set {
    char **texts;
    size_t *lengths;
    int count;
} source_set;

static void source_set_free(source_set *s)
{
    for (int i = 0; i < s->count; i++)
        free(s->texts[i]);
    free(s->texts);
    free(s->lengths);
    memset(s, 0, sizeof *s);
}

/* The program's order: common.cl (the helpers every other file may use)
 * first, then by name, as host/cmake/embed_kernels.cmake orders the
 * embedded set. */
static int compare_names(const void *a, const void *b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    int x_common = strcmp(x, "common.cl") == 0, y_common = strcmp(y, "common.cl") == 0;
    if (x_common != y_common)
        return y_common - x_common;
    return strcmp(x, y);
}

static clcnn_status read_text(const char *path, char **text, size_t *length)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return clcnn_fail(CLCNN_ERR_IO, "reading kernel %s: cannot open", path);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = size >= 0 ? malloc((size_t)size + 1) : NULL;
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        fclose(f);
        return clcnn_fail(CLCNN_ERR_IO, "reading kernel %s: read failed", path);
    }
    fclose(f);
    buf[size] = '\0';
    *text = buf;
    *length = (size_t)size;
    return CLCNN_OK;
}

/* Every .cl file in dir, in the program's order (compare_names). */
static clcnn_status load_directory(const char *dir, source_set *out)
{
    DIR *d = opendir(dir);
    if (!d)
        return clcnn_fail(CLCNN_ERR_IO, "CLCNN_KERNEL_DIR=%s: cannot open the folder", dir);
    char *names[256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256) {
        size_t len = strlen(e->d_name);
        if (len > 3 && strcmp(e->d_name + len - 3, ".cl") == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], compare_names);
    clcnn_status st = CLCNN_OK;
    out->texts = calloc((size_t)n + 1, sizeof *out->texts);
    out->lengths = calloc((size_t)n + 1, sizeof *out->lengths);
    if (!out->texts || !out->lengths)
        st = clcnn_fail(CLCNN_ERR_NOMEM, "loading kernels: out of memory");
    for (int i = 0; i < n; i++) {
        if (st == CLCNN_OK) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            st = read_text(path, &out->texts[out->count], &out->lengths[out->count]);
            if (st == CLCNN_OK)
                out->count++;
        }
        free(names[i]);
    }
    if (st == CLCNN_OK && out->count == 0)
        st = clcnn_fail(CLCNN_ERR_IO, "CLCNN_KERNEL_DIR=%s: no .cl files there", dir);
    if (st != CLCNN_OK)
        source_set_free(out);
    return st;
}

static clcnn_status load_embedded(source_set *out)
{
    out->texts = calloc((size_t)clcnn_kernel_source_count + 1, sizeof *out->texts);
    out->lengths = calloc((size_t)clcnn_kernel_source_count + 1, sizeof *out->lengths);
    if (!out->texts || !out->lengths) {
        source_set_free(out);
        return clcnn_fail(CLCNN_ERR_NOMEM, "loading kernels: out of memory");
    }
    for (int i = 0; i < clcnn_kernel_source_count; i++) {
        out->texts[i] = strdup(clcnn_kernel_sources[i].source);
        out->lengths[i] = clcnn_kernel_sources[i].length;
        out->count++;
        if (!out->texts[i]) {
            source_set_free(out);
            return clcnn_fail(CLCNN_ERR_NOMEM, "loading kernels: out of memory");
        }
    }
    return CLCNN_OK;
}

static clcnn_status build_failure(cl_program program, cl_device_id device, cl_int err,
                                  const char *origin)
{
    size_t size = 0;
    clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, 0, NULL, &size);
    char *log = malloc(size + 1);
    if (log) {
        log[0] = '\0';
        clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, size, log, NULL);
        log[size] = '\0';
    }
    clcnn_status st = clcnn_fail(CLCNN_ERR_BUILD, "building kernels (%s): %s; build log:\n%s",
                                 origin, clcnn_cl_error_name(err), log ? log : "(unavailable)");
    free(log);
    return st;
}

static int source_builds;

int clcnn_cl_source_builds(void) { return source_builds; }

static uint64_t hash_sources(const source_set *sources)
{
    uint64_t h = CLCNN_FNV_OFFSET;
    for (int i = 0; i < sources->count; i++)
        h = clcnn_fnv1a(h, sources->texts[i], sources->lengths[i]);
    return h;
}

clcnn_status clcnn_cl_build_program(cl_context context, cl_device_id device,
                                    const clcnn_device_info *info, cl_program *out)
{
    const char *dir = getenv("CLCNN_KERNEL_DIR");
    int from_dir = dir && *dir;
    source_set sources = {0};
    clcnn_status st = from_dir ? load_directory(dir, &sources) : load_embedded(&sources);
    if (st != CLCNN_OK)
        return st;
    char key[CLCNN_CL_CACHE_KEY_MAX];
    clcnn_cl_cache_key(info, hash_sources(&sources), BUILD_OPTIONS, key);
    clcnn_cl_cache_load(context, device, key, BUILD_OPTIONS, out);
    if (*out) {
        source_set_free(&sources);
        return CLCNN_OK;
    }
    cl_int err;
    cl_program program = clCreateProgramWithSource(context, (cl_uint)sources.count,
                                                   (const char **)sources.texts, sources.lengths,
                                                   &err);
    source_set_free(&sources);
    CLCNN_CL_CHECK(err, "clCreateProgramWithSource");
    source_builds++;
    err = clBuildProgram(program, 1, &device, BUILD_OPTIONS, NULL, NULL);
    if (err != CL_SUCCESS) {
        st = build_failure(program, device, err, from_dir ? dir : "embedded kernels");
        clReleaseProgram(program);
        return st;
    }
    clcnn_cl_cache_store(program, key);
    *out = program;
    return CLCNN_OK;
}
