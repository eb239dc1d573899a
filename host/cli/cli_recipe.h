/* `clcnn train` helpers for recipes and periodic evaluation: the [train]
 * section of the --model given on the command line (read before the flags,
 * which then override it), and --eval-every. */
#ifndef CLCNN_CLI_RECIPE_H
#define CLCNN_CLI_RECIPE_H

#include "clcnn/train.h"
#include "cli/cli_progress.h"

/* The value of --model (or --model=VALUE) among the arguments, or NULL. */
const char *cli_find_model(int argc, char **argv);

/* clcnn_trainer_run() that stops every `every` iterations (0: never) to
 * evaluate the validation set (the test set when there is none), printing
 * "iteration N: val loss L accuracy A% (k/n)" unless quiet and logging
 * {"iter", "eval", "loss", "acc"} to the progress log. */
clcnn_status cli_run_with_evals(clcnn_trainer *t, const clcnn_train_hooks *hooks, long every,
                                cli_progress *progress);

#endif
