/* `clcnn train` helpers for recipes and periodic work: the [train] section
 * of the --model given on the command line (read before the flags, which then
 * override it), and runs that stop every N iterations (--eval-every,
 * --save-every). */
#ifndef CLCNN_CLI_RECIPE_H
#define CLCNN_CLI_RECIPE_H

#include "clcnn/train.h"
#include "cli/cli_progress.h"

/* The value of --model (or --model=VALUE) among the arguments, or NULL. */
const char *cli_find_model(int argc, char **argv);

/* Work done every `every` iterations of a run (0: never). */
typedef struct cli_every {
    long every;
    clcnn_status (*action)(clcnn_trainer *t, void *user);
    void *user;
} cli_every;

/* clcnn_trainer_run() that stops at every multiple of each action's `every`
 * to run the actions due there, in the order given. */
clcnn_status cli_run_every(clcnn_trainer *t, const clcnn_train_hooks *hooks,
                           const cli_every *actions, int n);

/* The --eval-every action (user: the run's cli_progress): evaluate the
 * validation set (the test set when there is none), printing "iteration N:
 * val loss L accuracy A% (k/n)" unless quiet and logging {"iter", "eval",
 * "loss", "acc"} to the progress log. */
clcnn_status cli_report_eval(clcnn_trainer *t, void *progress);

#endif
