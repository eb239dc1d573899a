/* Data-parallel training: the trainer's exchanges with the other ranks (see
 * clcnn/distributed.h). The network keeps every gradient in one tensor
 * (clcnn_net_gradients), which one download moves into a flat host buffer;
 * that buffer carries the gradients, the step's loss sum and correct count,
 * a stop flag and a failure flag through a single allreduce, and one upload
 * brings the summed gradients back. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train/distributed_internal.h"
#include "train/trainer_internal.h"
#include "core/clock.h"

/* Slots after the gradients in the step buffer; the failure flag comes last
 * in every exchange. */
enum { SLOT_LOSS, SLOT_CORRECT, SLOT_STOP, STEP_EXTRA };

struct trainer_dist {
    float *buffer;        /* max(gradients + STEP_EXTRA, states) + 1 floats */
    size_t param_floats;  /* the parameter count */
    size_t grad_floats;   /* the gradient tensor's floats: the parameters and the
                           * alignment gaps between them */
    int synced;           /* rank 0's state has been broadcast */
    long averaged_at;     /* iteration of the last average of the states */
    int stop_agreed;      /* some rank asked to stop at the last step */
    const volatile sig_atomic_t *stop;
    long steps;
    double reduce_seconds, sync_seconds, reduce_min_seconds;
};

clcnn_status trainer_dist_init(clcnn_trainer *t)
{
    trainer_dist *d = calloc(1, sizeof *d);
    if (!d)
        return clcnn_fail(CLCNN_ERR_NOMEM, "distributed training: out of memory");
    t->dist = d;
    d->averaged_at = -1;
    d->param_floats = clcnn_model_spec_param_count(&t->spec);
    const clcnn_tensor *grads = clcnn_net_gradients(t->net);
    if (!grads)
        return clcnn_fail(CLCNN_ERR_ARG, "distributed training: the network's gradients are not "
                          "in one tensor (flat_gradients)");
    d->grad_floats = grads->count;
    size_t floats = d->grad_floats + STEP_EXTRA;
    size_t states = clcnn_net_flat_count(t->net) - d->param_floats;
    if (states > floats)
        floats = states;
    d->buffer = malloc(sizeof(float) * (floats + 1));
    if (!d->buffer)
        return clcnn_fail(CLCNN_ERR_NOMEM, "distributed training: out of memory for the %zu-float "
                          "gradient buffer", floats + 1);
    return CLCNN_OK;
}

void trainer_dist_free(trainer_dist *d)
{
    if (!d)
        return;
    free(d->buffer);
    free(d);
}

/* Sum buffer[0 .. count) over the ranks, with this rank's local status as a
 * failure flag in buffer[count]: any failure is then returned on every rank.
 * The allreduce's time is added to *clock (may be NULL). */
static clcnn_status exchange(clcnn_trainer *t, clcnn_status local, size_t count, double *clock)
{
    trainer_dist *d = t->dist;
    d->buffer[count] = local != CLCNN_OK ? 1.0f : 0.0f;
    double start = clcnn_now_seconds();
    clcnn_status st = t->comm->ops->allreduce_sum(t->comm, d->buffer, count + 1);
    if (clock)
        *clock += clcnn_now_seconds() - start;
    if (st != CLCNN_OK)
        return st;
    return d->buffer[count] > 0 ? clcnn_comm_agree(t->comm, local) : CLCNN_OK;
}

/* Copy the gradient tensor to (to_host) or from the step buffer: one
 * transfer. */
static clcnn_status move_gradients(clcnn_trainer *t, int to_host)
{
    clcnn_tensor *g = clcnn_net_gradients(t->net);
    clcnn_status st = to_host ? clcnn_tensor_download(g, 0, g->count, t->dist->buffer)
                              : clcnn_tensor_upload(g, 0, g->count, t->dist->buffer);
    return st == CLCNN_OK ? st : clcnn_fail_context(st, "gradient exchange: ");
}

clcnn_status trainer_dist_sync_step(clcnn_trainer *t, clcnn_status local, clcnn_tensor *stats)
{
    trainer_dist *d = t->dist;
    float *extra = d->buffer + d->grad_floats;
    /* The step's device work first, so that the clock below sees only the
     * exchange (the gradients' download would otherwise wait for backward). */
    if (local == CLCNN_OK)
        local = clcnn_backend_finish(t->backend);
    double start = clcnn_now_seconds(), reduced = d->reduce_seconds;
    if (local == CLCNN_OK)
        local = move_gradients(t, 1);
    if (local == CLCNN_OK)
        local = clcnn_tensor_download(stats, 0, 2, extra + SLOT_LOSS);
    extra[SLOT_STOP] = d->stop && *d->stop ? 1.0f : 0.0f;
    clcnn_status st = exchange(t, local, d->grad_floats + STEP_EXTRA, &d->reduce_seconds);
    if (st != CLCNN_OK)
        return st;
    reduced = d->reduce_seconds - reduced;
    if (d->steps == 0 || reduced < d->reduce_min_seconds)
        d->reduce_min_seconds = reduced;
    d->stop_agreed = extra[SLOT_STOP] > 0;
    if (!isfinite(extra[SLOT_LOSS])) {
        t->comm->failure_shared = 1;
        return trainer_fail_loss(extra[SLOT_LOSS], t->iteration + 1, t->epoch + 1);
    }
    /* The ring slot then holds the whole global batch's results, as for one
     * process. */
    st = move_gradients(t, 0);
    if (st == CLCNN_OK)
        st = clcnn_tensor_upload(stats, 0, 2, extra + SLOT_LOSS);
    d->steps++;
    d->sync_seconds += clcnn_now_seconds() - start;
    return st;
}

clcnn_status trainer_dist_average_states(clcnn_trainer *t)
{
    /* Averaging equal values again could still change their last bit (a sum
     * of three rounds): once per iteration. */
    if (!t->comm || t->dist->averaged_at == t->iteration)
        return CLCNN_OK;
    int count = 0;
    const clcnn_state *states = clcnn_net_states(t->net, &count);
    size_t floats = 0;
    clcnn_status local = CLCNN_OK;
    for (int i = 0; i < count && local == CLCNN_OK; i++) {
        local = clcnn_tensor_download(states[i].value, 0, states[i].value->count,
                                      t->dist->buffer + floats);
        floats += states[i].value->count;
    }
    clcnn_status st = exchange(t, local, floats, NULL);
    const float inv = 1.0f / (float)t->comm->size;
    for (size_t i = 0; st == CLCNN_OK && i < floats; i++)
        t->dist->buffer[i] *= inv;
    floats = 0;
    for (int i = 0; i < count && st == CLCNN_OK; i++) {
        st = clcnn_tensor_upload(states[i].value, 0, states[i].value->count,
                                 t->dist->buffer + floats);
        floats += states[i].value->count;
    }
    if (st == CLCNN_OK)
        t->dist->averaged_at = t->iteration;
    return st == CLCNN_OK ? st : clcnn_fail_context(st, "averaging batchnorm statistics: ");
}

/* The whole trained state as floats: clcnn_net_get_flat()'s parameters and
 * states, then every parameter's optimizer state m, then v; to_host copies it
 * into all, else from all onto the backend. */
static clcnn_status move_state(clcnn_trainer *t, float *all, int to_host)
{
    clcnn_status st = to_host ? clcnn_net_get_flat(t->net, all) : clcnn_net_set_flat(t->net, all);
    float *at = all + clcnn_net_flat_count(t->net);
    int count = 0;
    const clcnn_param *params = clcnn_net_params(t->net, &count);
    for (int which = 0; which < t->optimizer_states; which++)
        for (int i = 0; i < count && st == CLCNN_OK; i++) {
            clcnn_tensor *s = which == 0 ? params[i].m : params[i].v;
            st = to_host ? clcnn_tensor_download(s, 0, s->count, at)
                         : clcnn_tensor_upload(s, 0, s->count, at);
            at += s->count;
        }
    return st;
}

/* Rank 0's parameters, states and optimizer state (m, v) to every rank. */
static clcnn_status broadcast_state(clcnn_trainer *t)
{
    clcnn_comm *c = t->comm;
    const size_t flat = clcnn_net_flat_count(t->net), opt = t->dist->param_floats;
    const size_t floats = flat + (size_t)t->optimizer_states * opt;
    float *all = malloc(sizeof(float) * (floats ? floats : 1));
    clcnn_status local = all ? CLCNN_OK
                             : clcnn_fail(CLCNN_ERR_NOMEM, "broadcasting the parameters: out of "
                                          "memory");
    if (local == CLCNN_OK && c->rank == 0)
        local = move_state(t, all, 1);
    clcnn_status st = clcnn_comm_agree(c, local);
    if (st == CLCNN_OK)
        st = c->ops->broadcast(c, all, sizeof(float) * floats, 0);
    local = st;
    if (st == CLCNN_OK && c->rank != 0)
        local = move_state(t, all, 0);
    if (st == CLCNN_OK)
        st = clcnn_comm_agree(c, local);
    free(all);
    return st;
}

clcnn_status trainer_dist_begin_run(clcnn_trainer *t, const volatile sig_atomic_t *stop)
{
    if (!t->comm)
        return CLCNN_OK;
    t->dist->stop = stop;
    t->dist->stop_agreed = 0;
    if (t->dist->synced)
        return CLCNN_OK;
    clcnn_status st = broadcast_state(t);
    if (st != CLCNN_OK)
        return clcnn_fail_context(st, "distributed training: starting the run: ");
    t->dist->synced = 1;
    return CLCNN_OK;
}

int trainer_stop_requested(clcnn_trainer *t, const volatile sig_atomic_t *stop)
{
    if (!t->comm)
        return stop && *stop;
    if (t->dist->stop_agreed)
        t->comm->failure_shared = 1; /* every rank stops at this step */
    return t->dist->stop_agreed;
}

void trainer_batch_share(const clcnn_trainer *t, int n, int *first, int *count)
{
    if (!t->comm) {
        *first = 0;
        *count = n;
        return;
    }
    clcnn_comm_shard(n, t->comm->rank, t->comm->size, first, count);
}

uint32_t trainer_dropout_step(const clcnn_trainer *t)
{
    if (!t->comm)
        return (uint32_t)t->iteration;
    return (uint32_t)(t->iteration * t->comm->size + t->comm->rank);
}

clcnn_status clcnn_trainer_create_distributed(clcnn_backend *backend,
                                              const clcnn_model_spec *spec,
                                              const clcnn_dataset *train,
                                              const clcnn_dataset *val,
                                              const clcnn_dataset *test,
                                              const clcnn_train_config *cfg, clcnn_comm *comm,
                                              clcnn_trainer **out)
{
    *out = NULL;
    if (cfg->batch < comm->size)
        return clcnn_fail(CLCNN_ERR_ARG, "creating the trainer: batch %d is smaller than the %d "
                          "ranks (every rank needs at least one image per step)", cfg->batch,
                          comm->size);
    return trainer_create(backend, spec, train, val, test, cfg, comm, out);
}

void clcnn_trainer_dist_stats(const clcnn_trainer *t, clcnn_dist_stats *out)
{
    memset(out, 0, sizeof *out);
    out->size = 1;
    out->local_batch = t->local_batch;
    if (!t->comm)
        return;
    out->rank = t->comm->rank;
    out->size = t->comm->size;
    out->steps = t->dist->steps;
    out->bytes_per_step = sizeof(float) * (t->dist->grad_floats + STEP_EXTRA + 1);
    out->reduce_seconds = t->dist->reduce_seconds;
    out->reduce_min_seconds = t->dist->reduce_min_seconds;
    out->sync_seconds = t->dist->sync_seconds;
}
