/* Listing an image-folder data set: which files each split holds, with which
 * labels, in which order. Nothing is decoded here. */
#include "data/data_file.h"
#include "data/folder.h"
#include "data/formats.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The names in a folder (hidden ones left out), sorted bytewise. */
typedef struct name_list {
    int count, capacity;
    char **names;
} name_list;

static void name_list_free(name_list *list)
{
    for (int i = 0; i < list->count; ++i)
        free(list->names[i]);
    free(list->names);
    memset(list, 0, sizeof *list);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static clcnn_status read_names(const char *path, const char *what, name_list *out)
{
    memset(out, 0, sizeof *out);
    DIR *d = opendir(path);
    if (!d)
        return clcnn_fail(CLCNN_ERR_IO, "%s: cannot open the folder: %s (expected %s)", path,
                          strerror(errno), what);
    clcnn_status st = CLCNN_OK;
    for (struct dirent *e; st == CLCNN_OK && (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        if (out->count == out->capacity) {
            int grown = out->capacity ? 2 * out->capacity : 64;
            char **names = realloc(out->names, sizeof *names * (size_t)grown);
            if (!names) {
                st = clcnn_fail(CLCNN_ERR_NOMEM, "%s: out of memory listing the folder", path);
                break;
            }
            out->names = names;
            out->capacity = grown;
        }
        if (!(out->names[out->count] = strdup(e->d_name)))
            st = clcnn_fail(CLCNN_ERR_NOMEM, "%s: out of memory listing the folder", path);
        else
            ++out->count;
    }
    closedir(d);
    if (st != CLCNN_OK)
        name_list_free(out);
    else if (out->count > 1)
        qsort(out->names, (size_t)out->count, sizeof *out->names, compare_names);
    return st;
}

static int is_folder(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0 && S_ISDIR(info.st_mode);
}

const char *folder_split_name(clcnn_data_split split)
{
    return split == CLCNN_SPLIT_TRAIN ? "train" : split == CLCNN_SPLIT_TEST ? "test" : "val";
}

int clcnn_folder_has_split(const char *dir, clcnn_data_split split)
{
    char *path = data_path_join(dir, folder_split_name(split));
    int found = path && is_folder(path);
    free(path);
    return found;
}

int folder_present(const char *dir, char *names, size_t size)
{
    snprintf(names, size, "train/CLASS/* and test/CLASS/* images");
    return clcnn_folder_has_split(dir, CLCNN_SPLIT_TRAIN);
}

/* The class folders of dir/split: every entry must be a folder. */
static clcnn_status list_classes(const char *dir, clcnn_data_split split, name_list *out)
{
    char *path = data_path_join(dir, folder_split_name(split));
    if (!path)
        return CLCNN_ERR_NOMEM;
    clcnn_status st = read_names(path, "one folder per class", out);
    for (int i = 0; st == CLCNN_OK && i < out->count; ++i) {
        char *class_path = data_path_join(path, out->names[i]);
        if (!class_path)
            st = CLCNN_ERR_NOMEM;
        else if (!is_folder(class_path))
            st = clcnn_fail(CLCNN_ERR_FORMAT, "%s: not a folder: %s/ holds one folder per class",
                            class_path, folder_split_name(split));
        free(class_path);
    }
    if (st == CLCNN_OK && out->count == 0)
        st = clcnn_fail(CLCNN_ERR_FORMAT, "%s: no class folders: expected %s/CLASS/ folders of "
                        "images", path, folder_split_name(split));
    free(path);
    if (st != CLCNN_OK)
        name_list_free(out);
    return st;
}

/* One file of the split while listing: its name sorts the load order. */
typedef struct folder_file {
    const char *name;
    char *path;
    int label;
} folder_file;

static int compare_files(const void *a, const void *b)
{
    const folder_file *x = a, *y = b;
    int by_name = strcmp(x->name, y->name);
    return by_name ? by_name : x->label - y->label;
}

/* Append the files of class folder path (label) to files. */
static clcnn_status add_class(const char *path, int label, name_list *names, folder_file **files,
                              int *count)
{
    clcnn_status st = read_names(path, "the images of one class", names);
    if (st == CLCNN_OK && names->count == 0)
        st = clcnn_fail(CLCNN_ERR_FORMAT, "%s: empty class folder: expected its images", path);
    size_t wanted = sizeof **files * (size_t)(*count + names->count);
    folder_file *grown = st == CLCNN_OK ? realloc(*files, wanted) : NULL;
    if (grown)
        *files = grown;
    else if (st == CLCNN_OK)
        st = clcnn_fail(CLCNN_ERR_NOMEM, "%s: out of memory listing the folder", path);
    for (int i = 0; st == CLCNN_OK && i < names->count; ++i) {
        char *file = data_path_join(path, names->names[i]);
        if (!file) {
            st = CLCNN_ERR_NOMEM;
        } else if (is_folder(file)) {
            st = clcnn_fail(CLCNN_ERR_FORMAT, "%s: a folder inside a class folder: class folders "
                            "hold image files only", file);
            free(file);
        } else {
            /* the name lives in names until the list is sorted */
            (*files)[(*count)++] = (folder_file){strrchr(file, '/') + 1, file, label};
        }
    }
    return st;
}

void folder_list_free(folder_list *list)
{
    for (int i = 0; i < list->count; ++i)
        free(list->paths[i]);
    for (int i = 0; i < list->classes; ++i)
        free(list->class_names[i]);
    free(list->paths);
    free(list->labels);
    free(list->class_names);
    memset(list, 0, sizeof *list);
}

/* Index of name in the sorted classes, or -1. */
static int find_class(const name_list *classes, const char *name)
{
    char *const *hit = bsearch(&name, classes->names, (size_t)classes->count,
                               sizeof *classes->names, compare_names);
    return hit ? (int)(hit - classes->names) : -1;
}

clcnn_status folder_list_split(const char *dir, clcnn_data_split split, folder_list *out)
{
    memset(out, 0, sizeof *out);
    name_list classes, here = {0}, names = {0};
    clcnn_status st = list_classes(dir, CLCNN_SPLIT_TRAIN, &classes);
    if (st != CLCNN_OK)
        return st;
    if (split != CLCNN_SPLIT_TRAIN)
        st = list_classes(dir, split, &here);
    const name_list *listed = split == CLCNN_SPLIT_TRAIN ? &classes : &here;
    char *split_path = data_path_join(dir, folder_split_name(split));
    if (!split_path)
        st = CLCNN_ERR_NOMEM;
    folder_file *files = NULL;
    int count = 0;
    for (int c = 0; st == CLCNN_OK && c < listed->count; ++c) {
        int label = find_class(&classes, listed->names[c]);
        char *path = data_path_join(split_path, listed->names[c]);
        if (!path)
            st = CLCNN_ERR_NOMEM;
        else if (label < 0)
            st = clcnn_fail(CLCNN_ERR_FORMAT, "%s: class \"%s\" is only in %s/, not in train/ "
                            "(the classes are train/'s folders)", path, listed->names[c],
                            folder_split_name(split));
        else
            st = add_class(path, label, &names, &files, &count);
        free(path);
        name_list_free(&names);
    }
    if (st == CLCNN_OK) {
        qsort(files, (size_t)count, sizeof *files, compare_files);
        out->paths = malloc(sizeof *out->paths * (size_t)count + 1);
        out->labels = malloc(sizeof *out->labels * (size_t)count + 1);
        if (!out->paths || !out->labels)
            st = clcnn_fail(CLCNN_ERR_NOMEM, "%s: out of memory listing the folder", dir);
    }
    for (int i = 0; i < count; ++i) {
        if (st == CLCNN_OK) {
            out->paths[i] = files[i].path;
            out->labels[i] = files[i].label;
            out->count = i + 1;
        } else {
            free(files[i].path);
        }
    }
    free(files);
    free(split_path);
    name_list_free(&here);
    /* the class names move into out */
    out->classes = classes.count;
    out->class_names = classes.names;
    if (st != CLCNN_OK)
        folder_list_free(out);
    return st;
}
