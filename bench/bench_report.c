/* The bench's output: two text tables (per op, end to end) and the JSON file
 * with the same figures. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli_json.h"
#include "bench.h"

/* ------------------------------------------------------------------ text */

/* "%10.3f" of v, or blanks when not measured. */
static void put_num(FILE *out, int has, double v, int width, int decimals)
{
    if (has && isfinite(v))
        fprintf(out, " %*.*f", width, decimals, v);
    else
        fprintf(out, " %*s", width, "-");
}

static double gflops(double flops, double ms) { return ms > 0 ? flops / (ms * 1e6) : NAN; }

/* GB/s of a row without a GEMM: bytes read and written over wall time. */
static int has_gbs(const bench_row *row)
{
    return !row->is_gemm && !row->has_gemm && row->bytes > 0;
}
static double gbs(double bytes, double ms) { return ms > 0 ? bytes / (ms * 1e6) : NAN; }

static void print_op_row(FILE *out, const bench_row *row)
{
    const bench_timing *t = &row->t;
    int ref = t->has[BENCH_REF], cl = t->has[BENCH_CL];
    put_num(out, ref, t->wall[BENCH_REF].median, 10, 3);
    put_num(out, cl, t->wall[BENCH_CL].median, 10, 3);
    put_num(out, cl, t->cl_kernel.median, 10, 3);
    put_num(out, ref && cl, t->wall[BENCH_REF].median / t->wall[BENCH_CL].median, 7, 2);
    put_num(out, ref && row->is_gemm, gflops(row->flops, t->wall[BENCH_REF].median), 8, 2);
    put_num(out, cl && row->is_gemm, gflops(row->flops, t->wall[BENCH_CL].median), 8, 2);
    put_num(out, ref && has_gbs(row), gbs(row->bytes, t->wall[BENCH_REF].median), 8, 2);
    put_num(out, cl && has_gbs(row), gbs(row->bytes, t->wall[BENCH_CL].median), 8, 2);
    fprintf(out, "  %s", row->label);
    if (row->has_untuned)
        fprintf(out, " (CLBlast defaults: %.2f GF/s)", gflops(row->flops, row->cl_untuned.median));
    fputc('\n', out);
}

static void print_ops(const bench_report *r, FILE *out)
{
    const bench_options *o = r->opt;
    fprintf(out, "\nper op: model %s, batch %d, median of %d runs after %d warm-up (ms; ref/cl:\n"
                 "speed-up of cl; GFLOP/s of GEMMs and GB/s read + written by the other rows,\n"
                 "from wall time; kernel ms from OpenCL events, where a CLBlast GEMM reports\n"
                 "only its last kernel, so GEMM rows may undercount)\n",
            r->model, o->batch, o->iters, o->warmup);
    fprintf(out, "%11s%11s%11s%8s%9s%9s%9s%9s  %s\n", "ref ms", "cl ms", "kernel ms", "ref/cl",
            "GF/s ref", "GF/s cl", "GB/s ref", "GB/s cl", "op");
    bench_row total;
    memset(&total, 0, sizeof total);
    snprintf(total.label, sizeof total.label, "total of the rows above (one training step)");
    /* The step's breakdown on each path: GEMMs, the other ops of the rows
     * that run GEMMs (the convolutions' lowering and layout changes), the
     * rows without a GEMM. */
    double gemm_ms[BENCH_PATHS] = {0}, lowering_ms[BENCH_PATHS] = {0},
           other_ms[BENCH_PATHS] = {0};
    for (int i = 0; i < r->ops.count; i++) {
        const bench_row *row = &r->ops.rows[i];
        print_op_row(out, row);
        for (int p = 0; p < BENCH_PATHS; p++) {
            double ms = row->t.has[p] ? row->t.wall[p].median : 0;
            if (row->is_gemm)
                gemm_ms[p] += ms;
            else if (row->is_sub)
                lowering_ms[p] += ms;
            else if (!row->has_gemm)
                other_ms[p] += ms;
        }
        if (row->is_sub)
            continue;
        for (int p = 0; p < BENCH_PATHS; p++) {
            total.t.has[p] |= row->t.has[p];
            total.t.wall[p] = bench_stat_add(total.t.wall[p], row->t.wall[p]);
        }
        total.t.cl_kernel = bench_stat_add(total.t.cl_kernel, row->t.cl_kernel);
    }
    print_op_row(out, &total);
    static const char *const path_names[BENCH_PATHS] = {"ref", "cl"};
    for (int p = 0; p < BENCH_PATHS; p++)
        if (total.t.has[p])
            fprintf(out, "%s step breakdown: GEMMs %.1f ms, their lowering and layout ops %.1f ms, "
                         "the other rows %.1f ms (medians summed)\n",
                    path_names[p], gemm_ms[p], lowering_ms[p], other_ms[p]);
}

static void print_stat(FILE *out, int has, bench_stat s)
{
    char buf[64] = "-";
    if (has)
        snprintf(buf, sizeof buf, "%.1f (%.1f .. %.1f)", s.median, s.min, s.max);
    fprintf(out, " %28s", buf);
}

static void print_count(FILE *out, int has, double v, const char *unit_fmt)
{
    char buf[64] = "-";
    if (has)
        snprintf(buf, sizeof buf, unit_fmt, v);
    fprintf(out, " %28s", buf);
}

static void print_ratio(FILE *out, const bench_e2e *e, double ref, double cl)
{
    if (e[BENCH_REF].measured && e[BENCH_CL].measured && ref > 0)
        fprintf(out, " %8.2fx", cl / ref);
    fputc('\n', out);
}

static void print_e2e(const bench_report *r, FILE *out)
{
    const bench_e2e *e = r->e2e;
    const bench_options *o = r->opt;
    int ref = e[BENCH_REF].measured, cl = e[BENCH_CL].measured;
    fprintf(out, "\nend to end: model %s, batch %d, median (min .. max) of %d after %d warm-up\n",
            r->model, o->batch, o->iters, o->warmup);
    fprintf(out, "%-26s %28s %28s %9s\n", "", "ref (CPU reference)", "cl (OpenCL)", "cl/ref");
    fprintf(out, "%-26s", "train images/s");
    print_stat(out, ref, e[BENCH_REF].train_images_per_s);
    print_stat(out, cl, e[BENCH_CL].train_images_per_s);
    print_ratio(out, e, e[BENCH_REF].train_images_per_s.median,
                e[BENCH_CL].train_images_per_s.median);
    fprintf(out, "%-26s", "eval images/s");
    print_stat(out, ref, e[BENCH_REF].eval_images_per_s);
    print_stat(out, cl, e[BENCH_CL].eval_images_per_s);
    print_ratio(out, e, e[BENCH_REF].eval_images_per_s.median,
                e[BENCH_CL].eval_images_per_s.median);
    static const struct {
        const char *title;
        size_t offset;
    } counts[] = {
        {"launches per train step", offsetof(bench_e2e, train_launches)},
        {"transfers per train step", offsetof(bench_e2e, train_transfers)},
        {"launches per eval batch", offsetof(bench_e2e, eval_launches)},
        {"transfers per eval batch", offsetof(bench_e2e, eval_transfers)},
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        fprintf(out, "%-26s", counts[i].title);
        for (int p = 0; p < BENCH_PATHS; p++)
            print_count(out, e[p].measured,
                        *(const double *)((const char *)&e[p] + counts[i].offset), "%.1f");
        fputc('\n', out);
    }
    fprintf(out, "%-26s", "storage peak MiB");
    for (int p = 0; p < BENCH_PATHS; p++)
        print_count(out, e[p].measured, (double)e[p].peak_bytes / 1048576.0, "%.1f");
    fputc('\n', out);
}

void bench_report_print(const bench_report *r, FILE *out)
{
    fprintf(out, "clcnn bench: %s, model %s, batch %d\nCLBlast: %s\n", r->device_line,
            r->model, r->opt->batch,
            r->device_tuned ? "tuned parameters stored for this device (clcnn tune)"
                            : "default parameters (no tuned set stored: see clcnn tune)");
    if (r->ops.count)
        print_ops(r, out);
    if (r->e2e[BENCH_REF].measured || r->e2e[BENCH_CL].measured)
        print_e2e(r, out);
}

/* ------------------------------------------------------------------ JSON */

/* ,\n  "key": value */
static void json_key_number(FILE *f, const char *key, double v)
{
    fputs(",\n  ", f);
    json_string(f, key);
    fputs(": ", f);
    json_number(f, v);
}

/* "key", "key.min", "key.max" of a statistic */
static void json_stat(FILE *f, const char *key, bench_stat s)
{
    char name[160];
    json_key_number(f, key, s.median);
    snprintf(name, sizeof name, "%s.min", key);
    json_key_number(f, name, s.min);
    snprintf(name, sizeof name, "%s.max", key);
    json_key_number(f, name, s.max);
}

static void json_e2e(FILE *f, const bench_e2e *e)
{
    static const char *const path[BENCH_PATHS] = {"ref", "cl"};
    char key[128];
    for (int p = 0; p < BENCH_PATHS; p++) {
        if (!e[p].measured)
            continue;
        snprintf(key, sizeof key, "train.images_per_s.%s", path[p]);
        json_stat(f, key, e[p].train_images_per_s);
        snprintf(key, sizeof key, "eval.images_per_s.%s", path[p]);
        json_stat(f, key, e[p].eval_images_per_s);
        snprintf(key, sizeof key, "train.launches_per_step.%s", path[p]);
        json_key_number(f, key, e[p].train_launches);
        snprintf(key, sizeof key, "train.transfers_per_step.%s", path[p]);
        json_key_number(f, key, e[p].train_transfers);
        snprintf(key, sizeof key, "eval.launches_per_batch.%s", path[p]);
        json_key_number(f, key, e[p].eval_launches);
        snprintf(key, sizeof key, "eval.transfers_per_batch.%s", path[p]);
        json_key_number(f, key, e[p].eval_transfers);
        snprintf(key, sizeof key, "memory.peak_bytes.%s", path[p]);
        json_key_number(f, key, (double)e[p].peak_bytes);
    }
    if (e[BENCH_REF].measured && e[BENCH_CL].measured) {
        json_key_number(f, "train.cl_over_ref", e[BENCH_CL].train_images_per_s.median /
                                                    e[BENCH_REF].train_images_per_s.median);
        json_key_number(f, "eval.cl_over_ref", e[BENCH_CL].eval_images_per_s.median /
                                                   e[BENCH_REF].eval_images_per_s.median);
    }
}

/* , "key": median, "key_min": min, "key_max": max (inside an op object) */
static void json_op_stat(FILE *f, const char *key, bench_stat s)
{
    fprintf(f, ", \"%s\": ", key);
    json_number(f, s.median);
    fprintf(f, ", \"%s_min\": ", key);
    json_number(f, s.min);
    fprintf(f, ", \"%s_max\": ", key);
    json_number(f, s.max);
}

static void json_op(FILE *f, const bench_row *row)
{
    const bench_timing *t = &row->t;
    fputs("    {\"label\": ", f);
    const char *label = row->label;
    while (*label == ' ')
        label++;
    json_string(f, label);
    fprintf(f, ", \"sub\": %s", row->is_sub ? "true" : "false");
    fprintf(f, ", \"gemm\": %s", row->is_gemm ? "true" : "false");
    if (row->is_gemm)
        fprintf(f, ", \"m\": %d, \"n\": %d, \"k\": %d", row->cases[0].gemm.m,
                row->cases[0].gemm.n, row->cases[0].gemm.k);
    if (has_gbs(row)) {
        fputs(", \"bytes\": ", f);
        json_number(f, row->bytes);
    }
    fprintf(f, ", \"timed\": %s", row->n_cases ? "true" : "false");
    if (t->has[BENCH_REF]) {
        json_op_stat(f, "ref_ms", t->wall[BENCH_REF]);
        if (has_gbs(row)) {
            fputs(", \"gbs_ref\": ", f);
            json_number(f, gbs(row->bytes, t->wall[BENCH_REF].median));
        }
        if (row->is_gemm) {
            fputs(", \"gflops_ref\": ", f);
            json_number(f, gflops(row->flops, t->wall[BENCH_REF].median));
        }
    }
    if (t->has[BENCH_CL]) {
        json_op_stat(f, "cl_ms", t->wall[BENCH_CL]);
        json_op_stat(f, "cl_kernel_ms", t->cl_kernel);
        if (has_gbs(row)) {
            fputs(", \"gbs_cl\": ", f);
            json_number(f, gbs(row->bytes, t->wall[BENCH_CL].median));
        }
        if (row->is_gemm) {
            /* From wall time: CLBlast's event covers only the last of the
             * kernels a GEMM may need (transposes, padding). */
            fputs(", \"gflops_cl\": ", f);
            json_number(f, gflops(row->flops, t->wall[BENCH_CL].median));
            fputs(", \"gflops_cl_kernel_event\": ", f);
            json_number(f, gflops(row->flops, t->cl_kernel.median));
        }
        if (row->has_untuned) { /* the same GEMM with CLBlast's defaults */
            json_op_stat(f, "cl_untuned_ms", row->cl_untuned);
            fputs(", \"gflops_cl_untuned\": ", f);
            json_number(f, gflops(row->flops, row->cl_untuned.median));
        }
    }
    if (t->has[BENCH_REF] && t->has[BENCH_CL]) {
        fputs(", \"ref_over_cl\": ", f);
        json_number(f, t->wall[BENCH_REF].median / t->wall[BENCH_CL].median);
    }
    fputc('}', f);
}

clcnn_status bench_report_write_json(const bench_report *r, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return clcnn_fail(CLCNN_ERR_IO, "--json %s: cannot open for writing", path);
    fputs("{\n  \"device\": ", f);
    json_string(f, r->device);
    fputs(",\n  \"device_description\": ", f);
    json_string(f, r->device_line);
    fprintf(f, ",\n  \"device_tuned\": %s", r->device_tuned ? "true" : "false");
    fputs(",\n  \"model\": ", f);
    json_string(f, r->model);
    json_key_number(f, "batch", r->opt->batch);
    json_key_number(f, "iters", r->opt->iters);
    json_key_number(f, "warmup", r->opt->warmup);
    json_key_number(f, "unfused", r->opt->unfused);
    json_e2e(f, r->e2e);
    fputs(",\n  \"ops\": [", f);
    for (int i = 0; i < r->ops.count; i++) {
        fputs(i ? ",\n" : "\n", f);
        json_op(f, &r->ops.rows[i]);
    }
    fputs(r->ops.count ? "\n  ]\n}\n" : "]\n}\n", f);
    int failed = ferror(f);
    if (fclose(f) != 0 || failed)
        return clcnn_fail(CLCNN_ERR_IO, "--json %s: write failed", path);
    return CLCNN_OK;
}
