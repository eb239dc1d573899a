/* Loading an image-folder data set: every listed file decoded and fitted to
 * the requested size once, by a pool of threads (one per core), straight
 * into the data set's uint8 memory, or mapped from its cache (folder_cache.c).
 * The calling thread only reports progress; the result does not depend on
 * the threads' timing. */
#include "data/dataset_internal.h"
#include "data/folder.h"

#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_SIDE 32
#define PROGRESS_NS 100000000L /* 0.1 s between progress reports */

typedef struct decode_job {
    const folder_list *list;
    clcnn_dataset *out;
    int skip_bad;
    atomic_int next, done, stop;
    char **errors; /* per file: the message of its failure, or NULL */
} decode_job;

/* Decode and fit file i into its slot of job->out; the message on failure. */
static char *decode_one(decode_job *job, int i)
{
    clcnn_dataset *ds = job->out;
    clcnn_image raw, fitted;
    clcnn_status st = clcnn_image_read(job->list->paths[i], &raw);
    if (st == CLCNN_OK) {
        st = clcnn_image_fit(&raw, ds->channels, ds->height, ds->width, &fitted);
        clcnn_image_free(&raw);
        if (st != CLCNN_OK)
            clcnn_fail_context(st, "%s: ", job->list->paths[i]);
    }
    if (st != CLCNN_OK) {
        char *message = strdup(clcnn_last_error());
        return message ? message : strdup("out of memory");
    }
    memcpy(ds->images + (size_t)i * dataset_image_size(ds), fitted.pixels,
           dataset_image_size(ds));
    clcnn_image_free(&fitted);
    return NULL;
}

static void *decode_worker(void *arg)
{
    decode_job *job = arg;
    for (;;) {
        int i = atomic_fetch_add(&job->next, 1);
        if (i >= job->list->count || atomic_load(&job->stop))
            return NULL;
        job->errors[i] = decode_one(job, i);
        if (job->errors[i] && !job->skip_bad)
            atomic_store(&job->stop, 1); /* one bad file fails the load: stop early */
        atomic_fetch_add(&job->done, 1);
    }
}

static int thread_count(const clcnn_load_options *opt, int files)
{
    long cores = opt->threads > 0 ? opt->threads : sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1)
        cores = 1;
    if (cores > 256)
        cores = 256;
    return cores > files ? (files > 0 ? files : 1) : (int)cores;
}

/* Run the pool; the calling thread reports progress until it is done. */
static clcnn_status run_pool(decode_job *job, const clcnn_load_options *opt, const char *dir)
{
    int threads = thread_count(opt, job->list->count), started = 0;
    pthread_t *ids = malloc(sizeof *ids * (size_t)threads);
    if (!ids)
        return clcnn_fail(CLCNN_ERR_NOMEM, "%s: out of memory for the decoding threads", dir);
    while (started < threads && pthread_create(&ids[started], NULL, decode_worker, job) == 0)
        ++started;
    if (started == 0)
        decode_worker(job); /* no thread could start: decode here */
    while (started > 0 && atomic_load(&job->done) < job->list->count && !atomic_load(&job->stop)) {
        struct timespec pause = {0, PROGRESS_NS};
        nanosleep(&pause, NULL);
        if (opt->progress)
            opt->progress(atomic_load(&job->done), job->list->count, opt->user);
    }
    for (int t = 0; t < started; ++t)
        pthread_join(ids[t], NULL);
    free(ids);
    if (opt->progress)
        opt->progress(atomic_load(&job->done), job->list->count, opt->user);
    return CLCNN_OK;
}

/* Drop the images that failed (with skip_bad), reporting each in order;
 * else fail with the first failure in file order. */
static clcnn_status settle_failures(decode_job *job, const clcnn_load_options *opt,
                                    const char *split_path)
{
    clcnn_dataset *ds = job->out;
    size_t size = dataset_image_size(ds);
    int kept = 0, skipped = 0;
    for (int i = 0; i < job->list->count; ++i) {
        if (job->errors[i]) {
            if (!opt->skip_bad)
                return clcnn_fail(CLCNN_ERR_FORMAT, "%s", job->errors[i]);
            if (opt->skipped)
                opt->skipped(job->errors[i], opt->user);
            ++skipped;
            continue;
        }
        if (kept != i) {
            memcpy(ds->images + (size_t)kept * size, ds->images + (size_t)i * size, size);
            ds->labels[kept] = ds->labels[i];
        }
        ++kept;
    }
    if (kept == 0)
        return clcnn_fail(CLCNN_ERR_FORMAT, "%s: none of its %d images could be read", split_path,
                          job->list->count);
    ds->count = kept;
    return CLCNN_OK;
}

/* The class names of a data set mapped from the cache; progress says done. */
static clcnn_status load_class_names(clcnn_dataset *out, const folder_list *list,
                                     const clcnn_load_options *opt)
{
    out->classes = list->classes;
    out->class_names = calloc((size_t)list->classes, sizeof *out->class_names);
    if (!out->class_names)
        return clcnn_fail(CLCNN_ERR_NOMEM, "loading a cached image folder: out of memory");
    if (opt->progress)
        opt->progress(list->count, list->count, opt->user);
    return dataset_set_class_names(out, (const char *const *)list->class_names);
}

clcnn_status clcnn_load_folder(const char *dir, clcnn_data_split split,
                               const clcnn_load_options *options, clcnn_dataset *out)
{
    clcnn_load_options defaults = {.format = CLCNN_DATA_FOLDER};
    const clcnn_load_options *opt = options ? options : &defaults;
    memset(out, 0, sizeof *out);
    int c = opt->channels ? opt->channels : 3, h = opt->height ? opt->height : DEFAULT_SIDE,
        w = opt->width ? opt->width : DEFAULT_SIDE;
    if ((c != 1 && c != 3) || h < 1 || w < 1 || h > CLCNN_IMAGE_MAX_SIDE ||
        w > CLCNN_IMAGE_MAX_SIDE)
        return clcnn_fail(CLCNN_ERR_ARG, "loading %s: image size %d x %d x %d: expected 1 or 3 "
                          "channels and sides of 1 .. %d", dir, c, h, w, CLCNN_IMAGE_MAX_SIDE);
    folder_list list;
    clcnn_status st = folder_list_split(dir, split, &list);
    if (st != CLCNN_OK)
        return st;
    if (opt->cache && folder_cache_open(dir, split, &list, c, h, w, out)) {
        st = load_class_names(out, &list, opt);
        folder_list_free(&list);
        if (st != CLCNN_OK)
            clcnn_dataset_free(out);
        return st;
    }
    st = dataset_alloc(out, list.count, c, h, w, list.classes);
    if (st == CLCNN_OK)
        st = dataset_set_class_names(out, (const char *const *)list.class_names);
    decode_job job = {.list = &list, .out = out, .skip_bad = opt->skip_bad};
    job.errors = calloc((size_t)list.count + 1, sizeof *job.errors);
    if (st == CLCNN_OK && !job.errors)
        st = clcnn_fail(CLCNN_ERR_NOMEM, "loading %s: out of memory", dir);
    if (st == CLCNN_OK) {
        memcpy(out->labels, list.labels, sizeof *list.labels * (size_t)list.count);
        st = run_pool(&job, opt, dir);
    }
    if (st == CLCNN_OK) {
        char split_path[4096];
        snprintf(split_path, sizeof split_path, "%s/%s", dir, folder_split_name(split));
        st = settle_failures(&job, opt, split_path);
    }
    if (st == CLCNN_OK && opt->cache && out->count == list.count)
        folder_cache_write(dir, split, &list, out); /* only a set that skipped nothing */
    for (int i = 0; job.errors && i < list.count; ++i)
        free(job.errors[i]);
    free(job.errors);
    folder_list_free(&list);
    if (st != CLCNN_OK)
        clcnn_dataset_free(out);
    return st;
}
