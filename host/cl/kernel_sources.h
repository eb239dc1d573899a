/* The kernels/ .cl files, embedded at build time (host/cmake/embed_kernels.cmake). */
#ifndef CLCNN_CL_KERNEL_SOURCES_H
#define CLCNN_CL_KERNEL_SOURCES_H

#include <stddef.h>

typedef struct clcnn_kernel_source {
    const char *file;   /* "pool.cl" */
    const char *source; /* NUL-terminated */
    size_t length;
} clcnn_kernel_source;

extern const clcnn_kernel_source clcnn_kernel_sources[];
extern const int clcnn_kernel_source_count;

#endif
