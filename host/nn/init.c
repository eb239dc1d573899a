/* Parameter initialization (the loop over the layers' init hooks, and the
 * weight and gamma/beta initializers they share) and the host random-number
 * stream behind it.
 *
 * Values are drawn on the host in double, rounded to float and uploaded, so
 * a seed gives bit-identical float parameters on every backend (ref64 holds
 * the same float values, widened). */
#include <math.h>
#include <stdlib.h>

#include "nn/net_internal.h"

nn_rng nn_rng_make(uint32_t seed, uint32_t stream)
{
    nn_rng r = {((uint64_t)seed << 32 | stream) ^ 0x6A09E667F3BCC909ull};
    return r;
}

static uint64_t rng_next(nn_rng *r)
{
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double nn_rng_uniform(nn_rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

double nn_rng_normal(nn_rng *r)
{
    const double two_pi = 6.283185307179586476925;
    double u1 = 1.0 - nn_rng_uniform(r); /* in (0, 1]: log(u1) is finite */
    double u2 = nn_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(two_pi * u2);
}

/* The first layer after j that reads j's output (as input or summand), or -1. */
static int first_consumer(const clcnn_net *net, int j)
{
    for (int i = j + 1; i < net->spec.n_layers; i++)
        for (int k = 0; k <= net->spec.layers[i].n_summands; k++)
            if (clcnn_model_spec_source(&net->spec, i, k) == j)
                return i;
    return -1;
}

/* AUTO: He when the output reaches a ReLU-like activation, through any
 * normalization, dropout or add in between; Xavier otherwise. */
static int uses_he(const clcnn_net *net, int layer)
{
    const clcnn_layer_spec *s = &net->spec.layers[layer];
    if (s->init != CLCNN_INIT_AUTO)
        return s->init == CLCNN_INIT_HE;
    for (int i = first_consumer(net, layer); i >= 0; i = first_consumer(net, i)) {
        unsigned flags = net->layers[i].ops->flags;
        if (flags & NN_KIND_RELU_LIKE)
            return 1;
        if (!(flags & NN_KIND_PASS_INIT))
            return 0;
    }
    return 0;
}

clcnn_status nn_init_weight(nn_layer *l, const clcnn_net *net)
{
    clcnn_tensor *w = &l->value[NN_WEIGHT];
    /* w is F x C x KH x KW (conv) or O x I x 1 x 1 (fc) */
    double window = (double)w->shape.h * w->shape.w;
    double fan_in = w->shape.c * window, fan_out = w->shape.n * window;
    double std = l->spec.init == CLCNN_INIT_NORMAL ? (double)l->spec.init_std
                 : uses_he(net, l->index)          ? sqrt(2.0 / fan_in)
                                                   : sqrt(2.0 / (fan_in + fan_out));
    float *values = malloc(w->count * sizeof *values);
    if (!values)
        return clcnn_fail(CLCNN_ERR_NOMEM, "initializing %s: out of memory", w->name);
    nn_rng r = nn_rng_make(net->seed, (uint32_t)l->index);
    for (size_t i = 0; i < w->count; i++)
        values[i] = (float)(std * nn_rng_normal(&r));
    clcnn_status st = clcnn_tensor_upload(w, 0, w->count, values);
    free(values);
    if (st != CLCNN_OK || !l->spec.bias)
        return st;
    return net->be->ops->fill(net->be, &l->value[NN_BIAS], 0.0f);
}

clcnn_status nn_init_gamma_beta(nn_layer *l, const clcnn_net *net)
{
    CLCNN_TRY(net->be->ops->fill(net->be, &l->value[NN_GAMMA], 1.0f));
    return net->be->ops->fill(net->be, &l->value[NN_BETA], 0.0f);
}

clcnn_status nn_init_params(clcnn_net *net)
{
    for (int i = 0; i < net->n_layers; i++) {
        nn_layer *l = &net->layers[i];
        if (l->ops->init)
            CLCNN_TRY(l->ops->init(l, net));
    }
    return CLCNN_OK;
}
