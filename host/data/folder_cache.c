/* The decoded-image cache of an image folder: DIR/.clcnn-cache-SPLIT-CxHxW
 * holds one split's labels and fitted images, so that a later load maps the
 * file instead of decoding every image again (and a set larger than memory
 * is paged in by the system). It is trusted only while its fingerprint, a
 * hash of every file's name, size and modification time, the class names and
 * the image size, still matches the folder, and its CRC-32 its contents;
 * otherwise it is rebuilt. Written atomically (temporary file + rename);
 * failing to write it (a read-only folder) only means no cache. Its numbers
 * are in the machine's byte order: a cache made elsewhere does not match. */
#include "data/data_file.h"
#include "data/folder.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define CACHE_MAGIC "CLCNNIC1"
#define CACHE_HEADER 64
#define BYTE_ORDER_MARK 0x01020304u

typedef struct cache_header {
    char magic[8];
    uint32_t byte_order, count, channels, height, width, classes;
    uint64_t fingerprint;
    uint32_t crc, reserved;
} cache_header;

_Static_assert(sizeof(cache_header) <= CACHE_HEADER, "the cache header fits its 64 bytes");

static uint64_t fnv(uint64_t h, const void *bytes, size_t size)
{
    const uint8_t *p = bytes;
    for (size_t i = 0; i < size; ++i)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* 0 when a file cannot be stat'ed (no cache then). */
static uint64_t fingerprint(const folder_list *list, int c, int h, int w)
{
    uint64_t hash = 0xcbf29ce484222325ull;
    int size[3] = {c, h, w};
    hash = fnv(hash, size, sizeof size);
    for (int k = 0; k < list->classes; ++k)
        hash = fnv(hash, list->class_names[k], strlen(list->class_names[k]) + 1);
    for (int i = 0; i < list->count; ++i) {
        struct stat info;
        if (stat(list->paths[i], &info) != 0)
            return 0;
        int64_t facts[4] = {(int64_t)info.st_size, (int64_t)info.st_mtim.tv_sec,
                            (int64_t)info.st_mtim.tv_nsec, list->labels[i]};
        hash = fnv(hash, list->paths[i], strlen(list->paths[i]) + 1);
        hash = fnv(hash, facts, sizeof facts);
    }
    return hash ? hash : 1;
}

static char *cache_path(const char *dir, clcnn_data_split split, int c, int h, int w)
{
    char name[96];
    snprintf(name, sizeof name, ".clcnn-cache-%s-%dx%dx%d", folder_split_name(split), c, h, w);
    return data_path_join(dir, name);
}

static size_t images_offset(size_t count)
{
    return (CACHE_HEADER + 4 * count + 63) / 64 * 64;
}

int folder_cache_open(const char *dir, clcnn_data_split split, const folder_list *list, int c,
                      int h, int w, clcnn_dataset *out)
{
    char *path = cache_path(dir, split, c, h, w);
    int fd = path ? open(path, O_RDONLY) : -1;
    free(path);
    if (fd < 0)
        return 0;
    size_t image = (size_t)c * (size_t)h * (size_t)w;
    size_t size = images_offset((size_t)list->count) + image * (size_t)list->count;
    struct stat info;
    void *map = MAP_FAILED;
    if (fstat(fd, &info) == 0 && (size_t)info.st_size == size)
        map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return 0;
    cache_header head;
    memcpy(&head, map, sizeof head);
    const uint8_t *bytes = map;
    int valid = memcmp(head.magic, CACHE_MAGIC, 8) == 0 && head.byte_order == BYTE_ORDER_MARK &&
                head.count == (uint32_t)list->count && head.channels == (uint32_t)c &&
                head.height == (uint32_t)h && head.width == (uint32_t)w &&
                head.classes == (uint32_t)list->classes &&
                head.fingerprint == fingerprint(list, c, h, w) &&
                head.crc == crc32_z(0, bytes + CACHE_HEADER, size - CACHE_HEADER);
    if (!valid) {
        munmap(map, size);
        return 0;
    }
    out->count = list->count;
    out->channels = c;
    out->height = h;
    out->width = w;
    out->labels = (int32_t *)(void *)((uint8_t *)map + CACHE_HEADER);
    out->images = (uint8_t *)map + images_offset((size_t)list->count);
    out->mapping = map;
    out->mapping_size = size;
    return 1;
}

void folder_cache_write(const char *dir, clcnn_data_split split, const folder_list *list,
                        const clcnn_dataset *ds)
{
    char *path = cache_path(dir, split, ds->channels, ds->height, ds->width);
    char *temp = path ? malloc(strlen(path) + 32) : NULL;
    if (!temp) {
        free(path);
        return;
    }
    snprintf(temp, strlen(path) + 32, "%s.tmp.%ld", path, (long)getpid());
    size_t count = (size_t)ds->count, image = (size_t)ds->channels * ds->height * ds->width;
    size_t labels_end = CACHE_HEADER + 4 * count, start = images_offset(count);
    uint8_t head[CACHE_HEADER] = {0}, gap[64] = {0};
    cache_header h = {CACHE_MAGIC, BYTE_ORDER_MARK, (uint32_t)count, (uint32_t)ds->channels,
                      (uint32_t)ds->height, (uint32_t)ds->width, (uint32_t)ds->classes,
                      fingerprint(list, ds->channels, ds->height, ds->width), 0, 0};
    uLong crc = crc32_z(0, (const Bytef *)ds->labels, 4 * count);
    crc = crc32_z(crc, gap, start - labels_end);
    h.crc = (uint32_t)crc32_z(crc, ds->images, image * count);
    memcpy(head, &h, sizeof h);
    FILE *f = h.fingerprint ? fopen(temp, "wb") : NULL;
    int ok = f && fwrite(head, 1, sizeof head, f) == sizeof head &&
             fwrite(ds->labels, 4, count, f) == count &&
             fwrite(gap, 1, start - labels_end, f) == start - labels_end &&
             fwrite(ds->images, image, count, f) == count;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok || rename(temp, path) != 0)
        unlink(temp);
    free(temp);
    free(path);
}
