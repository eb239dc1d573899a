/* The built-in model presets: the host/nn/models/<name>.txt files, embedded
 * into the library at build time (model_sources.h) and installed to
 * share/clcnn/models, so a preset and its file cannot drift apart. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "clcnn/net.h"
#include "nn/model_sources.h"

#define MAX_PRESETS 64
#define MAX_NAME 64

static char names_buf[MAX_PRESETS][MAX_NAME];
static const char *names[MAX_PRESETS + 1]; /* NULL-terminated */
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

/* The preset names: the file names without ".txt", in file-name order. */
static void collect_names(void)
{
    int n = 0;
    for (int i = 0; i < nn_model_source_count && n < MAX_PRESETS; i++) {
        const char *file = nn_model_sources[i].file;
        size_t len = strlen(file);
        if (len > 4 && len - 4 < MAX_NAME && strcmp(file + len - 4, ".txt") == 0) {
            memcpy(names_buf[n], file, len - 4);
            names_buf[n][len - 4] = '\0';
            names[n] = names_buf[n];
            n++;
        }
    }
    names[n] = NULL;
}

const char *const *clcnn_model_preset_names(void)
{
    pthread_once(&names_once, collect_names);
    return names;
}

const char *clcnn_model_preset_text(const char *name)
{
    size_t len = strlen(name);
    for (int k = 0; k < nn_model_source_count; k++) {
        const char *file = nn_model_sources[k].file;
        if (strncmp(file, name, len) == 0 && strcmp(file + len, ".txt") == 0)
            return nn_model_sources[k].source;
    }
    return NULL;
}

void clcnn_model_preset_list(char *buf, size_t size)
{
    if (size)
        buf[0] = '\0';
    const char *const *all = clcnn_model_preset_names();
    for (int i = 0; all[i]; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", i ? ", " : "", all[i]);
    }
}

clcnn_status clcnn_model_spec_preset(const char *name, clcnn_model_spec *spec)
{
    const char *text = clcnn_model_preset_text(name);
    if (!text) {
        char list[512];
        clcnn_model_preset_list(list, sizeof list);
        return clcnn_fail(CLCNN_ERR_ARG, "model preset '%s': unknown (presets: %s)", name, list);
    }
    return clcnn_model_spec_parse(text, name, spec);
}
