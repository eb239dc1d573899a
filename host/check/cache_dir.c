/* The cache folder and atomic writes into it (see clcnn/cache.h). */
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

clcnn_status clcnn_cache_write_atomic(const char *path, const void *data, unsigned long size)
{
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp)
        return clcnn_fail(CLCNN_ERR_IO, "writing %.200s...: path too long", path);
    /* A unique temporary name: concurrent writers (threads or processes) each
     * rename a complete file of their own; the last rename wins. */
    int fd = mkstemp(tmp);
    if (fd < 0)
        return clcnn_fail(CLCNN_ERR_IO, "writing %s: cannot create a temporary file: %s", path,
                          strerror(errno));
    fchmod(fd, 0644); /* mkstemp makes it 0600; exported models and pictures are for others */
    const unsigned char *p = data;
    unsigned long left = size;
    int failed = 0;
    while (left > 0 && !failed) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        failed = n <= 0;
        if (!failed) {
            p += n;
            left -= (unsigned long)n;
        }
    }
    int saved = errno;
    failed |= fsync(fd) != 0;
    failed |= close(fd) != 0;
    if (failed || rename(tmp, path) != 0) {
        if (!failed)
            saved = errno;
        unlink(tmp);
        return clcnn_fail(CLCNN_ERR_IO, "writing %s: %s", path, strerror(saved));
    }
    return CLCNN_OK;
}
