/* clcnn plot: training curves from `clcnn train --log` files (JSON Lines) as
 * one SVG picture. plot_log.c reads a log into series, plot_svg.c draws them. */
#ifndef CLCNN_CLI_PLOT_H
#define CLCNN_CLI_PLOT_H

#include <stdio.h>

#include "clcnn/status.h"

typedef struct plot_point {
    double x, y; /* iteration, value */
} plot_point;

typedef struct plot_series {
    int count, capacity;
    plot_point *points;
} plot_series;

/* The series of one run, in the log's order. */
enum {
    PLOT_TRAIN_LOSS, PLOT_VAL_LOSS, PLOT_TEST_LOSS, /* loss panel */
    PLOT_TRAIN_ACC, PLOT_VAL_ACC, PLOT_TEST_ACC,    /* accuracy panel (fractions) */
    PLOT_LR,                                        /* learning-rate panel */
    PLOT_SERIES
};

typedef struct plot_run {
    char label[64]; /* the log's file name without its folder and .jsonl */
    plot_series series[PLOT_SERIES];
} plot_run;

/* Read the log at path into run. Epoch records give the training loss,
 * accuracy and learning rate (and validation figures when not null),
 * {iter, eval, loss, acc} records validation or test points, the final
 * {iter, test_loss, test_acc} a test point; other records are skipped. A line
 * that is not one flat JSON object, or a known field of the wrong type, fails
 * with CLCNN_ERR_FORMAT "<path>:<line>: reason"; a log without any point fails
 * too. Free with plot_run_free(). */
clcnn_status plot_run_read(const char *path, plot_run *run);
void plot_run_free(plot_run *run);

/* Draw the runs as one SVG document on out: loss and accuracy against the
 * iteration (train solid, validation dashed, test dotted with markers; one
 * colour per run, a legend), the learning rate in a smaller panel below. */
void plot_svg(FILE *out, const plot_run *runs, int n_runs, const char *title);

/* The colour of run i ("#1f77b4"): the tests look for it in the picture. */
const char *plot_run_colour(int i);

#endif
