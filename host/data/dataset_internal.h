/* Internal to host/data: building a clcnn_dataset. */
#ifndef CLCNN_DATASET_INTERNAL_H
#define CLCNN_DATASET_INTERNAL_H

#include "clcnn/data.h"

/* Allocate images, labels and an array of `classes` class-name slots (all
 * NULL) for count images of channels x height x width. ds is empty on failure. */
clcnn_status dataset_alloc(clcnn_dataset *ds, int count, int channels, int height, int width,
                           int classes);

/* Bytes of one image of ds. */
static inline size_t dataset_image_size(const clcnn_dataset *ds)
{
    return (size_t)ds->channels * (size_t)ds->height * (size_t)ds->width;
}

/* Name the classes from names[0 .. ds->classes-1], or "0", "1", ... when names
 * is NULL. */
clcnn_status dataset_set_class_names(clcnn_dataset *ds, const char *const *names);

/* Name the classes from a text file, one name a line (the first ds->classes
 * non-empty lines). Fails (CLCNN_ERR_FORMAT) when it holds fewer. */
clcnn_status dataset_read_class_names(clcnn_dataset *ds, const char *path);

/* Copy the class names of src into dst (which has as many classes). */
clcnn_status dataset_copy_class_names(clcnn_dataset *dst, const clcnn_dataset *src);

#endif
