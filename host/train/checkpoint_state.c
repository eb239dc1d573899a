/* Checkpoints <-> trainers and networks: capturing a trainer's whole state,
 * restoring it for a bit-exact resume, and networks for inference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/trainer_internal.h"

static char *spec_text(const clcnn_model_spec *spec)
{
    size_t n = clcnn_model_spec_format(spec, NULL, 0);
    char *text = malloc(n + 1);
    if (text)
        clcnn_model_spec_format(spec, text, n + 1);
    return text;
}

static float *copy_floats(const float *src, size_t n)
{
    float *dst = malloc(sizeof(float) * (n ? n : 1));
    if (dst && n)
        memcpy(dst, src, sizeof(float) * n);
    return dst;
}

/* Download every parameter's optimizer state (which = 0: m, 1: v) into dst. */
static clcnn_status download_optimizer_state(const clcnn_net *net, int which, float *dst)
{
    int count = 0;
    const clcnn_param *params = clcnn_net_params(net, &count);
    size_t at = 0;
    for (int i = 0; i < count; i++) {
        const clcnn_tensor *s = which == 0 ? params[i].m : params[i].v;
        clcnn_status st = clcnn_tensor_download(s, 0, s->count, dst + at);
        if (st != CLCNN_OK)
            return st;
        at += s->count;
    }
    return CLCNN_OK;
}

static clcnn_status upload_optimizer_state(clcnn_net *net, int which, const float *src)
{
    int count = 0;
    const clcnn_param *params = clcnn_net_params(net, &count);
    size_t at = 0;
    for (int i = 0; i < count; i++) {
        clcnn_tensor *s = which == 0 ? params[i].m : params[i].v;
        clcnn_status st = clcnn_tensor_upload(s, 0, s->count, src + at);
        if (st != CLCNN_OK)
            return st;
        at += s->count;
    }
    return CLCNN_OK;
}

static clcnn_status copy_class_names(const clcnn_dataset *ds, clcnn_checkpoint *k)
{
    k->classes = ds->classes;
    k->class_names = calloc((size_t)ds->classes, sizeof(char *));
    if (!k->class_names)
        return clcnn_fail(CLCNN_ERR_NOMEM, "checkpoint: out of memory");
    for (int i = 0; i < ds->classes; i++) {
        const char *name = ds->class_names && ds->class_names[i] ? ds->class_names[i] : "";
        if (!(k->class_names[i] = strdup(name)))
            return clcnn_fail(CLCNN_ERR_NOMEM, "checkpoint: out of memory");
    }
    return CLCNN_OK;
}

static clcnn_status snapshot_parts(clcnn_trainer *t, clcnn_checkpoint *k)
{
    k->model_text = spec_text(&t->spec);
    k->spec = t->spec;
    k->config = t->cfg;
    k->train_count = t->train->count;
    k->iteration = t->iteration;
    k->total_iterations = t->total_iterations;
    k->epoch_loss_sum = t->stats.loss_sum;
    k->epoch_correct = t->stats.correct;
    k->epoch_seconds = t->stats.seconds;
    k->epoch_images = t->stats.images;
    clcnn_loader_get_state(t->loader, &k->loader);
    k->channels = t->channels;
    k->mean = copy_floats(t->mean, (size_t)t->channels);
    k->std = copy_floats(t->std, (size_t)t->channels);
    k->flat_count = clcnn_net_flat_count(t->net);
    k->flat = malloc(sizeof(float) * (k->flat_count ? k->flat_count : 1));
    k->optimizer_states = t->optimizer_states;
    k->optimizer_count = clcnn_model_spec_param_count(&t->spec);
    if (k->optimizer_states >= 1)
        k->optimizer_m = malloc(sizeof(float) * (k->optimizer_count ? k->optimizer_count : 1));
    if (k->optimizer_states >= 2)
        k->optimizer_v = malloc(sizeof(float) * (k->optimizer_count ? k->optimizer_count : 1));
    if (!k->model_text || !k->mean || !k->std || !k->flat ||
        (k->optimizer_states >= 1 && !k->optimizer_m) ||
        (k->optimizer_states >= 2 && !k->optimizer_v))
        return clcnn_fail(CLCNN_ERR_NOMEM, "checkpoint: out of memory");
    clcnn_status st = copy_class_names(t->train, k);
    if (st == CLCNN_OK)
        st = clcnn_net_get_flat(t->net, k->flat);
    if (st == CLCNN_OK && k->optimizer_states >= 1)
        st = download_optimizer_state(t->net, 0, k->optimizer_m);
    if (st == CLCNN_OK && k->optimizer_states >= 2)
        st = download_optimizer_state(t->net, 1, k->optimizer_v);
    return st;
}

clcnn_status clcnn_trainer_snapshot(clcnn_trainer *t, clcnn_checkpoint *out)
{
    memset(out, 0, sizeof *out);
    clcnn_status st = snapshot_parts(t, out);
    if (st != CLCNN_OK) {
        clcnn_checkpoint_free(out);
        return clcnn_fail_context(st, "capturing the training state: ");
    }
    return CLCNN_OK;
}

clcnn_status clcnn_trainer_save(clcnn_trainer *t, const char *path, const char *data_dir,
                                int data_format)
{
    clcnn_checkpoint k;
    clcnn_status st = clcnn_trainer_snapshot(t, &k);
    if (st != CLCNN_OK)
        return st;
    snprintf(k.data_dir, sizeof k.data_dir, "%s", data_dir ? data_dir : "");
    k.data_format = data_format;
    st = clcnn_checkpoint_write(&k, path);
    clcnn_checkpoint_free(&k);
    return st;
}

/* "architecture mismatch" naming the first line where the two model texts
 * differ. */
static clcnn_status architecture_mismatch(const clcnn_model_spec *have,
                                          const clcnn_model_spec *want)
{
    char *a = spec_text(have), *b = spec_text(want);
    if (!a || !b) {
        free(a);
        free(b);
        return clcnn_fail(CLCNN_ERR_ARG, "architecture mismatch between the checkpoint and "
                          "model %s", have->source);
    }
    const char *pa = a, *pb = b;
    int line = 1;
    while (*pa && *pa == *pb) {
        if (*pa == '\n')
            line++;
        pa++;
        pb++;
    }
    while (pa > a && pa[-1] != '\n') /* back to the start of the differing line */
        pa--, pb--;
    int la = (int)strcspn(pa, "\n"), lb = (int)strcspn(pb, "\n");
    clcnn_status st = clcnn_fail(CLCNN_ERR_ARG, "architecture mismatch: model %s differs from the "
                                 "checkpoint's model at layer line %d: \"%.*s\" vs the "
                                 "checkpoint's \"%.*s\"", have->source, line, la, pa, lb, pb);
    free(a);
    free(b);
    return st;
}

clcnn_status clcnn_checkpoint_check_spec(const clcnn_checkpoint *k, const clcnn_model_spec *spec)
{
    return clcnn_model_spec_equal(spec, &k->spec) ? CLCNN_OK : architecture_mismatch(spec, &k->spec);
}

static clcnn_status check_compatible(const clcnn_trainer *t, const clcnn_checkpoint *k)
{
    clcnn_status st = clcnn_checkpoint_check_spec(k, &t->spec);
    if (st != CLCNN_OK)
        return st;
    if (k->flat_count != clcnn_net_flat_count(t->net))
        return clcnn_fail(CLCNN_ERR_FORMAT, "checkpoint holds %zu parameter and state values, the "
                          "network has %zu", k->flat_count, clcnn_net_flat_count(t->net));
    if (k->optimizer_states != t->optimizer_states || k->config.optimizer.kind != t->cfg.optimizer.kind)
        return clcnn_fail(CLCNN_ERR_ARG, "checkpoint was trained with optimizer %s, the run asks "
                          "for %s", clcnn_optimizer_name(&k->config.optimizer),
                          clcnn_optimizer_name(&t->cfg.optimizer));
    if (k->config.batch != t->cfg.batch)
        return clcnn_fail(CLCNN_ERR_ARG, "checkpoint was trained with batch %d, the run asks for %d",
                          k->config.batch, t->cfg.batch);
    if (k->config.seed != t->cfg.seed)
        return clcnn_fail(CLCNN_ERR_ARG, "checkpoint was trained with seed %llu, the run asks for "
                          "%llu", (unsigned long long)k->config.seed,
                          (unsigned long long)t->cfg.seed);
    if (k->train_count != t->train->count)
        return clcnn_fail(CLCNN_ERR_ARG, "checkpoint was trained on %d training images, this "
                          "training set has %d (another data set or --val?)", k->train_count,
                          t->train->count);
    if (k->channels != t->channels)
        return clcnn_fail(CLCNN_ERR_ARG, "checkpoint normalizes %d channels, the data has %d",
                          k->channels, t->channels);
    return CLCNN_OK;
}

clcnn_status clcnn_trainer_restore(clcnn_trainer *t, const clcnn_checkpoint *k)
{
    clcnn_status st = check_compatible(t, k);
    if (st == CLCNN_OK)
        st = clcnn_net_set_flat(t->net, k->flat);
    if (st == CLCNN_OK && k->optimizer_states >= 1)
        st = upload_optimizer_state(t->net, 0, k->optimizer_m);
    if (st == CLCNN_OK && k->optimizer_states >= 2)
        st = upload_optimizer_state(t->net, 1, k->optimizer_v);
    if (st == CLCNN_OK)
        st = clcnn_loader_set_state(t->loader, &k->loader);
    if (st != CLCNN_OK)
        return clcnn_fail_context(st, "resuming from the checkpoint: ");
    memcpy(t->mean, k->mean, sizeof(float) * (size_t)k->channels);
    memcpy(t->std, k->std, sizeof(float) * (size_t)k->channels);
    t->iteration = k->iteration;
    t->ring_first = k->iteration;
    t->epoch = (long)k->loader.epoch;
    t->stats.loss_sum = k->epoch_loss_sum;
    t->stats.correct = k->epoch_correct;
    t->stats.seconds = k->epoch_seconds;
    t->stats.images = k->epoch_images;
    if (k->iteration > 0)
        t->last_lr = clcnn_train_lr_at(&t->cfg, k->iteration - 1, t->total_iterations);
    return CLCNN_OK;
}

clcnn_status clcnn_checkpoint_create_net(const clcnn_checkpoint *k, clcnn_backend *backend,
                                         int batch, clcnn_net **out)
{
    *out = NULL;
    clcnn_net *net = NULL;
    clcnn_net_options opts = {.inference = 1};
    clcnn_status st = clcnn_net_create_ex(backend, &k->spec, batch, 0, &opts, &net);
    if (st == CLCNN_OK && clcnn_net_flat_count(net) != k->flat_count)
        st = clcnn_fail(CLCNN_ERR_FORMAT, "checkpoint holds %zu parameter and state values, its "
                        "model needs %zu", k->flat_count, clcnn_net_flat_count(net));
    if (st == CLCNN_OK)
        st = clcnn_net_set_flat(net, k->flat);
    if (st != CLCNN_OK) {
        clcnn_net_destroy(net);
        return clcnn_fail_context(st, "network from checkpoint: ");
    }
    *out = net;
    return CLCNN_OK;
}
