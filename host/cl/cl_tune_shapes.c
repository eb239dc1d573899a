/* The GEMM shapes of a network's training step, for `clcnn tune`. They mirror
 * host/nn/layer_conv.c and layer_fc.c (which GEMMs run, transposed how) and
 * host/nn/net.c (conv chunking by the im2col budget; no input gradient for
 * the first layer). */
#include <stdio.h>
#include <string.h>

#include "cl/cl_ops.h"
#include "cl/cl_tune.h"

/* The default im2col budget of clcnn_net_options (clcnn/net.h). */
#define DEFAULT_COL_BUDGET ((unsigned long long)256 << 20)

typedef struct shape_list {
    clcnn_gemm_shape *items;
    int count, max;
} shape_list;

static clcnn_status add(shape_list *l, int trans_a, int trans_b, int m, int n, int k, int calls)
{
    for (int i = 0; i < l->count; i++) {
        clcnn_gemm_shape *s = &l->items[i];
        if (s->trans_a == trans_a && s->trans_b == trans_b && s->m == m && s->n == n &&
            s->k == k) {
            s->calls += calls;
            return CLCNN_OK;
        }
    }
    if (l->count == l->max)
        return clcnn_fail(CLCNN_ERR_ARG, "tune: the network has more than %d GEMM shapes",
                          l->max);
    l->items[l->count++] = (clcnn_gemm_shape){trans_a, trans_b, m, n, k, calls};
    return CLCNN_OK;
}

/* A chunk of a conv layer, cols = nb*P image positions, run `calls` times
 * (layer_conv.c): rows and len are C*KH*KW padded to the OpenCL backend's
 * CLCNN_CL_GEMM_MULTIPLE_MK and _N. */
static clcnn_status add_conv_chunk(shape_list *l, int f, int rows, int len, int cols,
                                   int need_dx, int calls)
{
    clcnn_status st = add(l, 0, 0, f, cols, rows, calls);       /* cnp = W * col */
    if (st == CLCNN_OK)
        st = add(l, 0, 0, f, len, cols, calls);                 /* dW = cnp * colt */
    if (st == CLCNN_OK && need_dx)
        st = add(l, 1, 0, rows, cols, f, calls);                /* col = W^T * cnp */
    return st;
}

clcnn_status clcnn_tune_model_shapes(const clcnn_model_spec *spec, int batch,
                                     unsigned long long max_alloc_bytes,
                                     clcnn_gemm_shape *shapes, int max_shapes, int *count)
{
    *count = 0;
    if (batch < 1)
        return clcnn_fail(CLCNN_ERR_ARG, "tune: batch %d must be at least 1", batch);
    clcnn_shape out[CLCNN_MAX_LAYERS];
    clcnn_status st = clcnn_model_spec_shapes(spec, out);
    if (st != CLCNN_OK)
        return st;
    unsigned long long budget = DEFAULT_COL_BUDGET;
    if (max_alloc_bytes && max_alloc_bytes < budget)
        budget = max_alloc_bytes;
    shape_list l = {shapes, 0, max_shapes};
    int c = spec->c, h = spec->h, w = spec->w;
    for (int i = 0; i < spec->n_layers && st == CLCNN_OK; i++) {
        const clcnn_layer_spec *s = &spec->layers[i];
        int need_dx = i > 0;
        if (s->kind == CLCNN_LAYER_CONV) {
            int ckk = c * s->kh * s->kw, p = out[i].h * out[i].w;
            int rows = clcnn_round_up(ckk, CLCNN_CL_GEMM_MULTIPLE_MK);
            int len = clcnn_round_up(ckk, CLCNN_CL_GEMM_MULTIPLE_N);
            unsigned long long per_image =
                (unsigned long long)(rows > len ? rows : len) * p * sizeof(float);
            unsigned long long fit = budget / per_image;
            int chunk = fit < 1 ? 1 : fit > (unsigned long long)batch ? batch : (int)fit;
            int full = batch / chunk, rest = batch % chunk;
            st = add_conv_chunk(&l, s->outputs, rows, len, chunk * p, need_dx, full);
            if (st == CLCNN_OK && rest)
                st = add_conv_chunk(&l, s->outputs, rows, len, rest * p, need_dx, 1);
        } else if (s->kind == CLCNN_LAYER_FC) {
            int in = c * h * w, o = s->outputs;
            st = add(&l, 0, 1, batch, o, in, 1);                /* y = x * W^T */
            if (st == CLCNN_OK)
                st = add(&l, 1, 0, o, in, batch, 1);            /* dW = dy^T * x */
            if (st == CLCNN_OK && need_dx)
                st = add(&l, 0, 0, batch, in, o, 1);            /* dx = dy * W */
        }
        c = out[i].c;
        h = out[i].h;
        w = out[i].w;
    }
    *count = l.count;
    return st;
}

void clcnn_gemm_shape_name(const clcnn_gemm_shape *s, char *buf, size_t size)
{
    snprintf(buf, size, "%c%c %dx%dx%d", s->trans_a ? 'T' : 'N', s->trans_b ? 'T' : 'N', s->m,
             s->n, s->k);
}

clcnn_gemm_shape clcnn_tune_effective_shape(const clcnn_gemm_shape *s, int gpu_shape)
{
    clcnn_gemm_shape e = *s;
    int pretranspose = clcnn_cl_gemm_pretransposes(gpu_shape, s->trans_a, s->trans_b);
    if (pretranspose & CLCNN_PRETRANSPOSE_A)
        e.trans_a = 1;
    if (pretranspose & CLCNN_PRETRANSPOSE_B)
        e.trans_b = 0;
    return e;
}
