/* Loading a data set from a folder: format names, detection, and the load
 * options applied after reading (image limit, padding). */
#include "data/formats.h"

#include "clcnn/data.h"

#include <string.h>

static const char *const format_names[] = {"auto", "cifar10", "cifar100", "idx", "folder"};

const char *clcnn_data_format_name(clcnn_data_format format)
{
    if ((int)format < 0 || (size_t)format >= sizeof format_names / sizeof *format_names)
        return "unknown";
    return format_names[format];
}

clcnn_status clcnn_data_format_parse(const char *name, clcnn_data_format *format)
{
    for (size_t i = 0; i < sizeof format_names / sizeof *format_names; ++i)
        if (strcmp(name, format_names[i]) == 0) {
            *format = (clcnn_data_format)i;
            return CLCNN_OK;
        }
    return clcnn_fail(CLCNN_ERR_ARG,
                      "data format \"%s\": expected one of cifar10, cifar100, idx, folder, auto", name);
}

clcnn_status clcnn_data_detect_format(const char *dir, clcnn_data_format *format)
{
    char cifar10[512] = "", cifar100[128] = "", idx[256] = "", folder[64] = "";
    int found10 = cifar10_present(dir, cifar10, sizeof cifar10);
    int found100 = cifar100_present(dir, cifar100, sizeof cifar100);
    int found_idx = idx_present(dir, idx, sizeof idx);
    int found_folder = folder_present(dir, folder, sizeof folder);
    if (found10 + found100 + found_idx + found_folder > 1)
        return clcnn_fail(CLCNN_ERR_FORMAT,
                          "%s: files of several data formats (%s%s%s%s): name the format", dir,
                          found10 ? "cifar10 " : "", found100 ? "cifar100 " : "",
                          found_idx ? "idx " : "", found_folder ? "folder" : "");
    if (found10 + found100 + found_idx + found_folder == 0)
        return clcnn_fail(CLCNN_ERR_IO,
                          "%s: no data set found: expected CIFAR-10 (%s), CIFAR-100 (%s) or IDX "
                          "(%s), each optionally .gz, or an image folder (%s)",
                          dir, cifar10, cifar100, idx, folder);
    *format = found10    ? CLCNN_DATA_CIFAR10
              : found100 ? CLCNN_DATA_CIFAR100
              : found_idx ? CLCNN_DATA_IDX
                          : CLCNN_DATA_FOLDER;
    return CLCNN_OK;
}

clcnn_status clcnn_dataset_load(const char *dir, clcnn_data_split split,
                                const clcnn_load_options *options, clcnn_dataset *out)
{
    clcnn_load_options defaults = {.format = CLCNN_DATA_AUTO};
    const clcnn_load_options *opt = options ? options : &defaults;
    clcnn_data_format format = opt->format;
    memset(out, 0, sizeof *out);
    if (opt->pad < 0 || opt->max_images < 0)
        return clcnn_fail(CLCNN_ERR_ARG, "loading %s: negative pad (%d) or max_images (%d)", dir,
                          opt->pad, opt->max_images);
    clcnn_status st = CLCNN_OK;
    if (format == CLCNN_DATA_AUTO)
        st = clcnn_data_detect_format(dir, &format);
    if (st != CLCNN_OK)
        return st;
    if (split == CLCNN_SPLIT_VAL && format != CLCNN_DATA_FOLDER)
        return clcnn_fail(CLCNN_ERR_ARG, "loading %s: a %s data set has no val split", dir,
                          clcnn_data_format_name(format));
    switch (format) {
    case CLCNN_DATA_FOLDER: st = clcnn_load_folder(dir, split, opt, out); break;
    case CLCNN_DATA_CIFAR10: st = clcnn_load_cifar10(dir, split, out); break;
    case CLCNN_DATA_CIFAR100: st = clcnn_load_cifar100(dir, split, out); break;
    case CLCNN_DATA_IDX: st = clcnn_load_idx(dir, split, out); break;
    default: return clcnn_fail(CLCNN_ERR_ARG, "loading %s: unknown data format %d", dir, (int)format);
    }
    if (st != CLCNN_OK)
        return st;
    /* The buffers keep their size; only the first max_images are used. */
    if (opt->max_images > 0 && opt->max_images < out->count)
        out->count = opt->max_images;
    st = clcnn_dataset_pad(out, opt->pad);
    if (st != CLCNN_OK)
        clcnn_dataset_free(out);
    return st;
}
