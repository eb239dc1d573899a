/* Statistics of repeated measurements, progress lines. */
#include <stdarg.h>
#include <stdlib.h>

#include "bench.h"

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

bench_stat bench_stat_of(double *values, int count)
{
    qsort(values, (size_t)count, sizeof *values, compare_doubles);
    bench_stat s;
    s.min = values[0];
    s.max = values[count - 1];
    s.median = count % 2 ? values[count / 2] : 0.5 * (values[count / 2 - 1] + values[count / 2]);
    return s;
}

bench_stat bench_stat_add(bench_stat a, bench_stat b)
{
    bench_stat s = {a.median + b.median, a.min + b.min, a.max + b.max};
    return s;
}

bench_stat bench_stat_scale(bench_stat s, double factor)
{
    bench_stat r = {s.median * factor, s.min * factor, s.max * factor};
    return r;
}

void bench_progress(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("clcnn bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    fflush(stderr);
    va_end(ap);
}
