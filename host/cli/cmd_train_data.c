/* `clcnn train`'s data: the training, validation and test sets of the plan. */
#include <stdio.h>

#include "cli/cmd_train.h"

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

int train_load_data(const train_args *a, train_plan *plan, clcnn_train_data *data)
{
    if (clcnn_train_data_load(plan->data_dir, plan->format, &plan->spec, data) != CLCNN_OK)
        return train_fail("");
    int count = data->train.count;
    if (plan->val_default && plan->cfg.val_count > count / 10)
        plan->cfg.val_count = count / 10;
    if (plan->cfg.val_count >= count) {
        fprintf(stderr, "clcnn train: --val %d: must be less than the %d training images (see "
                "clcnn train --help)\n", plan->cfg.val_count, count);
        return 2;
    }
    if (plan->cfg.val_count > 0 &&
        clcnn_dataset_split_last(&data->train, plan->cfg.val_count, &data->val) != CLCNN_OK)
        return train_fail("");
    if (a->resume)
        return train_check_resume_scaling(a, &plan->ckpt, &data->train);
    fit_preset_classes(plan, data->train.classes, a->quiet);
    return 0;
}
