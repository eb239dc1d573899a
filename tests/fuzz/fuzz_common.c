#include "fuzz_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *fuzz_folder(void)
{
    static char folder[256];
    if (!folder[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(folder, sizeof folder, "%s/clcnn-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(folder)) {
            perror("fuzz: mkdtemp");
            abort();
        }
    }
    return folder;
}

const char *fuzz_path(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", fuzz_folder(), name);
    return path;
}

void fuzz_write(const char *name, const uint8_t *data, size_t size)
{
    FILE *f = fopen(fuzz_path(name), "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror("fuzz: writing the input file");
        abort();
    }
}

void fuzz_remove(const char *name) { unlink(fuzz_path(name)); }

int fuzz_decode_image(clcnn_status (*decode)(const char *, const data_buffer *, clcnn_image *),
                      const char *name, const uint8_t *data, size_t size)
{
    data_buffer file = {(uint8_t *)data, size, 0};
    clcnn_image img, small;
    if (decode(name, &file, &img) != CLCNN_OK) {
        if (!strstr(clcnn_last_error(), name))
            __builtin_trap(); /* a failure must name the file */
        return 0;
    }
    if (clcnn_image_fit(&img, 3, 32, 32, &small) == CLCNN_OK)
        clcnn_image_free(&small);
    if (clcnn_image_fit(&img, 1, 28, 28, &small) == CLCNN_OK)
        clcnn_image_free(&small);
    clcnn_image_free(&img);
    return 0;
}
