/* The per-device tuning file: key, path, parse, format, load and store (the
 * format is described in cl_tune.h). */
#include <clblast_c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/cache.h"
#include "cl/cl_tune.h"

#define MAGIC_LINE "clcnn-tuning 2"
#define KEY_MAX 2048
#define TEXT_MAX 65536

const char *clcnn_tune_class_name(int cls)
{
    static const char *const names[CLCNN_TUNE_CLASSES] = {
        "NN",      "NT",      "TN",      "TT",      "NN-narrow", "NT-narrow",
        "TN-narrow", "TT-narrow", "NN-deep", "NT-deep", "TN-deep",   "TT-deep"};
    return cls >= 0 && cls < CLCNN_TUNE_CLASSES ? names[cls] : "?";
}

void clcnn_tune_key(const clcnn_device_info *info, char *key, size_t size)
{
    snprintf(key, size, "device %s\ndriver %s\nplatform %s\nclblast %d.%d.%d\n", info->name,
             info->driver_version, info->platform, CLBLAST_VERSION_MAJOR, CLBLAST_VERSION_MINOR,
             CLBLAST_VERSION_PATCH);
}

clcnn_status clcnn_tune_path(const clcnn_device_info *info, char *path, size_t size)
{
    const char *dir = clcnn_cache_dir();
    if (!dir)
        return clcnn_fail(CLCNN_ERR_IO, "tuning file: the cache folder is disabled "
                          "(CLCNN_CACHE_DIR is set but empty) or unknown (no HOME)");
    char key[KEY_MAX];
    clcnn_tune_key(info, key, sizeof key);
    unsigned long long h = clcnn_fnv1a(CLCNN_FNV_OFFSET, key, strlen(key));
    if (snprintf(path, size, "%s/tuning/%016llx.txt", dir, h) >= (int)size)
        return clcnn_fail(CLCNN_ERR_IO, "tuning file: path under %s is too long", dir);
    return CLCNN_OK;
}

void clcnn_tune_kernel_format(const clcnn_tune_kernel *k, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < k->count && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s=%zu", i ? " " : "", k->param[i],
                                 k->value[i]);
}

/* "NAME=VALUE" into the kernel's next slot; NULL on success, else why not. */
static const char *parse_param(char *word, clcnn_tune_kernel *k)
{
    char *eq = strchr(word, '=');
    if (!eq || eq == word)
        return "expected NAME=VALUE";
    *eq = '\0';
    if (strlen(word) >= sizeof k->param[0])
        return "parameter name too long";
    char *end;
    unsigned long long v = strtoull(eq + 1, &end, 10);
    if (end == eq + 1 || *end != '\0' || eq[1] == '-')
        return "parameter value is not a non-negative integer";
    if (k->count == CLCNN_TUNE_MAX_PARAMS)
        return "too many parameters";
    strcpy(k->param[k->count], word);
    k->value[k->count++] = (size_t)v;
    return NULL;
}

/* "kernel CLASS NAME P=V ..." (the text after "kernel "). */
static const char *parse_kernel_line(char *rest, clcnn_tuning *tuning)
{
    char *save = NULL, *word = strtok_r(rest, " \t", &save);
    int cls = 0;
    while (cls < CLCNN_TUNE_CLASSES && (!word || strcmp(word, clcnn_tune_class_name(cls)) != 0))
        cls++;
    if (cls == CLCNN_TUNE_CLASSES)
        return "expected a GEMM class (NN, NT, TN or TT, or one of them with -narrow or "
               "-deep) after \"kernel\"";
    clcnn_tune_set *set = &tuning->sets[cls];
    if (set->count == CLCNN_TUNE_MAX_KERNELS)
        return "too many kernels";
    clcnn_tune_kernel *k = &set->kernels[set->count];
    memset(k, 0, sizeof *k);
    word = strtok_r(NULL, " \t", &save);
    if (!word || strchr(word, '=') || strlen(word) >= sizeof k->name)
        return "expected a kernel name";
    strcpy(k->name, word);
    while ((word = strtok_r(NULL, " \t", &save))) {
        const char *why = parse_param(word, k);
        if (why)
            return why;
    }
    if (k->count == 0)
        return "a kernel without parameters";
    set->count++;
    return NULL;
}

clcnn_status clcnn_tune_parse(const char *text, const char *source, const char *expected_key,
                              clcnn_tuning *tuning)
{
    memset(tuning, 0, sizeof *tuning);
    char key[KEY_MAX] = "";
    size_t key_len = 0;
    int line_no = 0, seen_magic = 0;
    const char *at = text;
    while (*at) {
        const char *nl = strchr(at, '\n');
        size_t len = nl ? (size_t)(nl - at) : strlen(at);
        char line[4096];
        ++line_no;
        if (len >= sizeof line)
            return clcnn_fail(CLCNN_ERR_FORMAT, "%s:%d: line too long", source, line_no);
        memcpy(line, at, len);
        line[len] = '\0';
        at += len + (nl ? 1 : 0);
        const char *why = NULL;
        if (!seen_magic) {
            if (strcmp(line, MAGIC_LINE) != 0)
                why = "not a clcnn tuning file (expected \"" MAGIC_LINE "\")";
            seen_magic = 1;
        } else if (line[0] == '#' || line[0] == '\0') {
            continue;
        } else if (strncmp(line, "kernel ", 7) == 0) {
            why = parse_kernel_line(line + 7, tuning);
        } else if (!strncmp(line, "device ", 7) || !strncmp(line, "driver ", 7) ||
                   !strncmp(line, "platform ", 9) || !strncmp(line, "clblast ", 8)) {
            if (key_len + len + 2 > sizeof key)
                why = "key too long";
            else
                key_len += (size_t)snprintf(key + key_len, sizeof key - key_len, "%.*s\n",
                                            (int)len, line);
        } else {
            why = "unknown line (expected device, driver, platform, clblast, kernel or #)";
        }
        if (why)
            return clcnn_fail(CLCNN_ERR_FORMAT, "%s:%d: %s", source, line_no, why);
    }
    if (!seen_magic)
        return clcnn_fail(CLCNN_ERR_FORMAT, "%s:1: empty file", source);
    if (strcmp(key, expected_key) != 0)
        return clcnn_fail(CLCNN_ERR_FORMAT, "%s: made for another device, driver or CLBlast "
                          "version", source);
    /* A file written before a family: its classes take the wide sets. */
    int wide = 0;
    for (int c = 0; c < CLCNN_TUNE_TRANSPOSE_CLASSES; c++)
        wide += tuning->sets[c].count > 0;
    for (int f = 1; wide == CLCNN_TUNE_TRANSPOSE_CLASSES && f < CLCNN_TUNE_FAMILIES; f++) {
        clcnn_tune_set *family = &tuning->sets[f * CLCNN_TUNE_TRANSPOSE_CLASSES];
        int named = 0;
        for (int c = 0; c < CLCNN_TUNE_TRANSPOSE_CLASSES; c++)
            named += family[c].count > 0;
        for (int c = 0; c < CLCNN_TUNE_TRANSPOSE_CLASSES && named == 0; c++)
            family[c] = tuning->sets[c];
    }
    int tuned = 0;
    for (int c = 0; c < CLCNN_TUNE_CLASSES; c++)
        tuned += tuning->sets[c].count > 0;
    if (tuned != 0 && tuned != CLCNN_TUNE_CLASSES)
        return clcnn_fail(CLCNN_ERR_FORMAT, "%s: names %d of the %d GEMM classes (all or none: "
                          "CLBlast cannot restore its defaults)", source, tuned,
                          CLCNN_TUNE_CLASSES);
    return CLCNN_OK;
}

int clcnn_tune_load(const clcnn_device_info *info, clcnn_tuning *tuning)
{
    memset(tuning, 0, sizeof *tuning);
    char path[4200], key[KEY_MAX];
    if (clcnn_tune_path(info, path, sizeof path) != CLCNN_OK) {
        clcnn_clear_error();
        return 0;
    }
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char *text = malloc(TEXT_MAX + 1);
    size_t n = text ? fread(text, 1, TEXT_MAX + 1, f) : 0;
    fclose(f);
    if (!text)
        return 0;
    clcnn_status st;
    if (n > TEXT_MAX) {
        st = clcnn_fail(CLCNN_ERR_FORMAT, "%s: larger than %d bytes", path, TEXT_MAX);
    } else {
        text[n] = '\0';
        clcnn_tune_key(info, key, sizeof key);
        st = strlen(text) != n ? clcnn_fail(CLCNN_ERR_FORMAT, "%s: contains a NUL byte", path)
                               : clcnn_tune_parse(text, path, key, tuning);
    }
    free(text);
    if (st != CLCNN_OK) {
        clcnn_warn("tuning file ignored, CLBlast defaults used (run `clcnn tune` again): %s",
                   clcnn_last_error());
        clcnn_clear_error();
        memset(tuning, 0, sizeof *tuning);
        return 0;
    }
    return 1;
}

clcnn_status clcnn_tune_store(const clcnn_device_info *info, const clcnn_tuning *tuning,
                              const char *comment)
{
    char path[4200], key[KEY_MAX];
    clcnn_status st = clcnn_tune_path(info, path, sizeof path);
    if (st != CLCNN_OK)
        return st;
    char *text = malloc(TEXT_MAX);
    if (!text)
        return clcnn_fail(CLCNN_ERR_NOMEM, "tuning file: out of memory");
    clcnn_tune_key(info, key, sizeof key);
    size_t used = (size_t)snprintf(text, TEXT_MAX, MAGIC_LINE "\n%s", key);
    for (int c = 0; c < CLCNN_TUNE_CLASSES; c++) {
        const clcnn_tune_set *set = &tuning->sets[c];
        for (int i = 0; i < set->count && used < TEXT_MAX; i++) {
            char params[2048];
            clcnn_tune_kernel_format(&set->kernels[i], params, sizeof params);
            used += (size_t)snprintf(text + used, TEXT_MAX - used, "kernel %s %s %s\n",
                                     clcnn_tune_class_name(c), set->kernels[i].name, params);
        }
    }
    /* Each comment line gets its '#'. */
    for (const char *c = comment; c && *c && used < TEXT_MAX;) {
        const char *nl = strchr(c, '\n');
        int len = nl ? (int)(nl - c) : (int)strlen(c);
        used += (size_t)snprintf(text + used, TEXT_MAX - used, "# %.*s\n", len, c);
        c += len + (nl ? 1 : 0);
    }
    if (used >= TEXT_MAX)
        st = clcnn_fail(CLCNN_ERR_ARG, "tuning file %s: more than %d bytes", path, TEXT_MAX);
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    if (st == CLCNN_OK)
        st = clcnn_cache_make_dirs(dir);
    if (st == CLCNN_OK)
        st = clcnn_cache_write_atomic(path, text, (unsigned long)used);
    free(text);
    return st;
}

int clcnn_device_is_tuned(const clcnn_device_info *info)
{
    clcnn_tuning tuning;
    return clcnn_tune_load(info, &tuning);
}
