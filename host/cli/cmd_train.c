/* clcnn train: train a network on CIFAR-10/100 or IDX data on an OpenCL device
 * or (--cpu) on the CPU reference, through the same training code. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clcnn/check.h"
#include "clcnn/train.h"
#include "cli/cli_args.h"
#include "cli/cli_distributed.h"
#include "cli/cli_progress.h"
#include "cli/cli_recipe.h"
#include "cli/commands.h"

#define DEFAULT_DATA_DIR "/usr/share/datasets/fashion-mnist"
#define CIFAR_EPOCHS 20
#define CIFAR_VAL 1000
#define IDX_EPOCHS 1
#define IDX_VAL 5000
#define CIFAR_CROP_PAD 4

static void help(void)
{
    printf(
        "usage: clcnn train [OPTIONS]\n\n"
        "Trains a network and reports, per epoch, the training loss and accuracy, the\n"
        "validation loss and accuracy, the learning rate and images/s (a progress bar\n"
        "on a terminal); at the end the test loss, accuracy, per-class accuracy and the\n"
        "confusion matrix. Without --data: lenet for 1 epoch on Fashion-MNIST from\n"
        "%s.\n\n"
        "data and model:\n"
        "  --data DIR         data set folder (CIFAR-10/100 binary or IDX, files may be .gz)\n"
        "  --format F         cifar10 | cifar100 | idx | auto (default auto: from the files)\n"
        "  --model M          preset (cifar, lenet, small, gradcheck; the notebooks' recipes\n"
        "                     seed-cifar, seed-small, seed-lenet) or model file; default\n"
        "                     cifar for CIFAR data, lenet for IDX. A preset's last layer\n"
        "                     is resized to the data set's class count. Smaller images\n"
        "                     are zero-padded to the model's input (28x28 -> 32x32).\n"
        "                     A model's [train] section (a recipe: see the README) sets\n"
        "                     the defaults of the options below; flags override it.\n"
        "  --val N            images held out of the training set's end for validation;\n"
        "                     0: none (default %d for CIFAR, %d for IDX, at most a tenth\n"
        "                     of the training set; an explicit N must be smaller than it)\n"
        "length:\n"
        "  --epochs N         passes over the training set (default %d for CIFAR, %d for IDX)\n"
        "  --iters N          total iterations (steps) instead of --epochs\n"
        "  --batch N          images per step (default 128); each epoch drops the last\n"
        "                     partial batch (a new shuffle every epoch)\n"
        "recipe (the defaults follow the PyTorch reference run of the cifar network that\n"
        "reached 83.8%% test accuracy on CIFAR-10 in 20 epochs: crop + flip, SGD with\n"
        "Nesterov momentum 0.9, cosine schedule):\n"
        "  --optimizer O      sgd | momentum | nesterov | rmsprop | adam (default nesterov)\n"
        "  --momentum X       momentum of momentum/nesterov (default 0.9)\n"
        "  --nesterov         Nesterov update (same as --optimizer nesterov)\n"
        "  --lr X             base learning rate (default 0.05; use ~0.001 with adam)\n"
        "  --lr-decay S       none | cosine | step:GAMMA:EVERY (lr times GAMMA every EVERY\n"
        "                     iterations); cosine decays to 0 over the run (default cosine)\n"
        "  --l2 X             L2 penalty on conv/fc weights added to the gradient (default 5e-4)\n"
        "  --weight-decay X   decoupled weight decay on conv/fc weights (default 0)\n"
        "  --dropout P        drop probability of every dropout layer (default: the model's)\n"
        "  --loss L           softmax | svm | bce (sigmoid outputs, binary cross-entropy;\n"
        "                     default softmax)\n"
        "  --normalize S      input scaling: data (the training set's per-channel mean and\n"
        "                     std, default) | unit (x/255) | MEAN:STD (0..1 units, one pair\n"
        "                     or per channel M1,M2,M3:S1,S2,S3)\n"
        "  --augment          random crop (pad %d) + horizontal flip (default for CIFAR)\n"
        "  --no-augment       no augmentation (default for IDX)\n"
        "  --seed N           parameters, shuffling, augmentation, dropout (default 1)\n"
        "device:\n"
        "  --device SPEC      OpenCL device: index or name substring from `clcnn devices`\n"
        "                     (default: $CLCNN_DEVICE, else the first GPU, else device 0)\n"
        "  --cpu              train on the CPU reference backend instead\n"
        "  --no-check         skip the quick check against the CPU reference that runs\n"
        "                     the first time a device, driver and clcnn version meet (a\n"
        "                     pass is remembered in the cache folder; a device that\n"
        "                     fails is refused, naming the op: see clcnn check)\n"
        "  --no-cache         leave the cache folder alone: no built kernels, check\n"
        "                     records or tuning are read or written (CLCNN_CACHE_DIR= )\n"
        "files and output:\n"
        "  --save FILE        checkpoint after every epoch, at the end and on SIGINT/SIGTERM\n"
        "  --resume FILE      continue a checkpoint's run with its recipe, model, seed and\n"
        "                     data folder (recipe options are refused; --epochs/--iters\n"
        "                     may change the run's length, --data/--format its folder,\n"
        "                     --model is checked against it). The result is then the\n"
        "                     same as if the run had not stopped (bit for bit with --cpu).\n"
        "  --log FILE         JSON Lines: one object per epoch (epoch, iter, train_loss,\n"
        "                     train_acc, val_loss, val_acc, lr, images_per_s, seconds) and\n"
        "                     a final one (iter, test_loss, test_acc); an epoch cut short\n"
        "                     by --iters has \"partial\": true\n"
        "  --eval-every N     evaluate the validation set (else the test set) every N\n"
        "                     iterations: one line each, and {iter, eval, loss, acc} in the log\n"
        "  --quiet            only the final results (and errors)\n\n"
        "SIGINT/SIGTERM finish the current step, write the checkpoint (with --save) and\n"
        "exit with status 130/143; a second signal exits at once. Exit status 2: bad\n"
        "options; 1: any other failure (a NaN loss names its iteration).\n",
        DEFAULT_DATA_DIR, CIFAR_VAL, IDX_VAL, CIFAR_EPOCHS, IDX_EPOCHS, CIFAR_CROP_PAD);
}

typedef struct train_args {
    const char *data_dir, *model, *device, *save, *resume, *log;
    clcnn_data_format format;
    int cpu, quiet, help, no_check, no_cache;
    clcnn_train_config cfg;
    int has_epochs, has_iters, has_val, augment; /* augment: -1 default, 0 off, 1 on */
    int recipe_length;       /* the model's [train] section sets epochs or iterations */
    long eval_every;
    const char *recipe_flag; /* first recipe flag given (not allowed with --resume) */
} train_args;

static int parse_optimizer(cli_parser *p, const char *v, clcnn_optimizer_step *o)
{
    static const struct { const char *name; clcnn_optimizer_kind kind; int nesterov; } names[] = {
        {"sgd", CLCNN_OPT_SGD, 0},           {"momentum", CLCNN_OPT_MOMENTUM, 0},
        {"nesterov", CLCNN_OPT_MOMENTUM, 1}, {"rmsprop", CLCNN_OPT_RMSPROP, 0},
        {"adam", CLCNN_OPT_ADAM, 0}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(v, names[i].name) == 0) {
            o->kind = names[i].kind;
            o->nesterov = names[i].nesterov;
            return 1;
        }
    cli_error(p, "--optimizer: '%s' is not one of sgd, momentum, nesterov, rmsprop, adam", v);
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
    if (!a->recipe_flag)
        a->recipe_flag = p->argv[at];
    return 1;
}

static int parse_args(int argc, char **argv, train_args *a)
{
    cli_parser p;
    cli_parser_init(&p, "train", argc, argv);
    while (cli_more(&p)) {
        const char *v;
        if (cli_flag(&p, "--help") || cli_flag(&p, "-h")) {
            a->help = 1;
            return 1;
        } else if (cli_option(&p, "--data", &v)) {
            a->data_dir = v;
        } else if (cli_option(&p, "--format", &v)) {
            if (clcnn_data_format_parse(v, &a->format) != CLCNN_OK)
                cli_error(&p, "--format: '%s' is not one of cifar10, cifar100, idx, auto", v);
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
    if (!p.failed && a->resume && a->recipe_flag)
        cli_error(&p, "%s cannot be combined with --resume: the checkpoint's recipe is used",
                  a->recipe_flag);
    if (!p.failed && a->save)
        cli_output_path(&p, "--save", a->save);
    if (!p.failed && a->log)
        cli_output_path(&p, "--log", a->log);
    return !p.failed;
}

/* The [train] section of the --model given, as the defaults that the flags
 * then override; 0 (after a message) when it is malformed. */
static int load_recipe(train_args *a, int argc, char **argv)
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

/* What the run trains on: everything resolved before any data is loaded. */
typedef struct train_plan {
    char data_dir[1024];
    clcnn_data_format format;
    clcnn_model_spec spec;
    int model_is_preset;
    clcnn_train_config cfg;
    int val_default;            /* val_count was not given: clamp it to the data */
    clcnn_checkpoint ckpt;      /* with --resume */
} train_plan;

/* Print the library's message after prefix; returns exit status 1. */
static int fail(const char *prefix)
{
    fprintf(stderr, "clcnn train: %s%s\n", prefix, clcnn_last_error());
    return 1;
}

static int plan_resume(const train_args *a, train_plan *plan)
{
    if (clcnn_checkpoint_read(a->resume, &plan->ckpt) != CLCNN_OK)
        return fail("--resume: ");
    const clcnn_checkpoint *k = &plan->ckpt;
    plan->spec = k->spec;
    plan->cfg = k->config;
    if (a->has_epochs || a->has_iters) {
        plan->cfg.epochs = a->has_epochs ? a->cfg.epochs : plan->cfg.epochs;
        plan->cfg.iterations = a->has_iters ? a->cfg.iterations : 0;
    }
    clcnn_model_spec given; /* a given --model must be the checkpoint's */
    if (a->model && clcnn_model_spec_resolve(a->model, &given) != CLCNN_OK)
        return fail("--model: ");
    if (a->model && clcnn_checkpoint_check_spec(k, &given) != CLCNN_OK)
        return fail("--resume: ");
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

static int plan_fresh(const train_args *a, train_plan *plan)
{
    snprintf(plan->data_dir, sizeof plan->data_dir, "%s", a->data_dir ? a->data_dir : DEFAULT_DATA_DIR);
    plan->format = a->format;
    if (plan->format == CLCNN_DATA_AUTO &&
        clcnn_data_detect_format(plan->data_dir, &plan->format) != CLCNN_OK)
        return fail(a->data_dir ? "--data: " : "the default data set: ");
    const int cifar = plan->format != CLCNN_DATA_IDX;
    const char *model = a->model ? a->model : cifar ? "cifar" : "lenet";
    plan->model_is_preset = clcnn_model_preset_text(model) != NULL;
    if (clcnn_model_spec_resolve(model, &plan->spec) != CLCNN_OK)
        return fail("--model: ");
    plan->cfg = a->cfg;
    if (a->has_epochs) /* --epochs replaces a recipe's iterations */
        plan->cfg.iterations = 0;
    if (!a->has_epochs && !a->has_iters && !a->recipe_length)
        plan->cfg.epochs = cifar ? CIFAR_EPOCHS : IDX_EPOCHS;
    int augment = a->augment >= 0 ? a->augment : cifar;
    plan->cfg.crop_pad = augment ? CIFAR_CROP_PAD : 0;
    plan->cfg.flip = augment;
    plan->val_default = !a->has_val;
    if (!a->has_val)
        plan->cfg.val_count = cifar ? CIFAR_VAL : IDX_VAL;
    if (!a->data_dir && !a->quiet)
        printf("no --data given: training %s for %d epoch%s on Fashion-MNIST from %s\n", model,
               plan->cfg.epochs, plan->cfg.epochs == 1 ? "" : "s", plan->data_dir);
    return 0;
}

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

/* Load the data and hold out the validation images (exit status, 0 = fine). */
static int load_data(const train_args *a, train_plan *plan, clcnn_train_data *data)
{
    if (clcnn_train_data_load(plan->data_dir, plan->format, &plan->spec, data) != CLCNN_OK)
        return fail("");
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
        return fail("");
    if (!a->resume)
        fit_preset_classes(plan, data->train.classes, a->quiet);
    return 0;
}

static void print_header(const train_plan *plan, const clcnn_train_data *data,
                         const clcnn_backend *be, const clcnn_trainer *t)
{
    const clcnn_train_config *c = &plan->cfg;
    char device[600], schedule[64];
    cli_backend_describe(be, device, sizeof device);
    clcnn_lr_schedule_format(&c->schedule, schedule, sizeof schedule);
    printf("model %s: %zu parameters; data %s (%s): %d train, %d val, %d test images, %d "
           "classes\n", plan->spec.source, clcnn_model_spec_param_count(&plan->spec),
           plan->data_dir, clcnn_data_format_name(plan->format), data->train.count,
           data->val.count, data->test.count, data->train.classes);
    printf("backend: %s\n", device);
    printf("recipe: %s", clcnn_optimizer_name(&c->optimizer));
    if (c->optimizer.kind == CLCNN_OPT_MOMENTUM)
        printf(" (momentum %g)", (double)c->optimizer.momentum);
    char scaling[128];
    clcnn_input_scaling_format(c, scaling, sizeof scaling);
    printf(", lr %g %s, l2 %g, weight decay %g, loss %s, batch %d, %ld iterations (%ld per "
           "epoch), inputs %s, augmentation %s, seed %llu\n", (double)c->optimizer.lr, schedule,
           (double)c->optimizer.l2, (double)c->optimizer.weight_decay, clcnn_loss_name(c->loss),
           c->batch, clcnn_trainer_total_iterations(t),
           (long)(data->train.count / c->batch), scaling, c->crop_pad ? "crop + flip" : "off",
           (unsigned long long)c->seed);
    if (clcnn_trainer_iteration(t) > 0)
        printf("resuming at iteration %ld\n", clcnn_trainer_iteration(t));
    fflush(stdout);
}

/* ---- the run: progress, checkpoints, signals ---- */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    if (stop_signal)
        _exit(128 + sig); /* second signal: leave now */
    stop_signal = sig;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

typedef struct run_context {
    cli_progress progress;
    const char *save;
    const train_plan *plan;
    long eval_every;
} run_context;

static clcnn_status save_checkpoint(clcnn_trainer *t, const run_context *rc)
{
    if (!rc->save)
        return CLCNN_OK;
    clcnn_status st = clcnn_trainer_save(t, rc->save, rc->plan->data_dir, (int)rc->plan->format);
    return st == CLCNN_OK ? st : clcnn_fail_context(st, "--save: ");
}

/* The ranks of `mpirun -np N clcnn train` (one process otherwise). */
static cli_dist dist;

static clcnn_status on_progress(clcnn_trainer *t, const clcnn_train_progress *p, void *user)
{
    run_context *rc = user;
    cli_dist_log_step(&dist, p->iteration, p->last_loss);
    if (p->kind == CLCNN_PROGRESS_STEPS) {
        cli_progress_steps(&rc->progress, p);
        return CLCNN_OK;
    }
    cli_progress_epoch(&rc->progress, p);
    return save_checkpoint(t, rc);
}

/* Train, test, save: the exit status. */
static int run(clcnn_trainer *t, run_context *rc, char *const *class_names)
{
    /* a terminal's bar is redrawn twice a second; otherwise results are read
     * back only every 16 steps and at epoch ends */
    clcnn_train_hooks hooks = {.progress = on_progress,
                               .user = rc,
                               .report_every = cli_dist_report_every(&dist, 16),
                               .report_seconds = rc->progress.bar ? 0.5 : 0,
                               .stop = &stop_signal};
    install_signals();
    clcnn_status st = cli_run_with_evals(t, &hooks, rc->eval_every, &rc->progress);
    cli_progress_clear(&rc->progress);
    if (st == CLCNN_ERR_INTERRUPTED) {
        /* 0: another rank of a data-parallel run was signalled */
        int sig = stop_signal ? stop_signal : SIGTERM;
        fprintf(stderr, "clcnn train: %s (%s)\n", clcnn_last_error(),
                !stop_signal ? "another rank's signal" : sig == SIGTERM ? "SIGTERM" : "SIGINT");
        if (rc->save) {
            if (save_checkpoint(t, rc) != CLCNN_OK)
                return fail("");
            fprintf(stderr, "clcnn train: checkpoint written to %s; continue with --resume %s\n",
                    rc->save, rc->save);
        }
        return 128 + sig;
    }
    if (st != CLCNN_OK)
        return fail("");
    if (!cli_dist_is_writer(&dist))
        return 0; /* rank 0 tests and saves */
    clcnn_eval_result test;
    if (clcnn_trainer_evaluate_test(t, &test) != CLCNN_OK)
        return fail("");
    cli_print_eval(stdout, "test", &test, class_names);
    cli_progress_log_test(&rc->progress, clcnn_trainer_iteration(t), &test);
    clcnn_eval_result_free(&test);
    if (save_checkpoint(t, rc) != CLCNN_OK)
        return fail("");
    if (rc->save && !rc->progress.quiet)
        printf("checkpoint: %s\n", rc->save);
    return 0;
}

/* The quick check against the CPU reference, run the first time this device,
 * driver and clcnn version meet (clcnn/check.h); the exit status. */
static int check_device(clcnn_backend *be, int quiet)
{
    const clcnn_device_info *d = clcnn_backend_cl_device(be);
    clcnn_check_record record;
    clcnn_check_record_load(d, &record);
    if (record.state == CLCNN_CHECK_PASSED)
        return 0;
    if (!quiet) {
        printf("checking device %d (%s, driver %s) against the CPU reference: its first use "
               "with clcnn %s (--no-check skips)\n", d->index, d->name, d->driver_version,
               CLCNN_VERSION);
        fflush(stdout);
    }
    int ran = 0;
    if (clcnn_check_before_use(be, &ran) != CLCNN_OK) {
        fprintf(stderr, "clcnn train: %s; --no-check trains anyway\n", clcnn_last_error());
        return 1;
    }
    if (!quiet)
        printf("check passed\n");
    return 0;
}

static int train_with(const train_args *a, train_plan *plan, clcnn_backend *be,
                      clcnn_train_data *data)
{
    clcnn_trainer *t = NULL;
    if ((dist.comm ? clcnn_trainer_create_distributed(be, &plan->spec, &data->train, &data->val,
                                                      &data->test, &plan->cfg, dist.comm, &t)
                   : clcnn_trainer_create(be, &plan->spec, &data->train, &data->val, &data->test,
                                          &plan->cfg, &t)) != CLCNN_OK)
        return fail("");
    if (a->resume && clcnn_trainer_restore(t, &plan->ckpt) != CLCNN_OK) {
        clcnn_trainer_destroy(t);
        return fail("--resume: ");
    }
    run_context rc = {{0}, a->save, plan, a->eval_every};
    rc.progress.quiet = a->quiet;
    rc.progress.bar = !a->quiet && isatty(STDERR_FILENO);
    if (a->log && !(rc.progress.log = fopen(a->log, a->resume ? "a" : "w"))) {
        clcnn_trainer_destroy(t);
        perror("clcnn train: --log");
        return 1;
    }
    if (!a->quiet)
        print_header(plan, data, be, t);
    if (dist.comm && !a->quiet) /* the first (batch mod ranks) ranks take one more */
        printf("data-parallel: %d ranks sharing each batch of %d (%d%s images per rank)\n",
               dist.size, plan->cfg.batch, plan->cfg.batch / dist.size,
               plan->cfg.batch % dist.size ? " or 1 more" : "");
    int status = run(t, &rc, data->train.class_names);
    if (status == 0)
        status = cli_dist_dump_params(&dist, "train", clcnn_trainer_net(t));
    if (rc.progress.log)
        fclose(rc.progress.log);
    clcnn_trainer_destroy(t);
    return status;
}

int cmd_train(int argc, char **argv)
{
    train_args a;
    memset(&a, 0, sizeof a);
    a.cfg = clcnn_train_config_default();
    a.augment = -1;
    if (!load_recipe(&a, argc, argv))
        return 1;
    if (!parse_args(argc, argv, &a))
        return 2;
    if (a.help) {
        help();
        cli_dist_help(stdout);
        return 0;
    }
    train_plan plan;
    memset(&plan, 0, sizeof plan);
    int status = a.resume ? plan_resume(&a, &plan) : plan_fresh(&a, &plan);
    if (status == 0 && clcnn_train_config_validate(&plan.cfg) != CLCNN_OK) {
        fprintf(stderr, "clcnn train: %s (see clcnn train --help)\n", clcnn_last_error());
        clcnn_checkpoint_free(&plan.ckpt);
        return 2;
    }
    if (status == 0 && (status = cli_dist_begin("train", &dist)) == 0 &&
        !cli_dist_is_writer(&dist)) {
        a.quiet = 1; /* rank 0 alone prints, logs and writes checkpoints */
        a.log = a.save = NULL;
    }
    char rank_device[32];
    const char *device =
        a.cpu ? NULL : cli_dist_device(&dist, a.device, rank_device, sizeof rank_device);
    clcnn_backend *be = NULL;
    if (a.no_cache)
        setenv("CLCNN_CACHE_DIR", "", 1);
    if (status == 0 && !cli_open_backend("train", a.cpu, device, &be))
        status = 1;
    if (status == 0 && !a.cpu && !a.no_check)
        status = check_device(be, a.quiet);
    clcnn_train_data data;
    memset(&data, 0, sizeof data);
    if (status == 0)
        status = load_data(&a, &plan, &data);
    if (status == 0)
        status = train_with(&a, &plan, be, &data);
    clcnn_train_data_free(&data);
    clcnn_backend_destroy(be);
    clcnn_checkpoint_free(&plan.ckpt);
    return cli_dist_end(&dist, "train", status);
}
