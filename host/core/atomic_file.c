/* The library's one atomic file writer (clcnn_cache_write_atomic, declared
 * in clcnn/cache.h): kernel cache entries, tuning sets, check records,
 * checkpoints, exported models and pictures all go through it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clcnn/cache.h"

/* Make a rename in path's folder durable: fsync the folder. */
static int sync_folder(const char *path)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    int fd = open(dir, O_RDONLY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

clcnn_status clcnn_cache_write_atomic(const char *path, const void *data, unsigned long size)
{
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s" CLCNN_ATOMIC_TEMP_SUFFIX "XXXXXX", path) >= (int)sizeof tmp)
        return clcnn_fail(CLCNN_ERR_IO, "writing %.200s...: path too long", path);
    /* A unique temporary name: concurrent writers (threads or processes) each
     * rename a complete file of their own; the last rename wins. */
    int fd = mkstemp(tmp);
    if (fd < 0)
        return clcnn_fail(CLCNN_ERR_IO, "writing %s: cannot create a temporary file next to it: "
                          "%s", path, strerror(errno));
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
    if (sync_folder(path) != 0)
        return clcnn_fail(CLCNN_ERR_IO, "writing %s: syncing its folder: %s", path,
                          strerror(errno));
    return CLCNN_OK;
}
