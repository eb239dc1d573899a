/* `clcnn train`, split by job: the options and the [train] recipe they
 * override (cmd_train_args.c, the --help text in cmd_train_help.c), the plan of
 * a fresh or resumed run (cmd_train_plan.c), loading the data
 * (cmd_train_data.c), the device's first-use check (cmd_train_check.c) and the
 * run itself with its progress, checkpoints and signals (cmd_train_run.c);
 * cmd_train.c calls them in order. */
#ifndef CLCNN_CLI_CMD_TRAIN_H
#define CLCNN_CLI_CMD_TRAIN_H

#include "clcnn/train.h"
#include "cli/cli_distributed.h"

/* The defaults that depend on the data set (--help states them). */
#define DEFAULT_DATA_DIR "/usr/share/datasets/fashion-mnist"
#define CIFAR_EPOCHS 20
#define CIFAR_VAL 1000
#define IDX_EPOCHS 1
#define IDX_VAL 5000
#define CIFAR_CROP_PAD 4

/* Recipe flags one command line may give (each flag counts once per use). */
#define TRAIN_MAX_RECIPE_FLAGS 64

typedef struct train_args {
    const char *data_dir, *model, *device, *save, *resume, *log;
    clcnn_data_format format;
    int cpu, quiet, help, no_check, no_cache;
    clcnn_train_config cfg;
    int has_epochs, has_iters, has_val, augment; /* augment: -1 default, 0 off, 1 on */
    int image_size;          /* --image-size (image folders); 0: the model's input */
    int skip_bad;            /* --skip-bad */
    int image_cache;         /* --image-cache */
    int recipe_length;       /* the model's [train] section sets epochs or iterations */
    long eval_every, save_every;
    /* where each recipe flag given starts in argv: with --resume, each is
     * checked against the checkpoint's recipe (cmd_train_resume.c) */
    int argc;
    char **argv;
    int recipe_at[TRAIN_MAX_RECIPE_FLAGS], recipe_flags;
} train_args;

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

/* Print the --help text. */
void train_help(void);

/* The [train] section of the --model given, as the defaults that the flags
 * then override; 0 (after a message) when it is malformed. */
int train_load_recipe(train_args *a, int argc, char **argv);

/* Parse the flags into a; 0 after a message (exit status 2). */
int train_parse_args(int argc, char **argv, train_args *a);

/* Apply the one recipe flag at argv[at] (with its value) to a's recipe, as
 * the command line does: the arguments it took (1 or 2), 0 after a message
 * when it does not parse. */
int train_apply_recipe_flag(train_args *a, int at);

/* Random crop (CIFAR_CROP_PAD) and flip on or off. */
void train_set_augment(clcnn_train_config *cfg, int on);

/* With --resume: every recipe flag given must repeat the checkpoint's value;
 * else print "--lr 0.1 differs from the checkpoint's 0.05" and return exit
 * status 2 (0 = fine). --normalize is checked by train_check_resume_scaling()
 * once the training set is loaded: its values depend on the data. */
int train_check_resume_flags(const train_args *a, const clcnn_checkpoint *k);
int train_check_resume_scaling(const train_args *a, const clcnn_checkpoint *k,
                               const clcnn_dataset *train);

/* Print the library's message after prefix; returns exit status 1. */
int train_fail(const char *prefix);

/* --image-size on spec: a preset takes it as its input size, a model file
 * must already have it. 0, or an exit status after a message. */
int train_apply_image_size(const train_args *a, clcnn_model_spec *spec, int is_preset);

/* Resolve a --resume run (from its checkpoint) or a fresh one (from the
 * flags and defaults) into plan; the exit status, 0 = fine. */
int train_plan_resume(const train_args *a, train_plan *plan);
int train_plan_fresh(const train_args *a, train_plan *plan);

/* Load the data and hold out the validation images (exit status, 0 = fine). */
int train_load_data(const train_args *a, train_plan *plan, clcnn_train_data *data);

/* The quick check against the CPU reference, its training step on spec (the
 * model about to be trained), run the first time this device, driver, kernel
 * shape and clcnn version meet (clcnn/check.h); the exit status. */
int train_check_device(clcnn_backend *be, const clcnn_model_spec *spec, int quiet);

/* Create the trainer (restored with --resume), train, test, save, on the
 * ranks of dist (one process without MPI); the exit status. */
int train_with(const train_args *a, train_plan *plan, clcnn_backend *be, clcnn_train_data *data,
               cli_dist *dist);

#endif
