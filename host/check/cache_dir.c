/* The cache folder (see clcnn/cache.h); atomic writes into it are
 * core/atomic_file.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clcnn/cache.h"

uint64_t clcnn_fnv1a(uint64_t h, const void *data, size_t size)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < size; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

const char *clcnn_cache_dir(void)
{
    static char dir[4096];
    const char *env = getenv("CLCNN_CACHE_DIR");
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    if (env) {
        if (!*env)
            return NULL; /* set but empty: caching disabled */
        snprintf(dir, sizeof dir, "%s", env);
    } else if (xdg && *xdg) {
        snprintf(dir, sizeof dir, "%s/clcnn", xdg);
    } else if (home && *home) {
        snprintf(dir, sizeof dir, "%s/.cache/clcnn", home);
    } else {
        return NULL;
    }
    return dir;
}

clcnn_status clcnn_cache_make_dirs(const char *path)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
        return clcnn_fail(CLCNN_ERR_IO, "creating folder %.200s...: path too long", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755); /* an existing parent is fine; the last mkdir tells */
            *p = '/';
        }
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        return clcnn_fail(CLCNN_ERR_IO, "creating folder %s: %s", path, strerror(errno));
    return CLCNN_OK;
}
