/* Progress bar, epoch lines, evaluation summary and JSON Lines log. */
#include "cli/cli_progress.h"

#include <string.h>

#define BAR_WIDTH 24
#define MAX_MATRIX_CLASSES 20

void cli_progress_clear(cli_progress *cp)
{
    if (!cp->bar_shown)
        return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    cp->bar_shown = 0;
}

static void format_duration(double seconds, char *buf, size_t size)
{
    long s = seconds > 0 ? (long)(seconds + 0.5) : 0;
    if (s >= 3600)
        snprintf(buf, size, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, size, "%ld:%02ld", s / 60, s % 60);
}

void cli_progress_steps(cli_progress *cp, const clcnn_train_progress *p)
{
    if (!cp->bar)
        return;
    /* steps of this epoch that the run will take (fewer when it ends mid-epoch) */
    long steps = p->epoch_steps;
    if (p->total_iterations - p->epoch * p->epoch_steps < steps)
        steps = p->total_iterations - p->epoch * p->epoch_steps;
    if (steps < 1)
        steps = 1;
    int filled = (int)(BAR_WIDTH * p->epoch_step / steps);
    if (filled > BAR_WIDTH)
        filled = BAR_WIDTH;
    char bar[BAR_WIDTH + 1];
    memset(bar, '=', (size_t)filled);
    memset(bar + filled, '.', (size_t)(BAR_WIDTH - filled));
    bar[BAR_WIDTH] = '\0';
    /* the epoch's remaining steps at this epoch's pace so far */
    long left = steps - p->epoch_step;
    double eta = p->epoch_step > 0 ? p->seconds / p->epoch_step * left : 0;
    char eta_text[32];
    format_duration(eta, eta_text, sizeof eta_text);
    fprintf(stderr, "\r\033[Kepoch %ld/%ld [%s] %ld/%ld  loss %.4f  acc %5.2f%%  %.0f img/s  ETA %s",
            p->epoch + 1, p->epochs, bar, p->epoch_step, steps, p->train_loss,
            100.0 * p->train_accuracy, p->images_per_s, eta_text);
    fflush(stderr);
    cp->bar_shown = 1;
}

static void log_epoch(FILE *log, const clcnn_train_progress *p)
{
    fprintf(log, "{\"epoch\": %ld, \"iter\": %ld, \"train_loss\": %.6g, \"train_acc\": %.6g, ",
            p->epoch + 1, p->iteration, p->train_loss, p->train_accuracy);
    if (p->val)
        fprintf(log, "\"val_loss\": %.6g, \"val_acc\": %.6g, ", p->val->loss, p->val->accuracy);
    else
        fprintf(log, "\"val_loss\": null, \"val_acc\": null, ");
    fprintf(log, "\"lr\": %.6g, \"images_per_s\": %.6g, \"seconds\": %.6g%s}\n", (double)p->lr,
            p->images_per_s, p->seconds, p->partial ? ", \"partial\": true" : "");
    fflush(log);
}

void cli_progress_epoch(cli_progress *cp, const clcnn_train_progress *p)
{
    cli_progress_clear(cp);
    if (cp->log)
        log_epoch(cp->log, p);
    if (cp->quiet)
        return;
    printf("epoch %ld/%ld", p->epoch + 1, p->epochs);
    if (p->partial)
        printf(" (%ld of %ld steps)", p->epoch_step, p->epoch_steps);
    printf("  train loss %.4f acc %5.2f%%", p->train_loss, 100.0 * p->train_accuracy);
    if (p->val)
        printf("  val loss %.4f acc %5.2f%%", p->val->loss, 100.0 * p->val->accuracy);
    printf("  lr %.3g  %.0f img/s  %.1f s\n", (double)p->lr, p->images_per_s, p->seconds);
    fflush(stdout);
}

void cli_progress_log_test(cli_progress *cp, long iteration, const clcnn_eval_result *test)
{
    if (!cp->log)
        return;
    fprintf(cp->log, "{\"iter\": %ld, \"test_loss\": %.6g, \"test_acc\": %.6g}\n", iteration,
            test->loss, test->accuracy);
    fflush(cp->log);
}

static const char *class_name(char *const *names, int k, char *buf, size_t size)
{
    if (names && names[k] && names[k][0])
        return names[k];
    snprintf(buf, size, "%d", k);
    return buf;
}

static void print_matrix(FILE *out, const clcnn_eval_result *r, char *const *names)
{
    const int K = r->classes;
    char buf[16];
    fprintf(out, "confusion matrix (rows: true class, columns: predicted class):\n%14s", "");
    for (int j = 0; j < K; j++)
        fprintf(out, " %5d", j);
    fputc('\n', out);
    for (int i = 0; i < K; i++) {
        fprintf(out, "%2d %-11.11s", i, class_name(names, i, buf, sizeof buf));
        for (int j = 0; j < K; j++)
            fprintf(out, " %5d", r->confusion[i * K + j]);
        fputc('\n', out);
    }
}

void cli_print_eval(FILE *out, const char *title, const clcnn_eval_result *r,
                    char *const *class_names)
{
    const int K = r->classes;
    long correct = 0;
    for (int k = 0; k < K; k++)
        correct += r->confusion[k * K + k];
    fprintf(out, "%s: loss %.4f  accuracy %.2f%% (%ld/%d)\n", title, r->loss,
            100.0 * r->accuracy, correct, r->count);
    fprintf(out, "per-class accuracy:\n");
    char buf[16];
    for (int i = 0; i < K; i++) {
        long total = 0;
        for (int j = 0; j < K; j++)
            total += r->confusion[i * K + j];
        if (total > 0)
            fprintf(out, "  %-16s %6.2f%% (%d/%ld)\n", class_name(class_names, i, buf, sizeof buf),
                    100.0 * r->confusion[i * K + i] / total, r->confusion[i * K + i], total);
        else
            fprintf(out, "  %-16s    n/a (no images)\n",
                    class_name(class_names, i, buf, sizeof buf));
    }
    if (K <= MAX_MATRIX_CLASSES)
        print_matrix(out, r, class_names);
    else
        fprintf(out, "(confusion matrix not shown for %d classes)\n", K);
}
