#include "test_env.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#ifndef CLCNN_TEST_TMP
#define CLCNN_TEST_TMP "/tmp/clcnn-test"
#endif

const char *test_tmp_path(const char *name)
{
    static char path[4096];
    mkdir(CLCNN_TEST_TMP, 0755);
    snprintf(path, sizeof path, "%s/%s", CLCNN_TEST_TMP, name);
    return path;
}

int test_run(const char *command, char *out, unsigned long size)
{
    char line[8192];
    snprintf(line, sizeof line, "%s 2>&1", command);
    FILE *p = popen(line, "r");
    if (!p)
        return -1;
    size_t used = 0;
    if (size)
        out[0] = '\0';
    while (size && used + 1 < size) {
        size_t n = fread(out + used, 1, size - 1 - used, p);
        if (n == 0)
            break;
        used += n;
    }
    if (size)
        out[used] = '\0';
    char sink[4096];
    while (fread(sink, 1, sizeof sink, p) > 0) {
    }
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
