/* The choice at the end of `clcnn tune`: per GEMM class, the indirect and
 * direct parameter sets and the size threshold between them. */
#include <math.h>
#include <string.h>

#include "cl/cl_tune_choose.h"

/* The measurements the choice is made from. */
typedef struct measured {
    const clcnn_gemm_shape *shapes;
    int shape_count;
    const tune_result *results;
    int count;
} measured;

int clcnn_tune_shape_class(const clcnn_gemm_shape *s)
{
    return clcnn_tune_class(s->trans_a, s->trans_b, s->m, s->n, s->k);
}

static unsigned long long volume(const clcnn_gemm_shape *s)
{
    return (unsigned long long)s->m * (unsigned long long)s->n * (unsigned long long)s->k;
}

int clcnn_tune_runs_direct(const clcnn_gemm_shape *s, unsigned long long threshold)
{
    return volume(s) < threshold * threshold * threshold;
}

static int in_class(const measured *m, int q, int cls)
{
    return cls < 0 || clcnn_tune_shape_class(&m->shapes[q]) == cls;
}

/* Seconds per step of candidate i over the shapes of class cls (all when
 * cls < 0): only those on the direct side of threshold when direct_side is
 * 1, only the others when it is 0, all when it is -1. */
static double side_total(const measured *m, int i, int cls, unsigned long long threshold,
                         int direct_side)
{
    double total = 0;
    for (int q = 0; q < m->shape_count; q++) {
        const clcnn_gemm_shape *s = &m->shapes[q];
        if (in_class(m, q, cls) &&
            (direct_side < 0 || clcnn_tune_runs_direct(s, threshold) == direct_side))
            total += m->results[i].shape_s[q] * s->calls;
    }
    return total;
}

static int side_empty(const measured *m, int cls, unsigned long long threshold, int direct_side)
{
    for (int q = 0; q < m->shape_count; q++)
        if (in_class(m, q, cls) && clcnn_tune_runs_direct(&m->shapes[q], threshold) == direct_side)
            return 0;
    return 1;
}

/* The fastest finished candidate of a path on one side; -1 when none finished. */
static int fastest(const measured *m, int path, int cls, unsigned long long threshold,
                   int direct_side)
{
    int best = -1;
    for (int i = 0; i < m->count; i++)
        if (m->results[i].done && m->results[i].path == path &&
            (best < 0 || side_total(m, i, cls, threshold, direct_side) <
                             side_total(m, best, cls, threshold, direct_side)))
            best = i;
    return best;
}

/* The smallest threshold t with volume(s) < t^3: s and every smaller shape
 * run direct. */
static unsigned long long threshold_above(const clcnn_gemm_shape *s)
{
    unsigned long long v = volume(s), t = (unsigned long long)cbrt((double)v);
    while (t > 1 && (t - 1) * (t - 1) * (t - 1) > v)
        t--;
    while (t * t * t <= v)
        t++;
    return t;
}

static const tune_choice DEFAULTS = {-1, -1, 0, 0};

static tune_choice best_split(const measured *m, int cls)
{
    tune_choice best = DEFAULTS;
    for (int q = -1; q < m->shape_count; q++) {
        if (q >= 0 && !in_class(m, q, cls))
            continue;
        /* q = -1: every shape indirect; else shape q and the smaller ones direct */
        unsigned long long t = q < 0 ? 1 : threshold_above(&m->shapes[q]);
        int x = fastest(m, TUNE_PATH_INDIRECT, cls, t, 0);
        int d = fastest(m, TUNE_PATH_DIRECT, cls, t, 1);
        /* A side no shape of the class falls on needs no measured candidate:
         * the other side's candidate names that kernel too, unused. */
        if (x < 0 && side_empty(m, cls, t, 0))
            x = d;
        if (d < 0 && side_empty(m, cls, t, 1))
            d = x;
        if (x < 0 || d < 0)
            continue;
        double total = side_total(m, x, cls, t, 0) + side_total(m, d, cls, t, 1);
        if (best.indirect < 0 || total < best.total)
            best = (tune_choice){x, d, t, total};
    }
    return best;
}

void clcnn_tune_choose(const clcnn_gemm_shape *shapes, int shape_count,
                       const tune_result *results, int count,
                       tune_choice choice[CLCNN_TUNE_CLASSES])
{
    measured m = {shapes, shape_count, results, count};
    int defaults_win = count > 0 && results[0].done;
    tune_choice overall = best_split(&m, -1);
    for (int c = 0; c < CLCNN_TUNE_CLASSES; c++) {
        int used = 0;
        for (int q = 0; q < shape_count; q++)
            used |= in_class(&m, q, c);
        choice[c] = used ? best_split(&m, c) : overall;
        if (choice[c].indirect < 0)
            defaults_win = 1;
        else if (used)
            defaults_win &= side_total(&m, 0, c, 1, -1) <= choice[c].total;
    }
    for (int c = 0; c < CLCNN_TUNE_CLASSES && defaults_win; c++)
        choice[c] = DEFAULTS;
}

clcnn_tune_set clcnn_tune_chosen_set(const clcnn_tune_set *sets, const tune_choice *c)
{
    clcnn_tune_set set;
    memset(&set, 0, sizeof set);
    if (c->indirect < 0)
        return set;
    set = sets[c->indirect];
    set.kernels[TUNE_KERNEL_DIRECT] = sets[c->direct].kernels[TUNE_KERNEL_DIRECT];
    set.kernels[TUNE_KERNEL_ROUTINE].value[0] = (size_t)c->threshold;
    return set;
}

double clcnn_tune_chosen_time(const clcnn_gemm_shape *shapes, int q,
                              const tune_result *results,
                              const tune_choice choice[CLCNN_TUNE_CLASSES])
{
    const tune_choice *c = &choice[clcnn_tune_shape_class(&shapes[q])];
    if (c->indirect < 0)
        return results[0].done ? results[0].shape_s[q] : 0;
    int i = clcnn_tune_runs_direct(&shapes[q], c->threshold) ? c->direct : c->indirect;
    return results[i].shape_s[q];
}
