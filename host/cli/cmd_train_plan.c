/* What a `clcnn train` run trains: a fresh run's data folder, model and
 * recipe from the flags and defaults, or a resumed run's from its checkpoint. */
#include <stdio.h>

#include "cli/cmd_train.h"

int train_fail(const char *prefix)
{
    fprintf(stderr, "clcnn train: %s%s\n", prefix, clcnn_last_error());
    return 1;
}

int train_apply_image_size(const train_args *a, clcnn_model_spec *spec, int is_preset)
{
    int n = a->image_size;
    if (!n || (spec->h == n && spec->w == n))
        return 0;
    if (!is_preset) {
        fprintf(stderr, "clcnn train: --image-size %d: model %s takes %d x %d input; give its "
                "size or none\n", n, spec->source, spec->h, spec->w);
        return 2;
    }
    spec->h = spec->w = n;
    if (clcnn_model_spec_shapes(spec, NULL) != CLCNN_OK) {
        fprintf(stderr, "clcnn train: --image-size %d: %s\n", n, clcnn_last_error());
        return 2;
    }
    return 0;
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
    if (a->model && (status = train_apply_image_size(a, &given,
                                                     clcnn_model_preset_text(a->model) != NULL)))
        return status;
    if (a->image_size && (k->spec.h != a->image_size || k->spec.w != a->image_size)) {
        fprintf(stderr, "clcnn train: --image-size %d: the checkpoint's model takes %d x %d "
                "input\n", a->image_size, k->spec.h, k->spec.w);
        return 2;
    }
    if (a->model) {
        /* a preset's last layer was fitted to the data set's classes (cmd_train_data.c) */
        clcnn_layer_spec *last = &given.layers[given.n_layers - 1];
        const clcnn_layer_spec *trained = &k->spec.layers[k->spec.n_layers - 1];
        if (clcnn_model_preset_text(a->model) && given.n_layers == k->spec.n_layers &&
            last->kind == CLCNN_LAYER_FC && trained->kind == CLCNN_LAYER_FC)
            last->outputs = trained->outputs;
        if (clcnn_checkpoint_check_spec(k, &given) != CLCNN_OK)
            return train_fail("--resume: ");
    }
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
    if (a->image_size && plan->format != CLCNN_DATA_FOLDER) {
        fprintf(stderr, "clcnn train: --image-size: only image folders are resized (this is %s "
                "data)\n", clcnn_data_format_name(plan->format));
        return 2;
    }
    int status = train_apply_image_size(a, &plan->spec, plan->model_is_preset);
    if (status != 0)
        return status;
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
