/* The training-step part of a device check (see clcnn/check.h): one forward
 * (training mode), loss and backward of a whole network on the device and on
 * the reference, from the same parameters and batch. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_internal.h"
#include "clcnn/op_cases.h"
#include "core/try.h"

/* Tolerance on the normalized error of the logits, the loss and every
 * gradient, for float32 through a whole network. The op table holds each op
 * to 1e-6 .. 2e-5 (GEMM: float dot products summed in another order than the
 * reference's). A step chains about ten such layers forward and ten back, and
 * their errors add along the chain: at worst ten times the GEMM tolerance,
 * 2e-4. Measured on PoCL: at most 5e-6 (cifar, lenet, small at batches 1, 8
 * and 32). A wrong op gives 1e-2 and more (a sign, a missed element, a wrong
 * index), so the margin costs no power to find bugs. */
#define TOL_STEP 2e-4

/* The tensors of one backend's side of the step. */
typedef struct step_side {
    clcnn_backend *be;
    clcnn_net *net;
    clcnn_tensor input, labels, dlogits, stats;
} step_side;

static void side_free(step_side *s)
{
    clcnn_tensor_free(&s->input);
    clcnn_tensor_free(&s->labels);
    clcnn_tensor_free(&s->dlogits);
    clcnn_tensor_free(&s->stats);
    clcnn_net_destroy(s->net);
    s->net = NULL;
}


/* A batch both sides share: standard normal inputs (like normalized images)
 * and uniform labels, pure functions of the seed. */
typedef struct step_batch {
    float *input;
    int32_t *labels;
    int n, classes;
    size_t input_count;
} step_batch;

static float uniform01(uint32_t seed, uint32_t stream, size_t i)
{
    /* in (0, 1]: log() below never sees 0 */
    return (float)(((double)clcnn_dropout_hash(seed, stream, (uint32_t)i) + 1.0) / 4294967296.0);
}

static clcnn_status make_batch(const clcnn_model_spec *spec, int n, uint32_t seed, step_batch *b)
{
    clcnn_shape shapes[CLCNN_MAX_LAYERS];
    CLCNN_TRY(clcnn_model_spec_shapes(spec, shapes));
    clcnn_shape out = shapes[spec->n_layers - 1];
    b->n = n;
    b->classes = out.c * out.h * out.w;
    b->input_count = (size_t)n * spec->c * spec->h * spec->w;
    b->input = malloc(b->input_count * sizeof *b->input);
    b->labels = malloc((size_t)n * sizeof *b->labels);
    if (!b->input || !b->labels)
        return clcnn_fail(CLCNN_ERR_NOMEM, "check step: out of host memory");
    for (size_t i = 0; i < b->input_count; i++) /* Box-Muller */
        b->input[i] = (float)(sqrt(-2.0 * log(uniform01(seed, 1, i))) *
                              cos(6.283185307179586 * uniform01(seed, 2, i)));
    for (int i = 0; i < n; i++)
        b->labels[i] = (int32_t)(clcnn_dropout_hash(seed, 3, (uint32_t)i) % (uint32_t)b->classes);
    return CLCNN_OK;
}

/* Create side's network and tensors and run the step on it. */
static clcnn_status run_side(step_side *s, const clcnn_model_spec *spec, const step_batch *b,
                             uint32_t seed)
{
    CLCNN_TRY(clcnn_net_create(s->be, spec, b->n, seed, &s->net));
    clcnn_shape input = clcnn_shape_make(b->n, spec->c, spec->h, spec->w);
    CLCNN_TRY(clcnn_tensor_alloc(s->be, &s->input, input, CLCNN_REAL, "check input"));
    CLCNN_TRY(clcnn_tensor_alloc(s->be, &s->labels, clcnn_shape_make(b->n, 1, 1, 1), CLCNN_I32,
                                 "check labels"));
    CLCNN_TRY(clcnn_tensor_alloc(s->be, &s->dlogits, clcnn_shape_make(b->n, b->classes, 1, 1),
                                 CLCNN_REAL, "check dlogits"));
    CLCNN_TRY(clcnn_tensor_alloc(s->be, &s->stats, clcnn_shape_make(1, 2, 1, 1), CLCNN_REAL,
                                 "check loss statistics"));
    CLCNN_TRY(clcnn_tensor_upload(&s->input, 0, b->input_count, b->input));
    CLCNN_TRY(clcnn_tensor_upload(&s->labels, 0, (size_t)b->n, b->labels));
    CLCNN_TRY(clcnn_net_forward(s->net, &s->input, b->n, 1, 0));
    CLCNN_TRY(s->be->ops->loss(s->be, CLCNN_LOSS_SOFTMAX, 0.0f, clcnn_net_output(s->net),
                               &s->labels, 1.0f / (float)b->n, &s->dlogits, &s->stats));
    CLCNN_TRY(clcnn_net_backward(s->net, &s->dlogits));
    return clcnn_backend_finish(s->be);
}

/* Normalized error between the same tensor of the two sides. */
static clcnn_status compare_tensors(const clcnn_tensor *dev, const clcnn_tensor *ref,
                                    double *error)
{
    float *a = malloc((dev->count ? dev->count : 1) * sizeof *a);
    float *b = malloc((ref->count ? ref->count : 1) * sizeof *b);
    clcnn_status st = a && b ? CLCNN_OK : clcnn_fail(CLCNN_ERR_NOMEM, "check: out of host memory");
    if (st == CLCNN_OK)
        st = clcnn_tensor_download(dev, 0, dev->count, a);
    if (st == CLCNN_OK)
        st = clcnn_tensor_download(ref, 0, ref->count, b);
    if (st == CLCNN_OK)
        *error = clcnn_normalized_error(a, b, dev->count < ref->count ? dev->count : ref->count);
    free(a);
    free(b);
    return st;
}

/* Add one comparison's result; a failed download on the device side is a
 * failed case, on the reference side the end of the check. */
static clcnn_status add_comparison(clcnn_check_report *report, const clcnn_check_options *opts,
                                   const char *prefix, const char *what, const clcnn_tensor *dev,
                                   const clcnn_tensor *ref, double tolerance)
{
    char name[CLCNN_CHECK_NAME_MAX];
    snprintf(name, sizeof name, "%.56s %.38s", prefix, what);
    double error = INFINITY;
    clcnn_status st = compare_tensors(dev, ref, &error);
    return check_report_add(report, opts, name, error, tolerance,
                            st == CLCNN_OK ? NULL : clcnn_last_error());
}

static clcnn_status compare_sides(const step_side *dev, const step_side *ref, int n,
                                  const char *prefix, const clcnn_check_options *opts,
                                  clcnn_check_report *report)
{
    CLCNN_TRY(add_comparison(report, opts, prefix, "logits", clcnn_net_output(dev->net),
                             clcnn_net_output(ref->net), TOL_STEP));
    float loss_dev[2] = {0, 0}, loss_ref[2] = {0, 0};
    CLCNN_TRY(clcnn_tensor_download(&ref->stats, 0, 2, loss_ref));
    clcnn_status st = clcnn_tensor_download(&dev->stats, 0, 2, loss_dev);
    /* stats[0] is the loss summed over the batch */
    loss_dev[0] /= (float)n;
    loss_ref[0] /= (float)n;
    char name[CLCNN_CHECK_NAME_MAX];
    snprintf(name, sizeof name, "%.80s loss", prefix);
    CLCNN_TRY(check_report_add(report, opts, name, clcnn_normalized_error(loss_dev, loss_ref, 1),
                               TOL_STEP, st == CLCNN_OK ? NULL : clcnn_last_error()));
    int count_dev = 0, count_ref = 0;
    const clcnn_param *pd = clcnn_net_params(dev->net, &count_dev);
    const clcnn_param *pr = clcnn_net_params(ref->net, &count_ref);
    for (int i = 0; i < count_dev && i < count_ref; i++) {
        char what[64];
        snprintf(what, sizeof what, "grad %s", pr[i].name);
        CLCNN_TRY(add_comparison(report, opts, prefix, what, pd[i].grad, pr[i].grad, TOL_STEP));
    }
    return CLCNN_OK;
}

clcnn_status clcnn_check_step(clcnn_backend *dev, clcnn_backend *ref,
                              const clcnn_check_options *opts, clcnn_check_report *report)
{
    clcnn_model_spec preset;
    const clcnn_model_spec *spec = opts->spec;
    if (!spec) {
        CLCNN_TRY(clcnn_model_spec_preset("cifar", &preset));
        spec = &preset;
    }
    int n = opts->batch > 0 ? opts->batch : CLCNN_CHECK_STEP_BATCH;
    uint32_t seed = opts->seed ? opts->seed : CLCNN_CHECK_SEED;
    char prefix[CLCNN_CHECK_NAME_MAX];
    snprintf(prefix, sizeof prefix, "step %.40s N%d", spec->source, n);

    step_batch batch = {0};
    step_side sides[2] = {{.be = ref}, {.be = dev}};
    clcnn_status st = make_batch(spec, n, seed, &batch);
    if (st == CLCNN_OK)
        st = run_side(&sides[0], spec, &batch, seed);
    if (st == CLCNN_OK) {
        if (run_side(&sides[1], spec, &batch, seed) == CLCNN_OK)
            st = compare_sides(&sides[1], &sides[0], n, prefix, opts, report);
        else
            st = check_report_add(report, opts, prefix, INFINITY, TOL_STEP,
                                  clcnn_last_error());
    }
    side_free(&sides[0]);
    side_free(&sides[1]);
    free(batch.input);
    free(batch.labels);
    return st == CLCNN_OK ? st : clcnn_fail_context(st, "check step of %s: ", spec->source);
}
