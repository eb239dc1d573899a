/* Reading a `clcnn train --log` file into plot series (see plot.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_json.h"
#include "cli/plot.h"

static int add_point(plot_series *s, double x, double y)
{
    if (!isfinite(y))
        return 1; /* a NaN loss is logged as null or skipped: no point */
    if (s->count == s->capacity) {
        int cap = s->capacity ? 2 * s->capacity : 64;
        plot_point *p = realloc(s->points, (size_t)cap * sizeof *p);
        if (!p)
            return 0;
        s->points = p;
        s->capacity = cap;
    }
    s->points[s->count++] = (plot_point){x, y};
    return 1;
}

typedef struct log_line {
    const char *path;
    int line;
    const json_object *o;
} log_line;

static clcnn_status line_error(const log_line *l, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static clcnn_status line_error(const log_line *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    clcnn_status st = clcnn_vfail_at_line(l->path, l->line, fmt, ap);
    va_end(ap);
    return st;
}

/* The number called key into *v: 1; absent (or null where null_ok): 0 and *v
 * NAN; anything else an error. */
static clcnn_status number(const log_line *l, const char *key, int required, double *v)
{
    const json_member *m = json_find(l->o, key);
    *v = NAN;
    if (m && m->kind == JSON_NUMBER) {
        *v = m->number;
        return CLCNN_OK;
    }
    if (!m && required)
        return line_error(l, "\"%s\" is missing", key);
    if (m && m->kind != JSON_NULL)
        return line_error(l, "\"%s\" is not a number", key);
    return CLCNN_OK;
}

/* Up to two (key, series) pairs of one record at iteration x. */
static clcnn_status add_pair(plot_run *run, const log_line *l, double x, const char *key1,
                             int series1, const char *key2, int series2, int required)
{
    double a, b;
    clcnn_status st = number(l, key1, required, &a);
    if (st == CLCNN_OK)
        st = number(l, key2, required, &b);
    if (st == CLCNN_OK &&
        !(add_point(&run->series[series1], x, a) && add_point(&run->series[series2], x, b)))
        st = clcnn_fail(CLCNN_ERR_NOMEM, "plot: out of memory");
    return st;
}

static clcnn_status read_record(plot_run *run, const log_line *l)
{
    double x, lr;
    const json_member *eval = json_find(l->o, "eval");
    int epoch = json_find(l->o, "epoch") != NULL, final_test = json_find(l->o, "test_loss") != NULL;
    if (!epoch && !eval && !final_test)
        return CLCNN_OK; /* a record plot does not draw */
    clcnn_status st = number(l, "iter", 1, &x);
    if (st != CLCNN_OK)
        return st;
    if (!(x >= 0))
        return line_error(l, "\"iter\" is negative");
    if (epoch) {
        st = add_pair(run, l, x, "train_loss", PLOT_TRAIN_LOSS, "train_acc", PLOT_TRAIN_ACC, 1);
        if (st == CLCNN_OK)
            st = add_pair(run, l, x, "val_loss", PLOT_VAL_LOSS, "val_acc", PLOT_VAL_ACC, 0);
        if (st == CLCNN_OK)
            st = number(l, "lr", 1, &lr);
        if (st == CLCNN_OK && !add_point(&run->series[PLOT_LR], x, lr))
            st = clcnn_fail(CLCNN_ERR_NOMEM, "plot: out of memory");
        return st;
    }
    if (final_test)
        return add_pair(run, l, x, "test_loss", PLOT_TEST_LOSS, "test_acc", PLOT_TEST_ACC, 1);
    if (eval->kind != JSON_STRING || (strcmp(eval->text, "val") && strcmp(eval->text, "test")))
        return line_error(l, "\"eval\" is not \"val\" or \"test\"");
    int val = strcmp(eval->text, "val") == 0;
    return add_pair(run, l, x, "loss", val ? PLOT_VAL_LOSS : PLOT_TEST_LOSS, "acc",
                    val ? PLOT_VAL_ACC : PLOT_TEST_ACC, 1);
}

static void set_label(plot_run *run, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(run->label, sizeof run->label, "%s", base);
    size_t n = strlen(run->label);
    if (n > 6 && strcmp(run->label + n - 6, ".jsonl") == 0)
        run->label[n - 6] = '\0';
}

clcnn_status plot_run_read(const char *path, plot_run *run)
{
    memset(run, 0, sizeof *run);
    set_label(run, path);
    FILE *f = fopen(path, "r");
    if (!f)
        return clcnn_fail(CLCNN_ERR_IO, "%s: %s", path, strerror(errno));
    char *text = NULL;
    size_t size = 0;
    clcnn_status st = CLCNN_OK;
    json_object o;
    log_line l = {path, 0, &o};
    while (st == CLCNN_OK && getline(&text, &size, f) >= 0) {
        l.line++;
        if (strspn(text, " \t\r\n") == strlen(text))
            continue; /* blank line */
        const char *why = json_read_object(text, &o);
        st = why ? line_error(&l, "not a JSON object: %s", why) : read_record(run, &l);
    }
    if (st == CLCNN_OK && ferror(f))
        st = clcnn_fail(CLCNN_ERR_IO, "%s: read error", path);
    fclose(f);
    free(text);
    int points = 0;
    for (int i = 0; i < PLOT_SERIES; i++)
        points += run->series[i].count;
    if (st == CLCNN_OK && points == 0)
        st = clcnn_fail(CLCNN_ERR_FORMAT, "%s: no training records (a `clcnn train --log` file "
                                          "holds one per epoch)", path);
    if (st != CLCNN_OK)
        plot_run_free(run);
    return st;
}

void plot_run_free(plot_run *run)
{
    for (int i = 0; i < PLOT_SERIES; i++)
        free(run->series[i].points);
    memset(run->series, 0, sizeof run->series);
}
