/* The host/nn/models/ .txt files (presets and recipes), embedded at build
 * time (host/cmake/embed_kernels.cmake), in sorted file-name order. */
#ifndef CLCNN_NN_MODEL_SOURCES_H
#define CLCNN_NN_MODEL_SOURCES_H

#include <stddef.h>

typedef struct nn_model_source {
    const char *file;   /* "cifar.txt": the preset "cifar" */
    const char *source; /* NUL-terminated model text */
    size_t length;
} nn_model_source;

extern const nn_model_source nn_model_sources[];
extern const int nn_model_source_count;

#endif
