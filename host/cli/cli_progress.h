/* What `clcnn train` and `clcnn eval` show: a progress bar on a terminal, one
 * line per epoch, the evaluation summary with per-class accuracy and the
 * confusion matrix, and the JSON Lines log of --log. */
#ifndef CLCNN_CLI_PROGRESS_H
#define CLCNN_CLI_PROGRESS_H

#include <stdio.h>

#include "clcnn/train.h"

typedef struct cli_progress {
    int bar;        /* draw a progress bar on stderr (a terminal, not --quiet) */
    int quiet;      /* no per-epoch lines */
    FILE *log;      /* JSON Lines (--log), or NULL */
    int bar_shown;  /* a bar is on the screen and must be erased first */
} cli_progress;

/* A report during an epoch: redraw the bar. */
void cli_progress_steps(cli_progress *cp, const clcnn_train_progress *p);

/* The end of an epoch: erase the bar, print the epoch line, log it. */
void cli_progress_epoch(cli_progress *cp, const clcnn_train_progress *p);

/* Erase the bar, if any (before printing anything else). */
void cli_progress_clear(cli_progress *cp);

/* The final line of the log: test loss and accuracy. */
void cli_progress_log_test(cli_progress *cp, long iteration, const clcnn_eval_result *test);

/* "title: loss L  accuracy A% (k/n)", then per-class accuracy and, for up to
 * 20 classes, the confusion matrix (rows true class, columns predicted). */
void cli_print_eval(FILE *out, const char *title, const clcnn_eval_result *r,
                    char *const *class_names);

#endif
