/* The training loop: one step per batch, per-step results collected in a
 * device-side ring and read back in groups, progress reports, epoch ends. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train/distributed_internal.h"
#include "train/trainer_internal.h"
#include "core/clock.h"

#define DEFAULT_REPORT_EVERY 16
#define MAX_REPORT_EVERY 1024

/* (Re)allocate the result ring for size steps; pending results must have been
 * read back. */
static clcnn_status ring_resize(clcnn_trainer *t, int size)
{
    if (size == t->ring_size)
        return CLCNN_OK;
    for (int i = 0; i < t->ring_size; i++)
        clcnn_tensor_free(&t->ring[i]);
    free(t->ring);
    free(t->ring_count);
    t->ring_size = 0;
    t->ring = calloc((size_t)size, sizeof *t->ring);
    t->ring_count = calloc((size_t)size, sizeof *t->ring_count);
    if (!t->ring || !t->ring_count)
        return clcnn_fail(CLCNN_ERR_NOMEM, "training: out of memory for the result ring");
    t->ring_size = size;
    for (int i = 0; i < size; i++) {
        clcnn_status st = clcnn_tensor_alloc(t->backend, &t->ring[i], clcnn_shape_make(2, 1, 1, 1),
                                             CLCNN_REAL, "train.step_stats");
        if (st != CLCNN_OK)
            return st;
    }
    return CLCNN_OK;
}

clcnn_status trainer_fail_loss(float loss, long iteration, long epoch)
{
    return clcnn_fail(CLCNN_ERR_NUMERIC,
                      "training: the loss became %s at iteration %ld (epoch %ld): the learning "
                      "rate is probably too high", isnan(loss) ? "NaN" : "infinite", iteration,
                      epoch);
}

/* Read back every pending step's (loss sum, correct) into the epoch's
 * statistics; the first download waits for the device. */
static clcnn_status ring_flush(clcnn_trainer *t)
{
    for (int i = 0; i < t->ring_pending; i++) {
        float s[2];
        clcnn_status st = clcnn_tensor_download(&t->ring[i], 0, 2, s);
        if (st != CLCNN_OK)
            return clcnn_fail_context(st, "training: reading the loss: ");
        long iteration = t->ring_first + i + 1;
        if (!isfinite(s[0])) {
            t->ring_pending = 0;
            return trainer_fail_loss(s[0], iteration, t->epoch + 1);
        }
        t->stats.loss_sum += s[0];
        t->stats.correct += s[1];
        t->stats.images += t->ring_count[i];
        t->last_loss = (double)s[0] / t->ring_count[i];
    }
    t->ring_pending = 0;
    t->ring_first = t->iteration;
    return CLCNN_OK;
}

static clcnn_status optimizer_steps(clcnn_trainer *t, float lr)
{
    clcnn_backend *be = t->backend;
    int count = 0;
    const clcnn_param *params = clcnn_net_params(t->net, &count);
    for (int i = 0; i < count; i++) {
        clcnn_optimizer_step hp = t->cfg.optimizer;
        hp.lr = lr;
        hp.step = t->iteration + 1;
        if (!params[i].is_weight) { /* no regularization of biases and batchnorm */
            hp.l2 = 0.0f;
            hp.weight_decay = 0.0f;
        }
        clcnn_status st =
            be->ops->optimizer_step(be, &hp, params[i].value, params[i].grad, params[i].m,
                                    params[i].v);
        if (st != CLCNN_OK)
            return clcnn_fail_context(st, "optimizer step of %s: ", params[i].name);
    }
    return CLCNN_OK;
}

/* One step: a single upload of images and labels, everything else on the
 * backend; the step's loss and correct count go to the next ring slot. With
 * several ranks this rank trains on its share of the batch, the loss gradient
 * scaled by 1/(whole batch), and the gradients are summed over the ranks. */
static clcnn_status train_step(clcnn_trainer *t, const clcnn_batch *b)
{
    clcnn_backend *be = t->backend;
    int first = 0, n = 0;
    trainer_batch_share(t, b->count, &first, &n);
    const size_t image = (size_t)b->channels * b->height * b->width;
    clcnn_tensor images = clcnn_tensor_first_images(&t->images, n);
    clcnn_tensor labels = clcnn_tensor_first_images(&t->labels, n);
    clcnn_tensor input = clcnn_tensor_first_images(&t->input, n);
    clcnn_tensor dlogits = clcnn_tensor_first_images(&t->dlogits, n);
    clcnn_tensor *stats = &t->ring[t->ring_pending];
    const float lr = clcnn_train_lr_at(&t->cfg, t->iteration, t->total_iterations);

    clcnn_status st = clcnn_tensor_upload(&images, 0, image * n, b->images + image * first);
    if (st == CLCNN_OK)
        st = clcnn_tensor_upload(&labels, 0, (size_t)n, b->labels + first);
    if (st == CLCNN_OK)
        st = be->ops->normalize_u8(be, &images, t->mean, t->std, &input);
    if (st == CLCNN_OK)
        st = clcnn_net_forward(t->net, &t->input, n, 1, trainer_dropout_step(t));
    if (st == CLCNN_OK)
        st = be->ops->fill(be, stats, 0.0f);
    if (st == CLCNN_OK)
        st = be->ops->loss(be, t->cfg.loss, t->cfg.label_smoothing, clcnn_net_output(t->net),
                           &labels, 1.0f / b->count, &dlogits, stats);
    if (st == CLCNN_OK)
        st = clcnn_net_backward(t->net, &dlogits);
    if (t->comm) /* every rank joins, failed or not */
        st = trainer_dist_sync_step(t, st, stats);
    if (st == CLCNN_OK)
        st = optimizer_steps(t, lr);
    if (st != CLCNN_OK)
        return clcnn_fail_context(st, "training iteration %ld: ", t->iteration + 1);
    t->ring_count[t->ring_pending++] = b->count;
    t->iteration++;
    t->last_lr = lr;
    return CLCNN_OK;
}

static void fill_progress(const clcnn_trainer *t, clcnn_progress_kind kind,
                          clcnn_train_progress *p)
{
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->iteration = t->iteration;
    p->total_iterations = t->total_iterations;
    p->epoch = t->epoch;
    p->epochs = (t->total_iterations + t->epoch_steps - 1) / t->epoch_steps;
    p->epoch_steps = t->epoch_steps;
    p->epoch_step = t->iteration - t->epoch * (long)t->epoch_steps;
    p->lr = t->last_lr;
    p->last_loss = t->last_loss;
    const epoch_stats *s = &t->stats;
    if (s->images > 0) {
        p->train_loss = s->loss_sum / (double)s->images;
        p->train_accuracy = s->correct / (double)s->images;
    }
    p->seconds = s->seconds;
    p->images_per_s = s->seconds > 0 ? (double)s->images / s->seconds : 0.0;
}

/* End of an epoch (or of the run in the middle of one): validation, report,
 * and, for a whole epoch, fresh statistics for the next. */
static clcnn_status end_epoch(clcnn_trainer *t, int partial, const clcnn_train_hooks *h)
{
    clcnn_eval_result val;
    memset(&val, 0, sizeof val);
    clcnn_status st = trainer_dist_average_states(t);
    if (st == CLCNN_OK && t->val)
        st = clcnn_trainer_evaluate_val(t, &val);
    if (st == CLCNN_OK && h->progress) {
        clcnn_train_progress p;
        fill_progress(t, CLCNN_PROGRESS_EPOCH, &p);
        p.partial = partial;
        p.val = t->val ? &val : NULL;
        st = h->progress(t, &p, h->user);
    }
    clcnn_eval_result_free(&val);
    if (!partial) {
        memset(&t->stats, 0, sizeof t->stats);
        t->epoch++;
    }
    return st;
}

/* Read back the pending results and count the time since *mark as training. */
static clcnn_status flush_and_time(clcnn_trainer *t, double *mark)
{
    clcnn_status st = ring_flush(t);
    double now = clcnn_now_seconds();
    t->stats.seconds += now - *mark;
    *mark = now;
    return st;
}

static clcnn_status run_steps(clcnn_trainer *t, const clcnn_train_hooks *h, long until,
                              double *mark)
{
    double last_report = *mark;
    while (t->iteration < until) {
        if (trainer_stop_requested(t, h->stop))
            return clcnn_fail(CLCNN_ERR_INTERRUPTED, "training interrupted after iteration %ld",
                              t->iteration);
        clcnn_batch b;
        clcnn_status st = clcnn_loader_next(t->loader, &b);
        if (st != CLCNN_OK)
            return st;
        t->epoch = (long)b.epoch;
        st = train_step(t, &b);
        if (st != CLCNN_OK)
            return st;
        const int run_end = t->iteration == t->total_iterations;
        const int epoch_end = b.end_of_epoch || run_end;
        const int timely =
            h->report_seconds > 0 && clcnn_now_seconds() - last_report >= h->report_seconds;
        if (!(epoch_end || timely || t->ring_pending == t->ring_size))
            continue;
        if ((st = flush_and_time(t, mark)) != CLCNN_OK)
            return st;
        if (epoch_end) {
            st = end_epoch(t, !b.end_of_epoch, h);
        } else if (h->progress) {
            clcnn_train_progress p;
            fill_progress(t, CLCNN_PROGRESS_STEPS, &p);
            st = h->progress(t, &p, h->user);
        }
        if (st != CLCNN_OK)
            return st;
        *mark = last_report = clcnn_now_seconds(); /* validation and reports are not training time */
    }
    return CLCNN_OK;
}

clcnn_status clcnn_trainer_run(clcnn_trainer *t, const clcnn_train_hooks *hooks)
{
    clcnn_train_hooks h;
    memset(&h, 0, sizeof h);
    if (hooks)
        h = *hooks;
    if (h.report_every <= 0)
        h.report_every = DEFAULT_REPORT_EVERY;
    if (h.report_every > MAX_REPORT_EVERY)
        h.report_every = MAX_REPORT_EVERY;
    clcnn_status st = ring_resize(t, h.report_every);
    if (st == CLCNN_OK)
        st = trainer_dist_begin_run(t, h.stop);
    if (st != CLCNN_OK)
        return st;
    t->ring_first = t->iteration;
    long until = t->total_iterations;
    if (h.until_iteration > 0 && h.until_iteration < until)
        until = h.until_iteration;
    double mark = clcnn_now_seconds();
    st = run_steps(t, &h, until, &mark);
    /* Stopped between reports: keep the statistics of the steps already done
     * (a checkpoint records them). */
    if (t->ring_pending > 0 && st != CLCNN_ERR_NUMERIC) {
        clcnn_status flushed = flush_and_time(t, &mark);
        if (st == CLCNN_OK)
            st = flushed;
    }
    /* Every rank has stopped at the same step: leave them with equal states. */
    if (st == CLCNN_OK || st == CLCNN_ERR_INTERRUPTED) {
        clcnn_status averaged = trainer_dist_average_states(t);
        if (averaged != CLCNN_OK)
            st = averaged;
    }
    return st;
}
