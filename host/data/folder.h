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

#endif
