/* Internal to host/data: image-folder data sets (DIR/SPLIT/CLASS/FILE).
 * folder_scan.c lists the files of a split, folder_load.c decodes them. */
#ifndef CLCNN_DATA_FOLDER_H
#define CLCNN_DATA_FOLDER_H

#include <stdint.h>

#include "clcnn/data.h"

/* The files of one split in load order, with their labels. */
typedef struct folder_list {
    int count;
    char **paths;
    int32_t *labels;
    int classes;        /* the classes of train/ */
    char **class_names; /* sorted */
} folder_list;

/* List the split's files: class names from dir/train (sorted subfolder
 * names), files ordered by name across the classes (ties in class order).
 * Fails naming the path: no such folder, no class folder, a file where a
 * class folder belongs, a folder inside a class folder, an empty class
 * folder, a class that train/ lacks. */
clcnn_status folder_list_split(const char *dir, clcnn_data_split split, folder_list *out);

void folder_list_free(folder_list *list);

/* "train", "test" or "val". */
const char *folder_split_name(clcnn_data_split split);

/* The decoded-image cache (folder_cache.c). open: map dir's cache of the
 * split into out (count, geometry, labels, images; not the class names) and
 * return 1 when it is there and still matches list and the size; else 0. */
int folder_cache_open(const char *dir, clcnn_data_split split, const folder_list *list, int c,
                      int h, int w, clcnn_dataset *out);

/* Write ds (the split of list, decoded) as dir's cache, atomically; silently
 * nothing when it cannot. */
void folder_cache_write(const char *dir, clcnn_data_split split, const folder_list *list,
                        const clcnn_dataset *ds);

#endif
