/* The batch loader: a worker thread fills one batch ahead into a second
 * buffer while the caller uses the first. Every batch is computed from
 * (base generator, epoch, position) alone, so thread timing cannot change it. */
#include "data/dataset_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct batch_slot {
    uint8_t *images;
    int32_t *labels;
    uint64_t epoch, position; /* set by the caller thread before the job */
    int count;
    int ready;                /* guarded by the mutex */
} batch_slot;

struct clcnn_loader {
    const clcnn_dataset *ds;
    clcnn_loader_options options;
    clcnn_rng base;
    size_t image_size;
    uint64_t epoch_length; /* images returned per epoch */

    /* Caller thread only. */
    uint64_t epoch, position; /* where the next batch starts */
    int prefetched;           /* slot being filled for (epoch, position), or -1 */

    /* Worker thread only (between jobs, also the caller under the mutex). */
    uint32_t *order;          /* this epoch's permutation when shuffling */
    uint64_t order_epoch;
    int order_valid;

    batch_slot slots[2];
    pthread_t thread;
    pthread_mutex_t mutex;
    pthread_cond_t wake; /* a job was posted, or quit */
    pthread_cond_t done; /* a job finished */
    int job;             /* slot to fill, or -1 */
    int quit;
};

clcnn_loader_options clcnn_loader_options_default(int batch_size)
{
    clcnn_loader_options options = {batch_size, 0, 0, 0, 0, 0};
    return options;
}

static void make_order(clcnn_loader *l, uint64_t epoch)
{
    uint32_t n = (uint32_t)l->ds->count;
    clcnn_rng rng = clcnn_rng_fork(&l->base, 2 * epoch);
    for (uint32_t i = 0; i < n; ++i)
        l->order[i] = i;
    for (uint32_t i = n - 1; i > 0; --i) {
        uint32_t j = clcnn_rng_below(&rng, i + 1);
        uint32_t t = l->order[i];
        l->order[i] = l->order[j];
        l->order[j] = t;
    }
    l->order_epoch = epoch;
    l->order_valid = 1;
}

static void fill_slot(clcnn_loader *l, batch_slot *slot)
{
    const clcnn_dataset *ds = l->ds;
    const clcnn_loader_options *opt = &l->options;
    int augment = opt->crop_pad > 0 || opt->flip;
    if (opt->shuffle && (!l->order_valid || l->order_epoch != slot->epoch))
        make_order(l, slot->epoch);
    clcnn_rng epoch_rng = clcnn_rng_fork(&l->base, 2 * slot->epoch + 1);
    for (int i = 0; i < slot->count; ++i) {
        uint64_t position = slot->position + (uint64_t)i;
        size_t index = opt->shuffle ? l->order[position] : (size_t)position;
        const uint8_t *src = ds->images + index * l->image_size;
        uint8_t *dst = slot->images + (size_t)i * l->image_size;
        slot->labels[i] = ds->labels[index];
        if (augment) {
            clcnn_rng rng = clcnn_rng_fork(&epoch_rng, position);
            clcnn_augment aug = clcnn_augment_draw(&rng, opt->crop_pad, opt->flip);
            clcnn_augment_apply(src, dst, ds->channels, ds->height, ds->width, opt->crop_pad, aug);
        } else {
            memcpy(dst, src, l->image_size);
        }
    }
}

static void *worker_main(void *arg)
{
    clcnn_loader *l = arg;
    pthread_mutex_lock(&l->mutex);
    for (;;) {
        while (l->job < 0 && !l->quit)
            pthread_cond_wait(&l->wake, &l->mutex);
        if (l->quit)
            break;
        batch_slot *slot = &l->slots[l->job];
        pthread_mutex_unlock(&l->mutex);
        fill_slot(l, slot);
        pthread_mutex_lock(&l->mutex);
        slot->ready = 1;
        l->job = -1;
        pthread_cond_broadcast(&l->done);
    }
    pthread_mutex_unlock(&l->mutex);
    return NULL;
}

/* Post the job of filling slot s with the batch at (epoch, position). */
static void submit(clcnn_loader *l, int s, uint64_t epoch, uint64_t position)
{
    batch_slot *slot = &l->slots[s];
    uint64_t left = l->epoch_length - position;
    pthread_mutex_lock(&l->mutex);
    slot->epoch = epoch;
    slot->position = position;
    slot->count = left < (uint64_t)l->options.batch_size ? (int)left : l->options.batch_size;
    slot->ready = 0;
    l->job = s;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->mutex);
}

static void wait_ready(clcnn_loader *l, int s)
{
    pthread_mutex_lock(&l->mutex);
    while (!l->slots[s].ready)
        pthread_cond_wait(&l->done, &l->mutex);
    pthread_mutex_unlock(&l->mutex);
}

/* Move past the end of an epoch. */
static void normalize(uint64_t length, uint64_t *epoch, uint64_t *position)
{
    if (*position >= length) {
        *epoch += 1;
        *position = 0;
    }
}

static void free_loader(clcnn_loader *l)
{
    for (int s = 0; s < 2; ++s) {
        free(l->slots[s].images);
        free(l->slots[s].labels);
    }
    free(l->order);
    free(l);
}

clcnn_status clcnn_loader_create(const clcnn_dataset *ds, const clcnn_loader_options *options,
                                 clcnn_loader **out)
{
    *out = NULL;
    if (ds->count < 1 || options->batch_size < 1 || options->crop_pad < 0 ||
        options->crop_pad > ds->height || options->crop_pad > ds->width)
        return clcnn_fail(CLCNN_ERR_ARG,
                          "batch loader: %d images, batch size %d, crop padding %d (need at "
                          "least 1 image, a batch size >= 1, padding 0 .. the image side)",
                          ds->count, options->batch_size, options->crop_pad);
    if (options->drop_last && ds->count < options->batch_size)
        return clcnn_fail(CLCNN_ERR_ARG,
                          "batch loader: %d images are fewer than one batch of %d with drop_last",
                          ds->count, options->batch_size);
    clcnn_loader *l = calloc(1, sizeof *l);
    if (!l)
        return clcnn_fail(CLCNN_ERR_NOMEM, "batch loader: out of memory");
    l->ds = ds;
    l->options = *options;
    clcnn_rng_seed(&l->base, options->seed);
    l->image_size = dataset_image_size(ds);
    l->epoch_length = options->drop_last
                          ? (uint64_t)(ds->count / options->batch_size) * (uint64_t)options->batch_size
                          : (uint64_t)ds->count;
    l->prefetched = -1;
    l->job = -1;
    size_t batch = (size_t)options->batch_size;
    l->order = malloc(sizeof(uint32_t) * (size_t)ds->count);
    int ok = l->order != NULL;
    for (int s = 0; s < 2; ++s) {
        l->slots[s].images = malloc(batch * l->image_size);
        l->slots[s].labels = malloc(batch * sizeof(int32_t));
        ok = ok && l->slots[s].images && l->slots[s].labels;
    }
    if (!ok) {
        free_loader(l);
        return clcnn_fail(CLCNN_ERR_NOMEM, "batch loader: cannot allocate two batches of %d images",
                          options->batch_size);
    }
    pthread_mutex_init(&l->mutex, NULL);
    pthread_cond_init(&l->wake, NULL);
    pthread_cond_init(&l->done, NULL);
    if (pthread_create(&l->thread, NULL, worker_main, l) != 0) {
        pthread_cond_destroy(&l->done);
        pthread_cond_destroy(&l->wake);
        pthread_mutex_destroy(&l->mutex);
        free_loader(l);
        return clcnn_fail(CLCNN_ERR_NOMEM, "batch loader: cannot start its thread");
    }
    *out = l;
    return CLCNN_OK;
}

clcnn_status clcnn_loader_next(clcnn_loader *l, clcnn_batch *batch)
{
    normalize(l->epoch_length, &l->epoch, &l->position);
    int s = l->prefetched;
    if (s < 0) {
        s = 0;
        submit(l, s, l->epoch, l->position);
    }
    wait_ready(l, s);
    const batch_slot *slot = &l->slots[s];
    batch->count = slot->count;
    batch->channels = l->ds->channels;
    batch->height = l->ds->height;
    batch->width = l->ds->width;
    batch->images = slot->images;
    batch->labels = slot->labels;
    batch->epoch = slot->epoch;
    batch->position = slot->position;
    batch->end_of_epoch = slot->position + (uint64_t)slot->count >= l->epoch_length;

    l->position += (uint64_t)slot->count;
    normalize(l->epoch_length, &l->epoch, &l->position);
    l->prefetched = 1 - s;
    submit(l, l->prefetched, l->epoch, l->position);
    return CLCNN_OK;
}

int clcnn_loader_batches_per_epoch(const clcnn_loader *l)
{
    uint64_t batch = (uint64_t)l->options.batch_size;
    return (int)((l->epoch_length + batch - 1) / batch);
}

void clcnn_loader_get_state(const clcnn_loader *l, clcnn_loader_state *state)
{
    state->epoch = l->epoch;
    state->position = l->position;
    normalize(l->epoch_length, &state->epoch, &state->position);
    state->rng = l->base;
}

clcnn_status clcnn_loader_set_state(clcnn_loader *l, const clcnn_loader_state *state)
{
    if (state->position > (uint64_t)l->ds->count)
        return clcnn_fail(CLCNN_ERR_ARG,
                          "batch loader: saved position %llu is beyond the %d images of the data set",
                          (unsigned long long)state->position, l->ds->count);
    if (l->prefetched >= 0)
        wait_ready(l, l->prefetched); /* the worker is idle from here on */
    l->prefetched = -1;
    l->epoch = state->epoch;
    l->position = state->position;
    pthread_mutex_lock(&l->mutex);
    l->base = state->rng;
    l->order_valid = 0;
    pthread_mutex_unlock(&l->mutex);
    return CLCNN_OK;
}

void clcnn_loader_destroy(clcnn_loader *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->mutex);
    l->quit = 1;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->mutex);
    pthread_join(l->thread, NULL);
    pthread_cond_destroy(&l->done);
    pthread_cond_destroy(&l->wake);
    pthread_mutex_destroy(&l->mutex);
    free_loader(l);
}
