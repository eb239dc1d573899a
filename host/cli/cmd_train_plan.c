/* What a `clcnn train` run trains: a fresh run's data folder, model and
 * recipe from the flags and defaults, or a resumed run's from its checkpoint. */
#include <stdio.h>

#include "cli/cmd_train.h"

int train_fail(const char *prefix)
{
    fprintf(stderr, "clcnn train: %s%s\n", prefix, clcnn_last_error());
    return 1;
}

void train_set_augment(clcnn_train_config *cfg, int on)
{
    cfg->crop_pad = on ? CIFAR_CROP_PAD : 0;
    cfg->flip = on;
}

int train_plan_resume(const train_args *a, train_plan *plan)
{
    if (clcnn_checkpoint_read(a->resume, &plan->ckpt) != CLCNN_OK)
        return train_fail("--resume: ");
    const clcnn_checkpoint *k = &plan->ckpt;
    int status = train_check_resume_flags(a, k);
    if (status != 0)
        return status;
    plan->spec = k->spec;
    plan->cfg = k->config;
    if (a->has_epochs || a->has_iters) {
        plan->cfg.epochs = a->has_epochs ? a->cfg.epochs : plan->cfg.epochs;
        plan->cfg.iterations = a->has_iters ? a->cfg.iterations : 0;
    }
    clcnn_model_spec given; /* a given --model must be the checkpoint's */
    if (a->model && clcnn_model_spec_resolve(a->model, &given) != CLCNN_OK)
        return train_fail("--model: ");
    if (a->model && clcnn_checkpoint_check_spec(k, &given) != CLCNN_OK)
        return train_fail("--resume: ");
    const char *dir = a->data_dir ? a->data_dir : k->data_dir;
    if (!dir[0]) {
        fprintf(stderr, "clcnn train: --resume %s: the checkpoint names no data folder: give "
                "--data\n", a->resume);
        return 1;
    }
    snprintf(plan->data_dir, sizeof plan->data_dir, "%s", dir);
    plan->format = a->format != CLCNN_DATA_AUTO ? a->format : (clcnn_data_format)k->data_format;
    return 0;
}

int train_plan_fresh(const train_args *a, train_plan *plan)
{
    snprintf(plan->data_dir, sizeof plan->data_dir, "%s", a->data_dir ? a->data_dir : DEFAULT_DATA_DIR);
    plan->format = a->format;
    if (plan->format == CLCNN_DATA_AUTO &&
        clcnn_data_detect_format(plan->data_dir, &plan->format) != CLCNN_OK)
        return train_fail(a->data_dir ? "--data: " : "the default data set: ");
    const int cifar = plan->format != CLCNN_DATA_IDX;
    const char *model = a->model ? a->model : cifar ? "cifar" : "lenet";
    plan->model_is_preset = clcnn_model_preset_text(model) != NULL;
    if (clcnn_model_spec_resolve(model, &plan->spec) != CLCNN_OK)
        return train_fail("--model: ");
    plan->cfg = a->cfg;
    if (a->has_epochs) /* --epochs replaces a recipe's iterations */
        plan->cfg.iterations = 0;
    if (!a->has_epochs && !a->has_iters && !a->recipe_length)
        plan->cfg.epochs = cifar ? CIFAR_EPOCHS : IDX_EPOCHS;
    int augment = a->augment >= 0 ? a->augment : cifar;
    train_set_augment(&plan->cfg, augment);
    plan->val_default = !a->has_val;
    if (!a->has_val)
        plan->cfg.val_count = cifar ? CIFAR_VAL : IDX_VAL;
    if (!a->data_dir && !a->quiet)
        printf("no --data given: training %s for %d epoch%s on Fashion-MNIST from %s\n", model,
               plan->cfg.epochs, plan->cfg.epochs == 1 ? "" : "s", plan->data_dir);
    return 0;
}
