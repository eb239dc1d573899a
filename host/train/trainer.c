/* The trainer: creation (network, loader, normalization, device buffers),
 * accessors and evaluation on its validation and test sets. The training
 * loop itself is in train_loop.c. */
#include <stdlib.h>
#include <string.h>

#include "train/distributed_internal.h"
#include "train/trainer_internal.h"

/* A channel whose pixels are all equal has std 0; dividing by 1 instead keeps
 * it finite (it carries no information either way). */

static clcnn_status check_data(const clcnn_dataset *ds, const char *what,
                               const clcnn_model_spec *spec, int outputs)
{
    if (ds->channels != spec->c || ds->height != spec->h || ds->width != spec->w)
        return clcnn_fail(CLCNN_ERR_ARG, "%s images are %dx%dx%d but model %s expects %dx%dx%d",
                          what, ds->channels, ds->height, ds->width, spec->source, spec->c,
                          spec->h, spec->w);
    if (ds->classes != outputs)
        return clcnn_fail(CLCNN_ERR_ARG, "%s set has %d classes but model %s has %d outputs", what,
                          ds->classes, spec->source, outputs);
    return CLCNN_OK;
}

static int optimizer_state_count(clcnn_optimizer_kind kind)
{
    switch (kind) {
    case CLCNN_OPT_SGD: return 0;
    case CLCNN_OPT_ADAM: return 2;
    case CLCNN_OPT_MOMENTUM:
    case CLCNN_OPT_RMSPROP: break;
    }
    return 1;
}

static clcnn_status compute_normalization(clcnn_trainer *t)
{
    const int C = t->train->channels;
    t->mean = malloc(sizeof(float) * C);
    t->std = malloc(sizeof(float) * C);
    t->channels = C;
    if (!t->mean || !t->std)
        return clcnn_fail(CLCNN_ERR_NOMEM, "normalization statistics: out of memory");
    return clcnn_input_scaling_values(&t->cfg, t->train, t->mean, t->std);
}

static clcnn_status alloc_step_buffers(clcnn_trainer *t, int outputs)
{
    const clcnn_dataset *ds = t->train;
    const int B = t->local_batch;
    clcnn_shape img = clcnn_shape_make(B, ds->channels, ds->height, ds->width);
    clcnn_status st = clcnn_tensor_alloc(t->backend, &t->images, img, CLCNN_U8, "train.images");
    if (st == CLCNN_OK)
        st = clcnn_tensor_alloc(t->backend, &t->labels, clcnn_shape_make(B, 1, 1, 1), CLCNN_I32,
                                "train.labels");
    if (st == CLCNN_OK)
        st = clcnn_tensor_alloc(t->backend, &t->input, img, CLCNN_REAL, "train.input");
    if (st == CLCNN_OK)
        st = clcnn_tensor_alloc(t->backend, &t->dlogits, clcnn_shape_make(B, outputs, 1, 1),
                                CLCNN_REAL, "train.dlogits");
    return st;
}

static clcnn_status create_loader(clcnn_trainer *t)
{
    clcnn_loader_options lo = clcnn_loader_options_default(t->cfg.batch);
    lo.shuffle = 1;
    lo.crop_pad = t->cfg.crop_pad;
    lo.flip = t->cfg.flip;
    lo.drop_last = 1; /* equal batches: batchnorm statistics of a tiny batch are noise */
    lo.seed = t->cfg.seed;
    clcnn_status st = clcnn_loader_create(t->train, &lo, &t->loader);
    if (st != CLCNN_OK)
        return st;
    t->epoch_steps = clcnn_loader_batches_per_epoch(t->loader);
    t->total_iterations =
        t->cfg.iterations > 0 ? t->cfg.iterations : (long)t->cfg.epochs * t->epoch_steps;
    return CLCNN_OK;
}

static clcnn_status create_parts(clcnn_trainer *t)
{
    const int outputs = trainer_spec_outputs(&t->spec);
    clcnn_status st = check_data(t->train, "training", &t->spec, outputs);
    if (st == CLCNN_OK && t->val)
        st = check_data(t->val, "validation", &t->spec, outputs);
    if (st == CLCNN_OK && t->test)
        st = check_data(t->test, "test", &t->spec, outputs);
    if (st == CLCNN_OK && t->train->count < t->cfg.batch)
        st = clcnn_fail(CLCNN_ERR_ARG, "the training set has %d images, fewer than one batch of %d",
                        t->train->count, t->cfg.batch);
    if (st == CLCNN_OK)
        st = compute_normalization(t);
    /* Parameters from the low and high halves of the 64-bit seed together. */
    uint32_t net_seed = (uint32_t)(t->cfg.seed ^ (t->cfg.seed >> 32));
    /* Distributed: the gradients in one tensor, one transfer each way a step. */
    clcnn_net_options net_opts = {.flat_gradients = t->comm != NULL, .unfused = t->cfg.unfused};
    if (st == CLCNN_OK)
        st = clcnn_net_create_ex(t->backend, &t->spec, t->local_batch, net_seed, &net_opts,
                                 &t->net);
    t->optimizer_states = optimizer_state_count(t->cfg.optimizer.kind);
    if (st == CLCNN_OK)
        st = clcnn_net_alloc_optimizer_state(t->net, t->optimizer_states);
    if (st == CLCNN_OK)
        st = create_loader(t);
    if (st == CLCNN_OK)
        st = alloc_step_buffers(t, outputs);
    if (st == CLCNN_OK && t->comm)
        st = trainer_dist_init(t);
    return st;
}

clcnn_status clcnn_trainer_create(clcnn_backend *backend, const clcnn_model_spec *spec,
                                  const clcnn_dataset *train, const clcnn_dataset *val,
                                  const clcnn_dataset *test, const clcnn_train_config *cfg,
                                  clcnn_trainer **out)
{
    return trainer_create(backend, spec, train, val, test, cfg, NULL, out);
}

clcnn_status trainer_create(clcnn_backend *backend, const clcnn_model_spec *spec,
                            const clcnn_dataset *train, const clcnn_dataset *val,
                            const clcnn_dataset *test, const clcnn_train_config *cfg,
                            clcnn_comm *comm, clcnn_trainer **out)
{
    *out = NULL;
    clcnn_status st = clcnn_train_config_validate(cfg);
    if (st != CLCNN_OK)
        return st;
    clcnn_trainer *t = calloc(1, sizeof *t);
    if (!t)
        return clcnn_fail(CLCNN_ERR_NOMEM, "creating the trainer: out of memory");
    t->backend = backend;
    t->spec = *spec;
    t->cfg = *cfg;
    t->train = train;
    t->val = val && val->count > 0 ? val : NULL;
    t->test = test && test->count > 0 ? test : NULL;
    t->comm = comm;
    t->local_batch = cfg->batch;
    if (comm) { /* rank 0 takes the largest share */
        int first = 0;
        clcnn_comm_shard(cfg->batch, 0, comm->size, &first, &t->local_batch);
    }
    if (cfg->dropout >= 0)
        for (int i = 0; i < t->spec.n_layers; i++)
            if (t->spec.layers[i].kind == CLCNN_LAYER_DROPOUT)
                t->spec.layers[i].p = cfg->dropout;
    st = create_parts(t);
    if (st != CLCNN_OK) {
        clcnn_trainer_destroy(t);
        return clcnn_fail_context(st, "creating the trainer: ");
    }
    *out = t;
    return CLCNN_OK;
}

void clcnn_trainer_destroy(clcnn_trainer *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->ring_size; i++)
        clcnn_tensor_free(&t->ring[i]);
    free(t->ring);
    free(t->ring_count);
    clcnn_tensor_free(&t->images);
    clcnn_tensor_free(&t->labels);
    clcnn_tensor_free(&t->input);
    clcnn_tensor_free(&t->dlogits);
    clcnn_loader_destroy(t->loader);
    clcnn_net_destroy(t->net);
    trainer_dist_free(t->dist);
    free(t->mean);
    free(t->std);
    free(t);
}

static clcnn_status evaluate_on(clcnn_trainer *t, const clcnn_dataset *ds, const char *what,
                                clcnn_tta tta, clcnn_eval_result *out)
{
    memset(out, 0, sizeof *out);
    if (!ds)
        return clcnn_fail(CLCNN_ERR_ARG, "evaluation: the trainer has no %s set", what);
    clcnn_status st = clcnn_evaluate_tta(t->net, t->mean, t->std, ds, t->cfg.loss, tta, out);
    return st == CLCNN_OK ? st : clcnn_fail_context(st, "%s set: ", what);
}

clcnn_status clcnn_trainer_evaluate_val(clcnn_trainer *t, clcnn_eval_result *out)
{
    return evaluate_on(t, t->val, "validation", CLCNN_TTA_NONE, out);
}

clcnn_status clcnn_trainer_evaluate_test(clcnn_trainer *t, clcnn_eval_result *out)
{
    return evaluate_on(t, t->test, "test", t->cfg.tta, out);
}

clcnn_net *clcnn_trainer_net(const clcnn_trainer *t) { return t->net; }
const clcnn_train_config *clcnn_trainer_config(const clcnn_trainer *t) { return &t->cfg; }
long clcnn_trainer_iteration(const clcnn_trainer *t) { return t->iteration; }
long clcnn_trainer_total_iterations(const clcnn_trainer *t) { return t->total_iterations; }
int clcnn_trainer_done(const clcnn_trainer *t) { return t->iteration >= t->total_iterations; }
const float *clcnn_trainer_mean(const clcnn_trainer *t) { return t->mean; }
const float *clcnn_trainer_std(const clcnn_trainer *t) { return t->std; }
