/* `clcnn train` options: the [train] recipe of the --model given, then the
 * flags that override it. */
#include <stdio.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/cli_recipe.h"
#include "cli/cmd_train.h"

static int parse_optimizer(cli_parser *p, const char *v, clcnn_optimizer_step *o)
{
    if (clcnn_optimizer_parse(v, o))
        return 1;
    char names[128];
    clcnn_optimizer_names(names, sizeof names);
    cli_error(p, "--optimizer: '%s' is not one of %s", v, names);
    return 0;
}

/* Options that change the recipe; they return 1 when they consumed an argument. */
static int parse_recipe_option(cli_parser *p, train_args *a)
{
    const char *v;
    clcnn_train_config *c = &a->cfg;
    int at = p->i;
    if (cli_option(p, "--batch", &v))
        cli_int(p, "--batch", v, 1, 65536, &c->batch);
    else if (cli_option(p, "--optimizer", &v))
        parse_optimizer(p, v, &c->optimizer);
    else if (cli_option(p, "--momentum", &v))
        cli_float(p, "--momentum", v, 0, 0, 0.999, &c->optimizer.momentum);
    else if (cli_flag(p, "--nesterov"))
        c->optimizer.kind = CLCNN_OPT_MOMENTUM, c->optimizer.nesterov = 1;
    else if (cli_option(p, "--lr", &v))
        cli_float(p, "--lr", v, 0, 1, 10, &c->optimizer.lr);
    else if (cli_option(p, "--lr-decay", &v)) {
        if (clcnn_lr_schedule_parse(v, &c->schedule) != CLCNN_OK)
            cli_error(p, "--lr-decay: %s", clcnn_last_error());
    } else if (cli_option(p, "--l2", &v))
        cli_float(p, "--l2", v, 0, 0, 1, &c->optimizer.l2);
    else if (cli_option(p, "--weight-decay", &v))
        cli_float(p, "--weight-decay", v, 0, 0, 1, &c->optimizer.weight_decay);
    else if (cli_option(p, "--dropout", &v))
        cli_float(p, "--dropout", v, 0, 0, 0.99, &c->dropout);
    else if (cli_option(p, "--loss", &v)) {
        if (clcnn_loss_parse(v, &c->loss) != CLCNN_OK)
            cli_error(p, "--loss: '%s' is not one of softmax, svm, bce", v);
    } else if (cli_option(p, "--label-smoothing", &v))
        cli_float(p, "--label-smoothing", v, 0, 0, 0.999, &c->label_smoothing);
    else if (cli_option(p, "--warmup", &v))
        cli_long(p, "--warmup", v, 0, 1000000000L, &c->warmup);
    else if (cli_option(p, "--tta", &v)) {
        if (clcnn_tta_parse(v, &c->tta) != CLCNN_OK)
            cli_error(p, "--tta: '%s' is not one of none, flip", v);
    } else if (cli_option(p, "--normalize", &v)) {
        if (clcnn_input_scaling_parse(v, c) != CLCNN_OK)
            cli_error(p, "--normalize: %s", clcnn_last_error());
    } else if (cli_flag(p, "--augment"))
        a->augment = 1;
    else if (cli_flag(p, "--no-augment"))
        a->augment = 0;
    else if (cli_option(p, "--val", &v))
        a->has_val = cli_int(p, "--val", v, 0, 100000000, &c->val_count);
    else if (cli_option(p, "--seed", &v))
        cli_u64(p, "--seed", v, &c->seed);
    if (p->i == at && !p->failed)
        return 0;
    if (a->recipe_flags == TRAIN_MAX_RECIPE_FLAGS)
        cli_error(p, "more than %d recipe flags", TRAIN_MAX_RECIPE_FLAGS);
    else
        a->recipe_at[a->recipe_flags++] = at;
    return 1;
}

int train_apply_recipe_flag(train_args *a, int at)
{
    cli_parser p;
    cli_parser_init(&p, "train", a->argc, a->argv);
    p.i = at;
    a->recipe_flags = 0; /* a is a scratch copy: its record of flags is not wanted */
    return parse_recipe_option(&p, a) && !p.failed ? p.i - at : 0;
}

int train_parse_args(int argc, char **argv, train_args *a)
{
    cli_parser p;
    cli_parser_init(&p, "train", argc, argv);
    a->argc = argc;
    a->argv = argv;
    while (cli_more(&p)) {
        const char *v;
        if (cli_flag(&p, "--help") || cli_flag(&p, "-h")) {
            a->help = 1;
            return 1;
        } else if (cli_option(&p, "--data", &v)) {
            a->data_dir = v;
        } else if (cli_option(&p, "--format", &v)) {
            if (clcnn_data_format_parse(v, &a->format) != CLCNN_OK)
                cli_error(&p, "--format: '%s' is not one of cifar10, cifar100, idx, folder, auto",
                          v);
        } else if (cli_option(&p, "--image-size", &v)) {
            cli_int(&p, "--image-size", v, CLCNN_IMAGE_MIN_SIDE, 4096, &a->image_size);
        } else if (cli_flag(&p, "--skip-bad")) {
            a->skip_bad = 1;
        } else if (cli_flag(&p, "--image-cache")) {
            a->image_cache = 1;
        } else if (cli_option(&p, "--model", &v)) {
            a->model = v;
        } else if (cli_option(&p, "--epochs", &v)) {
            a->has_epochs = cli_int(&p, "--epochs", v, 1, 100000, &a->cfg.epochs);
        } else if (cli_option(&p, "--iters", &v)) {
            a->has_iters = cli_long(&p, "--iters", v, 1, 1000000000L, &a->cfg.iterations);
        } else if (cli_option(&p, "--device", &v)) {
            a->device = v;
        } else if (cli_flag(&p, "--cpu")) {
            a->cpu = 1;
        } else if (cli_flag(&p, "--no-check")) {
            a->no_check = 1;
        } else if (cli_flag(&p, "--no-cache")) {
            a->no_cache = 1;
        } else if (cli_option(&p, "--save", &v)) {
            a->save = v;
        } else if (cli_option(&p, "--resume", &v)) {
            a->resume = v;
        } else if (cli_option(&p, "--log", &v)) {
            a->log = v;
        } else if (cli_option(&p, "--eval-every", &v)) {
            cli_long(&p, "--eval-every", v, 1, 1000000000L, &a->eval_every);
        } else if (cli_option(&p, "--save-every", &v)) {
            cli_long(&p, "--save-every", v, 1, 1000000000L, &a->save_every);
        } else if (cli_flag(&p, "--quiet")) {
            a->quiet = 1;
        } else if (!parse_recipe_option(&p, a)) {
            cli_unknown(&p);
        }
    }
    if (!p.failed && a->has_epochs && a->has_iters)
        cli_error(&p, "--epochs and --iters exclude each other");
    if (!p.failed && a->cpu && a->device)
        cli_error(&p, "--cpu and --device exclude each other");
    if (!p.failed && a->save_every && !a->save)
        cli_error(&p, "--save-every needs --save FILE");
    if (!p.failed && a->save)
        cli_output_path(&p, "--save", a->save);
    if (!p.failed && a->log)
        cli_output_path(&p, "--log", a->log);
    return !p.failed;
}

int train_load_recipe(train_args *a, int argc, char **argv)
{
    const char *model = cli_find_model(argc, argv);
    clcnn_recipe r;
    if (!model)
        return 1;
    clcnn_status st = clcnn_recipe_load(model, &a->cfg, &r);
    if (st == CLCNN_ERR_IO)
        return 1; /* no such file: --model reports it with the rest */
    if (st != CLCNN_OK) {
        fprintf(stderr, "clcnn train: --model: %s\n", clcnn_last_error());
        return 0;
    }
    a->cfg = r.cfg;
    a->recipe_length = r.has_length;
    a->has_val = r.has_val;
    a->augment = r.augment;
    return 1;
}
