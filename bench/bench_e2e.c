/* End-to-end throughput of one path: training steps through the real
 * trainer (upload of the uint8 batch and labels, normalization, forward,
 * loss, backward, Adam) and evaluation through clcnn_evaluate(), on a
 * synthetic data set held in memory (no disk, no decoding). */
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "clcnn/data.h"
#include "clcnn/train.h"

#define BENCH_DATA_SEED 42u

/* count random images of spec's input shape with random labels 0..classes-1. */
static clcnn_status make_dataset(const clcnn_model_spec *spec, int count, int classes,
                                 clcnn_dataset *ds)
{
    memset(ds, 0, sizeof *ds);
    size_t bytes = (size_t)count * spec->c * spec->h * spec->w;
    ds->images = malloc(bytes);
    ds->labels = malloc((size_t)count * sizeof *ds->labels);
    if (!ds->images || !ds->labels) {
        clcnn_dataset_free(ds);
        return clcnn_fail(CLCNN_ERR_NOMEM, "bench: out of memory for %d synthetic images", count);
    }
    ds->count = count;
    ds->channels = spec->c;
    ds->height = spec->h;
    ds->width = spec->w;
    ds->classes = classes;
    clcnn_rng rng;
    clcnn_rng_seed(&rng, BENCH_DATA_SEED);
    for (size_t i = 0; i < bytes; i++)
        ds->images[i] = (uint8_t)(clcnn_rng_next(&rng) >> 56);
    for (int i = 0; i < count; i++)
        ds->labels[i] = (int32_t)clcnn_rng_below(&rng, (uint32_t)classes);
    return CLCNN_OK;
}

/* The recipe of the PyTorch peer (bench/peers/pytorch_cifar.py): Adam, lr
 * 1e-3, no regularization, constant rate, softmax cross-entropy. */
static clcnn_train_config bench_config(const bench_options *opt)
{
    clcnn_train_config cfg = clcnn_train_config_default();
    cfg.optimizer.kind = CLCNN_OPT_ADAM;
    cfg.optimizer.lr = 1e-3f;
    cfg.optimizer.nesterov = 0;
    cfg.optimizer.l2 = 0.0f;
    cfg.optimizer.weight_decay = 0.0f;
    cfg.schedule.kind = CLCNN_LR_CONSTANT;
    cfg.loss = CLCNN_LOSS_SOFTMAX;
    cfg.batch = opt->batch;
    cfg.unfused = opt->unfused;
    cfg.iterations = opt->warmup + opt->iters;
    return cfg;
}

/* Per-step (or per-batch) images/s statistics from the times in seconds. */
static bench_stat images_per_s(double *seconds, int count, int batch)
{
    bench_stat t = bench_stat_of(seconds, count);
    bench_stat s = {batch / t.median, batch / t.max, batch / t.min};
    return s;
}

typedef struct counts {
    uint64_t launches, transfers;
} counts;

static counts counts_now(const clcnn_backend *be)
{
    counts c = {be->counters.launches, be->counters.transfers};
    return c;
}

/* Train one step per clcnn_trainer_run() call; each call ends by reading the
 * step's loss back, so its wall time covers the whole step. */
static clcnn_status time_training(clcnn_trainer *tr, clcnn_backend *be, const bench_options *opt,
                                  double *seconds, bench_e2e *out)
{
    counts total = {0, 0};
    clcnn_dist_stats dist;
    clcnn_trainer_dist_stats(tr, &dist); /* local_batch: this rank's images per step */
    for (int i = -opt->warmup; i < opt->iters; i++) {
        clcnn_train_hooks hooks;
        memset(&hooks, 0, sizeof hooks);
        hooks.until_iteration = clcnn_trainer_iteration(tr) + 1;
        counts before = counts_now(be);
        double t0 = clcnn_now_seconds();
        clcnn_status st = clcnn_trainer_run(tr, &hooks);
        if (st == CLCNN_OK)
            st = clcnn_backend_finish(be);
        double dt = clcnn_now_seconds() - t0;
        if (st != CLCNN_OK)
            return clcnn_fail_context(st, "bench: training on %s: ", be->name);
        bench_progress("train %s step %d/%d%s: %.3f s", be->name, i + opt->warmup + 1,
                       opt->warmup + opt->iters, i < 0 ? " (warm-up)" : "", dt);
        if (i < 0)
            continue;
        seconds[i] = dt;
        total.launches += be->counters.launches - before.launches;
        total.transfers += be->counters.transfers - before.transfers;
    }
    out->train_images_per_s = images_per_s(seconds, opt->iters, dist.local_batch);
    clcnn_trainer_dist_stats(tr, &out->dist);
    out->train_launches = (double)total.launches / opt->iters;
    out->train_transfers = (double)total.transfers / opt->iters;
    return CLCNN_OK;
}

/* Evaluate the one-batch data set opt->warmup + opt->iters times. */
static clcnn_status time_evaluation(clcnn_trainer *tr, clcnn_backend *be, const clcnn_dataset *ds,
                                    const bench_options *opt, double *seconds, bench_e2e *out)
{
    counts total = {0, 0};
    for (int i = -opt->warmup; i < opt->iters; i++) {
        clcnn_eval_result r;
        counts before = counts_now(be);
        double t0 = clcnn_now_seconds();
        clcnn_status st = clcnn_evaluate(clcnn_trainer_net(tr), clcnn_trainer_mean(tr),
                                         clcnn_trainer_std(tr), ds, CLCNN_LOSS_SOFTMAX, &r);
        double dt = clcnn_now_seconds() - t0;
        if (st != CLCNN_OK)
            return clcnn_fail_context(st, "bench: evaluation on %s: ", be->name);
        clcnn_eval_result_free(&r);
        bench_progress("eval %s batch %d/%d%s: %.3f s", be->name, i + opt->warmup + 1,
                       opt->warmup + opt->iters, i < 0 ? " (warm-up)" : "", dt);
        if (i < 0)
            continue;
        seconds[i] = dt;
        total.launches += be->counters.launches - before.launches;
        total.transfers += be->counters.transfers - before.transfers;
    }
    out->eval_images_per_s = images_per_s(seconds, opt->iters, opt->batch);
    out->eval_launches = (double)total.launches / opt->iters;
    out->eval_transfers = (double)total.transfers / opt->iters;
    return CLCNN_OK;
}

clcnn_status bench_e2e_run(clcnn_backend *be, const clcnn_model_spec *spec,
                           const bench_options *opt, bench_e2e *out)
{
    memset(out, 0, sizeof *out);
    clcnn_shape shapes[CLCNN_MAX_LAYERS];
    clcnn_status st = clcnn_model_spec_shapes(spec, shapes);
    if (st != CLCNN_OK)
        return st;
    clcnn_shape last = shapes[spec->n_layers - 1];
    double *seconds = malloc((size_t)opt->iters * sizeof *seconds);
    if (!seconds)
        return clcnn_fail(CLCNN_ERR_NOMEM, "bench: out of memory");
    clcnn_dataset ds;
    clcnn_trainer *tr = NULL;
    /* The high-water mark of this run alone: what training and evaluation
     * hold at most, from the storage in use now. */
    be->counters.bytes_peak = be->counters.bytes_in_use;
    uint64_t base = be->counters.bytes_in_use;
    st = make_dataset(spec, opt->batch, last.c * last.h * last.w, &ds);
    clcnn_train_config cfg = bench_config(opt);
    if (st == CLCNN_OK)
        st = opt->comm ? clcnn_trainer_create_distributed(be, spec, &ds, NULL, NULL, &cfg,
                                                          opt->comm, &tr)
                       : clcnn_trainer_create(be, spec, &ds, NULL, NULL, &cfg, &tr);
    if (st == CLCNN_OK)
        st = time_training(tr, be, opt, seconds, out);
    if (st == CLCNN_OK)
        st = time_evaluation(tr, be, &ds, opt, seconds, out);
    out->peak_bytes = be->counters.bytes_peak - base;
    out->measured = st == CLCNN_OK;
    clcnn_trainer_destroy(tr);
    clcnn_dataset_free(&ds);
    free(seconds);
    return st;
}
