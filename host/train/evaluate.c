/* Evaluation: loss, accuracy and confusion matrix over every image of a data
 * set, in evaluation mode (batchnorm running statistics, no dropout). */
#include <stdlib.h>
#include <string.h>

#include "train/trainer_internal.h"

int trainer_spec_outputs(const clcnn_model_spec *spec)
{
    clcnn_shape shapes[CLCNN_MAX_LAYERS];
    if (spec->n_layers < 1 || clcnn_model_spec_shapes(spec, shapes) != CLCNN_OK)
        return 0;
    clcnn_shape last = shapes[spec->n_layers - 1];
    return last.c * last.h * last.w;
}

void clcnn_eval_result_free(clcnn_eval_result *r)
{
    free(r->confusion);
    memset(r, 0, sizeof *r);
}

typedef struct eval_buffers {
    clcnn_tensor images, labels, input, stats;
    float *logits;   /* batch x classes, host */
    float *logits2;  /* TTA: the mirrored images' logits */
    uint8_t *mirror; /* TTA: the batch's images mirrored, host */
} eval_buffers;

static void eval_buffers_free(eval_buffers *b)
{
    clcnn_tensor_free(&b->images);
    clcnn_tensor_free(&b->labels);
    clcnn_tensor_free(&b->input);
    clcnn_tensor_free(&b->stats);
    free(b->logits);
    free(b->logits2);
    free(b->mirror);
}

static clcnn_status eval_buffers_alloc(clcnn_backend *be, const clcnn_dataset *ds, int batch,
                                       int classes, clcnn_tta tta, eval_buffers *b)
{
    memset(b, 0, sizeof *b);
    clcnn_shape img = clcnn_shape_make(batch, ds->channels, ds->height, ds->width);
    clcnn_status st = clcnn_tensor_alloc(be, &b->images, img, CLCNN_U8, "eval.images");
    if (st == CLCNN_OK)
        st = clcnn_tensor_alloc(be, &b->labels, clcnn_shape_make(batch, 1, 1, 1), CLCNN_I32,
                                "eval.labels");
    if (st == CLCNN_OK)
        st = clcnn_tensor_alloc(be, &b->input, img, CLCNN_REAL, "eval.input");
    if (st == CLCNN_OK)
        st = clcnn_tensor_alloc(be, &b->stats, clcnn_shape_make(2, 1, 1, 1), CLCNN_REAL,
                                "eval.stats");
    const size_t logits = sizeof(float) * (size_t)batch * classes;
    if (st == CLCNN_OK && !(b->logits = malloc(logits)))
        st = clcnn_fail(CLCNN_ERR_NOMEM, "evaluation: out of memory for %d x %d logits", batch,
                        classes);
    if (st == CLCNN_OK && tta == CLCNN_TTA_FLIP &&
        (!(b->logits2 = malloc(logits)) || !(b->mirror = malloc(img.n * (size_t)img.c * img.h *
                                                                 img.w))))
        st = clcnn_fail(CLCNN_ERR_NOMEM, "evaluation: out of memory for the mirrored batch");
    if (st != CLCNN_OK)
        eval_buffers_free(b);
    return st;
}

/* n images (uint8, host) through the network in evaluation mode; their
 * logits stay in the net's output tensor. */
static clcnn_status eval_forward(clcnn_net *net, const float *mean, const float *std,
                                 const uint8_t *images_host, int n, eval_buffers *b)
{
    clcnn_backend *be = clcnn_net_backend(net);
    const clcnn_model_spec *spec = clcnn_net_spec(net);
    const size_t image = (size_t)spec->c * spec->h * spec->w;
    clcnn_tensor images = clcnn_tensor_first_images(&b->images, n);
    clcnn_tensor input = clcnn_tensor_first_images(&b->input, n);
    clcnn_status st = clcnn_tensor_upload(&images, 0, image * n, images_host);
    if (st == CLCNN_OK)
        st = be->ops->normalize_u8(be, &images, mean, std, &input);
    if (st == CLCNN_OK)
        st = clcnn_net_forward(net, &b->input, n, 0, 0);
    return st;
}

/* First index of the largest of K values (as the loss op counts it). */
static int first_max_float(const float *z, int K)
{
    int best = 0;
    for (int j = 1; j < K; j++)
        if (z[j] > z[best])
            best = j;
    return best;
}

/* One batch of n images from first: forward, loss into stats, predictions into
 * the confusion matrix. */
static clcnn_status eval_batch(clcnn_net *net, const float *mean, const float *std,
                               const clcnn_dataset *ds, clcnn_loss_kind loss, int first, int n,
                               eval_buffers *b, clcnn_eval_result *r, double *loss_sum)
{
    clcnn_backend *be = clcnn_net_backend(net);
    const size_t image = (size_t)ds->channels * ds->height * ds->width;
    const int K = r->classes;
    clcnn_tensor labels = clcnn_tensor_first_images(&b->labels, n);
    float stats[2];
    clcnn_status st = eval_forward(net, mean, std, ds->images + image * first, n, b);
    if (st == CLCNN_OK)
        st = clcnn_tensor_upload(&labels, 0, (size_t)n, ds->labels + first);
    const clcnn_tensor *logits = clcnn_net_output(net);
    if (st == CLCNN_OK)
        st = be->ops->fill(be, &b->stats, 0.0f);
    if (st == CLCNN_OK)
        st = be->ops->loss(be, loss, 0.0f, logits, &labels, 1.0f, NULL, &b->stats);
    if (st == CLCNN_OK)
        st = clcnn_tensor_download(logits, 0, (size_t)n * K, b->logits);
    if (st == CLCNN_OK)
        st = clcnn_tensor_download(&b->stats, 0, 2, stats);
    if (st != CLCNN_OK)
        return st;
    *loss_sum += stats[0];
    for (int i = 0; i < n; i++)
        r->confusion[ds->labels[first + i] * K + first_max_float(b->logits + (size_t)i * K, K)]++;
    return CLCNN_OK;
}

/* TTA flip: the batch as is, then mirrored (on the host, before the upload),
 * and each image's two probability vectors averaged on the host. */
static clcnn_status eval_batch_flip(clcnn_net *net, const float *mean, const float *std,
                                    const clcnn_dataset *ds, clcnn_loss_kind loss, int first,
                                    int n, eval_buffers *b, clcnn_eval_result *r,
                                    double *loss_sum)
{
    const size_t image = (size_t)ds->channels * ds->height * ds->width;
    const int K = r->classes;
    const uint8_t *src = ds->images + image * first;
    const clcnn_augment mirror = {0, 0, 1};
    for (int i = 0; i < n; i++)
        clcnn_augment_apply(src + image * i, b->mirror + image * i, ds->channels, ds->height,
                            ds->width, 0, mirror);
    clcnn_status st = eval_forward(net, mean, std, src, n, b);
    if (st == CLCNN_OK)
        st = clcnn_tensor_download(clcnn_net_output(net), 0, (size_t)n * K, b->logits);
    if (st == CLCNN_OK)
        st = eval_forward(net, mean, std, b->mirror, n, b);
    if (st == CLCNN_OK)
        st = clcnn_tensor_download(clcnn_net_output(net), 0, (size_t)n * K, b->logits2);
    if (st != CLCNN_OK)
        return st;
    for (int i = 0; i < n; i++) {
        int label = ds->labels[first + i], predicted = 0;
        *loss_sum += trainer_tta_average(loss, b->logits + (size_t)i * K,
                                         b->logits2 + (size_t)i * K, K, label, &predicted);
        r->confusion[label * K + predicted]++;
    }
    return CLCNN_OK;
}

clcnn_status clcnn_evaluate(clcnn_net *net, const float *mean, const float *std,
                            const clcnn_dataset *ds, clcnn_loss_kind loss, clcnn_eval_result *out)
{
    return clcnn_evaluate_tta(net, mean, std, ds, loss, CLCNN_TTA_NONE, out);
}

clcnn_status clcnn_evaluate_tta(clcnn_net *net, const float *mean, const float *std,
                                const clcnn_dataset *ds, clcnn_loss_kind loss, clcnn_tta tta,
                                clcnn_eval_result *out)
{
    memset(out, 0, sizeof *out);
    const clcnn_model_spec *spec = clcnn_net_spec(net);
    const int K = trainer_spec_outputs(spec);
    if (tta != CLCNN_TTA_NONE && tta != CLCNN_TTA_FLIP)
        return clcnn_fail(CLCNN_ERR_ARG, "evaluation: unknown tta %d", (int)tta);
    if (tta == CLCNN_TTA_FLIP && loss == CLCNN_LOSS_SVM)
        return clcnn_fail(CLCNN_ERR_ARG, "evaluation: tta flip averages probabilities: it needs "
                          "the softmax or bce loss, not svm");
    if (ds->count < 1)
        return clcnn_fail(CLCNN_ERR_ARG, "evaluation: the data set is empty");
    if (ds->channels != spec->c || ds->height != spec->h || ds->width != spec->w)
        return clcnn_fail(CLCNN_ERR_ARG, "evaluation: images are %dx%dx%d but the model expects "
                          "%dx%dx%d", ds->channels, ds->height, ds->width, spec->c, spec->h,
                          spec->w);
    if (ds->classes != K)
        return clcnn_fail(CLCNN_ERR_ARG, "evaluation: the data set has %d classes but the model "
                          "outputs %d", ds->classes, K);
    out->classes = K;
    out->confusion = calloc((size_t)K * K, sizeof *out->confusion);
    if (!out->confusion)
        return clcnn_fail(CLCNN_ERR_NOMEM, "evaluation: out of memory");
    const int batch = clcnn_net_max_batch(net);
    eval_buffers b;
    clcnn_status st = eval_buffers_alloc(clcnn_net_backend(net), ds, batch, K, tta, &b);
    double loss_sum = 0;
    for (int first = 0; st == CLCNN_OK && first < ds->count; first += batch) {
        int n = ds->count - first < batch ? ds->count - first : batch;
        st = (tta == CLCNN_TTA_FLIP ? eval_batch_flip : eval_batch)(net, mean, std, ds, loss,
                                                                    first, n, &b, out, &loss_sum);
    }
    eval_buffers_free(&b); /* safe after a failed allocation: it leaves b empty */
    if (st != CLCNN_OK) {
        clcnn_eval_result_free(out);
        return clcnn_fail_context(st, "evaluation: ");
    }
    long correct = 0;
    for (int k = 0; k < K; k++)
        correct += out->confusion[k * K + k];
    out->count = ds->count;
    out->loss = loss_sum / ds->count;
    out->accuracy = (double)correct / ds->count;
    return CLCNN_OK;
}
