/* `clcnn train`'s data: the training, validation and test sets of the plan,
 * with a progress line while an image folder is decoded. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd_train.h"

/* An image folder's validation hold-out is drawn with this fixed seed (not
 * the run's: the split must not change with --seed): its files are ordered
 * by name, which may well group the classes. */
#define FOLDER_HOLDOUT_SEED 0x5eedu

/* A preset's last fc layer gets the data set's class count (cifar on CIFAR-100). */
static void fit_preset_classes(train_plan *plan, int classes, int quiet)
{
    clcnn_layer_spec *last = &plan->spec.layers[plan->spec.n_layers - 1];
    if (!plan->model_is_preset || last->kind != CLCNN_LAYER_FC || last->outputs == classes)
        return;
    if (!quiet)
        printf("model %s: last layer resized from %d to %d outputs for the data set's classes\n",
               plan->spec.source, last->outputs, classes);
    last->outputs = classes;
}

typedef struct load_report {
    int bar;     /* redraw a line on stderr (a terminal, not --quiet) */
    int skipped;
} load_report;

static void on_progress(int done, int total, void *user)
{
    const load_report *r = user;
    if (r->bar)
        fprintf(stderr, "\rdecoding images: %d/%d%s", done, total, done == total ? "\n" : "");
}

static void on_skipped(const char *message, void *user)
{
    load_report *r = user;
    if (r->bar)
        fprintf(stderr, "\r");
    fprintf(stderr, "clcnn train: --skip-bad: skipped %s\n", message);
    ++r->skipped;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The splits of the plan's folder (status 0, or exit status after a message). */
static int load_splits(const train_args *a, train_plan *plan, clcnn_train_data *data)
{
    load_report report = {!a->quiet && isatty(STDERR_FILENO), 0};
    clcnn_load_options opt = {.format = plan->format, .skip_bad = a->skip_bad,
                              .cache = a->image_cache,
                              .progress = on_progress, .skipped = on_skipped, .user = &report};
    double start = now();
    if (clcnn_train_data_load_options(plan->data_dir, &opt, &plan->spec, data) != CLCNN_OK)
        return train_fail("");
    if (plan->format != CLCNN_DATA_FOLDER)
        return 0;
    if (report.skipped)
        fprintf(stderr, "clcnn train: --skip-bad: skipped %d unreadable file%s (named above)\n",
                report.skipped, report.skipped == 1 ? "" : "s");
    if (!a->quiet)
        printf("%s %d images to %dx%dx%d in %.2f s\n",
               data->train.mapping ? "mapped the image cache:" : "decoded",
               data->train.count + data->val.count + data->test.count, plan->spec.c,
               plan->spec.h, plan->spec.w, now() - start);
    return 0;
}

int train_load_data(const train_args *a, train_plan *plan, clcnn_train_data *data)
{
    int status = load_splits(a, plan, data);
    if (status != 0)
        return status;
    if (data->val.count > 0) { /* the folder's val/ */
        if (a->has_val && !a->resume) {
            fprintf(stderr, "clcnn train: --val %d: %s/val holds the validation images; drop "
                    "--val\n", a->cfg.val_count, plan->data_dir);
            return 2;
        }
        plan->cfg.val_count = data->val.count;
    } else {
        int count = data->train.count;
        if (plan->val_default && plan->cfg.val_count > count / 10)
            plan->cfg.val_count = count / 10;
        if (plan->cfg.val_count >= count) {
            fprintf(stderr, "clcnn train: --val %d: must be less than the %d training images "
                    "(see clcnn train --help)\n", plan->cfg.val_count, count);
            return 2;
        }
        if (plan->cfg.val_count > 0 && plan->format == CLCNN_DATA_FOLDER &&
            clcnn_dataset_shuffle(&data->train, FOLDER_HOLDOUT_SEED) != CLCNN_OK)
            return train_fail("");
        if (plan->cfg.val_count > 0 &&
            clcnn_dataset_split_last(&data->train, plan->cfg.val_count, &data->val) != CLCNN_OK)
            return train_fail("");
    }
    if (a->resume)
        return train_check_resume_scaling(a, &plan->ckpt, &data->train);
    fit_preset_classes(plan, data->train.classes, a->quiet);
    return 0;
}
