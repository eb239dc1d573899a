/* Whole-network gradient check on the double-precision reference backend:
 * the analytic gradient of the loss from one backward pass against central
 * differences, entry by entry, for every parameter. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/net_internal.h"

#define STEP_H 1e-5
/* Dropout draws its mask from (seed, step); one fixed step keeps one mask
 * for every evaluation of the loss. */
#define FIXED_STEP 1u

typedef struct checker {
    clcnn_backend *be;
    clcnn_net *net;
    clcnn_loss_kind loss;
    float label_smoothing;
    int batch;
    clcnn_tensor input, labels, dlogits, stats;
    double loss0; /* summed loss at the true parameters */
    size_t max_entries; /* per tensor; 0: all */
} checker;

/* Loss summed over the batch at the current parameters (training mode),
 * recomputing layers from first on (the earlier ones hold this batch). The
 * check compares gradients of the sum, N times those of the mean: the loss
 * op's float grad_scale is then 1, and no rounded 1/N enters the analytic
 * side only. */
static clcnn_status summed_loss(checker *c, int first, int with_gradient, double *loss)
{
    const clcnn_backend_ops *ops = c->be->ops;
    CLCNN_TRY(nn_net_forward_from(c->net, &c->input, c->batch, 1, FIXED_STEP, first));
    CLCNN_TRY(ops->fill(c->be, &c->stats, 0.0f));
    CLCNN_TRY(ops->loss(c->be, c->loss, c->label_smoothing, clcnn_net_output(c->net), &c->labels,
                        1.0f, with_gradient ? &c->dlogits : NULL, &c->stats));
    *loss = ((const double *)clcnn_tensor_host_data(&c->stats))[0];
    return CLCNN_OK;
}

/* Random inputs and labels, and every non-weight parameter (biases, batchnorm
 * gamma and beta) moved off its initial 0 or 1 so it is checked at a general
 * point. */
static clcnn_status make_problem(checker *c, uint32_t seed)
{
    int classes = c->net->layers[c->net->n_layers - 1].out.c;
    nn_rng r = nn_rng_make(seed, 0x6772u /* "gr" */);
    float *x = malloc(c->input.count * sizeof *x);
    int32_t *y = malloc((size_t)c->batch * sizeof *y);
    clcnn_status st = CLCNN_OK;
    if (!x || !y)
        st = clcnn_fail(CLCNN_ERR_NOMEM, "gradient check: out of memory");
    for (size_t i = 0; st == CLCNN_OK && i < c->input.count; i++)
        x[i] = (float)nn_rng_normal(&r);
    for (int i = 0; st == CLCNN_OK && i < c->batch; i++)
        y[i] = (int32_t)(nn_rng_uniform(&r) * classes);
    if (st == CLCNN_OK)
        st = clcnn_tensor_upload(&c->input, 0, c->input.count, x);
    if (st == CLCNN_OK)
        st = clcnn_tensor_upload(&c->labels, 0, (size_t)c->batch, y);
    free(x);
    free(y);
    int n_params;
    const clcnn_param *params = clcnn_net_params(c->net, &n_params);
    for (int i = 0; st == CLCNN_OK && i < n_params; i++) {
        if (params[i].is_weight)
            continue;
        double *v = clcnn_tensor_host_data(params[i].value);
        for (size_t k = 0; k < params[i].value->count; k++)
            v[k] += 0.1 * nn_rng_normal(&r);
    }
    return st;
}

/* One tensor's comparison. */
typedef struct tally {
    size_t kinks;         /* entries skipped: a kink within +-h */
    double diff2, sum2;   /* ||a - n||^2, ||a + n||^2 */
    double a2, n2;        /* ||a||^2, ||n||^2 */
    double worst_rel;     /* its largest single-entry error */
    size_t worst_k;
    double worst_a, worst_n;
} tally;

static void tally_entry(tally *t, size_t k, double a, double n)
{
    double rel = fabs(a - n) / fmax(fabs(a) + fabs(n), CLCNN_GRADCHECK_ENTRY_FLOOR);
    t->diff2 += (a - n) * (a - n);
    t->sum2 += (a + n) * (a + n);
    t->a2 += a * a;
    t->n2 += n * n;
    if (rel > t->worst_rel || t->worst_rel == 0.0) {
        t->worst_rel = rel;
        t->worst_k = k;
        t->worst_a = a;
        t->worst_n = n;
    }
}

static double tally_error(const tally *t)
{
    return sqrt(t->diff2) / fmax(sqrt(t->sum2), CLCNN_GRADCHECK_FLOOR);
}

/* The RMS a finite difference shows for a zero gradient: the rounding of the
 * loss divided by the step (see clcnn/net.h). */
static double noise_rms(double loss)
{
    return 64.0 * DBL_EPSILON * fmax(fabs(loss), 1.0) / STEP_H;
}

/* A ReLU or max-pool kink within +-h makes the loss's slopes on the two
 * sides differ by a fraction of the gradient itself, while on a smooth loss
 * they differ by h * f'' (tiny): such entries say nothing about the analytic
 * gradient and are skipped (and counted). The test reads the loss only, never
 * the analytic gradient, so a wrong gradient cannot make it skip an entry. */
#define KINK_SLOPE_JUMP 1e-2

static int is_kink(double plus, double loss0, double minus)
{
    double slope_jump = fabs((plus - loss0) - (loss0 - minus)) / STEP_H;
    double numeric = fabs(plus - minus) / (2.0 * STEP_H);
    return slope_jump > KINK_SLOPE_JUMP * numeric + noise_rms(loss0);
}

/* Record tensor `name`'s tally in res; noise: noise_rms() of the loss. */
static void add_tensor(clcnn_gradcheck_result *res, const char *name, size_t count,
                       const tally *t, double noise_per_entry)
{
    clcnn_gradcheck_tensor *out = &res->tensors[res->n_tensors++];
    snprintf(out->name, sizeof out->name, "%s", name);
    out->count = count;
    out->kinks = t->kinks;
    out->rel_err = tally_error(t);
    double noise = noise_per_entry * sqrt((double)count);
    out->vanishing = sqrt(t->a2) <= noise && sqrt(t->n2) <= noise;
    res->n_checked += count;
    res->n_kinks += t->kinks;
    if (out->vanishing)
        return;
    if (out->rel_err >= res->max_rel_err) {
        res->max_rel_err = out->rel_err;
        snprintf(res->worst_tensor, sizeof res->worst_tensor, "%s", name);
    }
    if (t->worst_rel >= res->max_entry_rel_err) {
        res->max_entry_rel_err = t->worst_rel;
        res->worst_analytic = t->worst_a;
        res->worst_numeric = t->worst_n;
        snprintf(res->worst_entry, sizeof res->worst_entry, "%s[%zu]", name, t->worst_k);
    }
}

/* Compare every entry of parameter slot `slot` of layer i. */
static clcnn_status check_tensor(checker *c, int i, int slot, clcnn_gradcheck_result *res,
                                 tally *all)
{
    nn_layer *l = &c->net->layers[i];
    /* Forward passes leave the gradients alone: read them while the loss is
     * evaluated at perturbed points. */
    const double *grad = clcnn_tensor_host_data(&l->grad[slot]);
    double *value = clcnn_tensor_host_data(&l->value[slot]);
    tally t = {0};
    const size_t count = l->value[slot].count;
    const size_t stride =
        c->max_entries && count > c->max_entries ? (count + c->max_entries - 1) / c->max_entries
                                                 : 1;
    size_t visited = 0;
    for (size_t k = 0; k < count; k += stride, visited++) {
        double orig = value[k], plus, minus;
        value[k] = orig + STEP_H;
        CLCNN_TRY(summed_loss(c, i, 0, &plus));
        value[k] = orig - STEP_H;
        CLCNN_TRY(summed_loss(c, i, 0, &minus));
        value[k] = orig;
        double numeric = (plus - minus) / (2.0 * STEP_H);
        if (is_kink(plus, c->loss0, minus))
            t.kinks++;
        else
            tally_entry(&t, k, grad[k], numeric);
    }
    /* Layers from i on hold the last perturbed point: recompute them at the
     * true parameters before later layers start from them. */
    double unperturbed;
    CLCNN_TRY(summed_loss(c, i, 0, &unperturbed));
    add_tensor(res, l->param_names[slot], visited, &t, noise_rms(unperturbed));
    all->diff2 += t.diff2;
    all->sum2 += t.sum2;
    return CLCNN_OK;
}

static clcnn_status run_check(checker *c, clcnn_gradcheck_result *res)
{
    CLCNN_TRY(summed_loss(c, 0, 1, &c->loss0));
    res->loss = c->loss0 / c->batch;
    CLCNN_TRY(clcnn_net_backward(c->net, &c->dlogits));
    tally all = {0};
    for (int i = 0; i < c->net->n_layers; i++)
        for (int slot = 0; slot < c->net->layers[i].n_params; slot++)
            if (c->net->layers[i].value[slot].backend) /* a layer without bias has no slot 1 */
                CLCNN_TRY(check_tensor(c, i, slot, res, &all));
    res->global_rel_err = tally_error(&all);
    return CLCNN_OK;
}

static clcnn_status check_with(checker *c, const clcnn_model_spec *spec, uint32_t seed,
                               clcnn_gradcheck_result *res)
{
    CLCNN_TRY(clcnn_net_create(c->be, spec, c->batch, seed, &c->net));
    clcnn_shape logits = c->net->layers[c->net->n_layers - 1].out;
    logits.n = c->batch;
    clcnn_shape input = clcnn_shape_make(c->batch, spec->c, spec->h, spec->w);
    CLCNN_TRY(clcnn_tensor_alloc(c->be, &c->input, input, CLCNN_REAL, "gradcheck input"));
    CLCNN_TRY(clcnn_tensor_alloc(c->be, &c->labels, clcnn_shape_make(c->batch, 1, 1, 1), CLCNN_I32,
                                 "gradcheck labels"));
    CLCNN_TRY(clcnn_tensor_alloc(c->be, &c->dlogits, logits, CLCNN_REAL, "gradcheck dlogits"));
    CLCNN_TRY(clcnn_tensor_alloc(c->be, &c->stats, clcnn_shape_make(1, 2, 1, 1), CLCNN_REAL,
                                 "gradcheck loss"));
    CLCNN_TRY(make_problem(c, seed));
    return run_check(c, res);
}

clcnn_status clcnn_gradcheck(const clcnn_model_spec *spec, clcnn_loss_kind loss,
                             float label_smoothing, int batch, uint32_t seed,
                             clcnn_gradcheck_result *result)
{
    return clcnn_gradcheck_sampled(spec, loss, label_smoothing, batch, seed, 0, result);
}

clcnn_status clcnn_gradcheck_sampled(const clcnn_model_spec *spec, clcnn_loss_kind loss,
                                     float label_smoothing, int batch, uint32_t seed,
                                     size_t max_entries,
                                     clcnn_gradcheck_result *result)
{
    memset(result, 0, sizeof *result);
    if (batch < 1)
        return clcnn_fail(CLCNN_ERR_ARG, "gradient check: batch size %d must be positive", batch);
    checker c = {0};
    c.loss = loss;
    c.label_smoothing = label_smoothing;
    c.batch = batch;
    c.max_entries = max_entries;
    CLCNN_TRY(clcnn_backend_ref64_create(&c.be));
    clcnn_status st = check_with(&c, spec, seed, result);
    clcnn_tensor_free(&c.input);
    clcnn_tensor_free(&c.labels);
    clcnn_tensor_free(&c.dlogits);
    clcnn_tensor_free(&c.stats);
    clcnn_net_destroy(c.net);
    clcnn_backend_destroy(c.be);
    if (st != CLCNN_OK)
        return clcnn_fail_context(st, "gradient check of %s: ", spec->source);
    return CLCNN_OK;
}
