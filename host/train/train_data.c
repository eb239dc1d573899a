/* The data sets of a training run, fitted to the model's input geometry. */
#include <string.h>

#include "clcnn/train.h"

/* Zero padding that turns ds's images into the model's input size, or an
 * error naming both geometries. */
static clcnn_status fit_to_model(clcnn_dataset *ds, const char *what, const clcnn_model_spec *spec)
{
    int dh = spec->h - ds->height, dw = spec->w - ds->width;
    if (ds->channels == spec->c && dh == dw && dh >= 0 && dh % 2 == 0)
        return clcnn_dataset_pad(ds, dh / 2);
    return clcnn_fail(CLCNN_ERR_ARG,
                      "%s images are %dx%dx%d (channels x height x width) but model %s expects "
                      "%dx%dx%d input",
                      what, ds->channels, ds->height, ds->width, spec->source, spec->c, spec->h,
                      spec->w);
}

/* options with the model's input geometry as the image size (image folders),
 * unless the caller set one. */
static clcnn_load_options with_geometry(const clcnn_load_options *options,
                                        const clcnn_model_spec *spec)
{
    clcnn_load_options opt = *options;
    if (!opt.channels && !opt.height && !opt.width) {
        opt.channels = spec->c;
        opt.height = spec->h;
        opt.width = spec->w;
    }
    return opt;
}

clcnn_status clcnn_train_data_load_options(const char *dir, const clcnn_load_options *options,
                                           const clcnn_model_spec *spec, clcnn_train_data *out)
{
    memset(out, 0, sizeof *out);
    clcnn_load_options opt = with_geometry(options, spec);
    clcnn_data_format format = opt.format;
    clcnn_status st = CLCNN_OK;
    if (format == CLCNN_DATA_AUTO)
        st = clcnn_data_detect_format(dir, &format);
    opt.format = format;
    if (st == CLCNN_OK)
        st = clcnn_dataset_load(dir, CLCNN_SPLIT_TRAIN, &opt, &out->train);
    if (st == CLCNN_OK && format == CLCNN_DATA_FOLDER && clcnn_folder_has_split(dir, CLCNN_SPLIT_VAL))
        st = clcnn_dataset_load(dir, CLCNN_SPLIT_VAL, &opt, &out->val);
    if (st == CLCNN_OK)
        st = clcnn_dataset_load(dir, CLCNN_SPLIT_TEST, &opt, &out->test);
    if (st == CLCNN_OK)
        st = fit_to_model(&out->train, "training", spec);
    if (st == CLCNN_OK && out->val.count > 0)
        st = fit_to_model(&out->val, "validation", spec);
    if (st == CLCNN_OK)
        st = fit_to_model(&out->test, "test", spec);
    if (st != CLCNN_OK) {
        clcnn_train_data_free(out);
        return clcnn_fail_context(st, "loading data from %s: ", dir);
    }
    return CLCNN_OK;
}

clcnn_status clcnn_train_data_load(const char *dir, clcnn_data_format format,
                                   const clcnn_model_spec *spec, clcnn_train_data *out)
{
    clcnn_load_options opt = {.format = format};
    return clcnn_train_data_load_options(dir, &opt, spec, out);
}

void clcnn_train_data_free(clcnn_train_data *data)
{
    clcnn_dataset_free(&data->train);
    clcnn_dataset_free(&data->val);
    clcnn_dataset_free(&data->test);
}

clcnn_status clcnn_train_data_load_test(const char *dir, clcnn_data_format format,
                                        const clcnn_model_spec *spec, clcnn_dataset *test)
{
    clcnn_load_options defaults = {.format = format};
    clcnn_load_options opt = with_geometry(&defaults, spec);
    clcnn_status st = clcnn_dataset_load(dir, CLCNN_SPLIT_TEST, &opt, test);
    if (st == CLCNN_OK)
        st = fit_to_model(test, "test", spec);
    if (st != CLCNN_OK) {
        clcnn_dataset_free(test);
        return clcnn_fail_context(st, "loading test data from %s: ", dir);
    }
    return CLCNN_OK;
}
