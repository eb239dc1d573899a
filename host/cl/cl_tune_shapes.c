/* The GEMM shapes of a network's training step, for `clcnn tune`: the
 * convolutions' from their plan (core/conv_plan.h, the one the layer runs);
 * the fc layers' mirror host/nn/layer_fc.c; no input gradient for the first
 * layer, as host/nn/net.c. */
#include <stdio.h>
#include <string.h>

#include "cl/cl_ops.h"
#include "cl/cl_tune.h"
#include "core/conv_plan.h"

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

/* The GEMMs of a chunk of nb images of a conv layer, run `calls` times. */
static clcnn_status add_conv_chunk(shape_list *l, const clcnn_conv_plan *plan, int nb,
                                   int need_dx, int calls)
{
    clcnn_status st = CLCNN_OK;
    for (int role = 0; role < CLCNN_CONV_GEMM_ROLES && st == CLCNN_OK; role++) {
        if (role == CLCNN_CONV_GEMM_INPUT_GRAD && !need_dx)
            continue;
        clcnn_conv_gemm g = clcnn_conv_plan_gemm(plan, (clcnn_conv_gemm_role)role, nb);
        st = add(l, g.trans_a, g.trans_b, g.m, g.n, g.k, calls);
    }
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
    size_t budget = CLCNN_DEFAULT_COL_BUDGET;
    if (max_alloc_bytes && max_alloc_bytes < budget)
        budget = (size_t)max_alloc_bytes;
    shape_list l = {shapes, 0, max_shapes};
    for (int i = 0; i < spec->n_layers && st == CLCNN_OK; i++) {
        const clcnn_layer_spec *s = &spec->layers[i];
        clcnn_shape x = clcnn_model_spec_input_shape(spec, out, i);
        int c = x.c, h = x.h, w = x.w;
        int need_dx = clcnn_model_spec_source(spec, i, 0) >= 0;
        if (s->kind == CLCNN_LAYER_CONV) {
            clcnn_conv_plan plan = clcnn_conv_plan_make(
                s->outputs, c, s->kh, s->kw, out[i].h, out[i].w, CLCNN_CL_GEMM_MULTIPLE_MK,
                CLCNN_CL_GEMM_MULTIPLE_N, sizeof(float), budget, batch);
            st = add_conv_chunk(&l, &plan, plan.chunk, need_dx, plan.full_chunks);
            if (st == CLCNN_OK && plan.rest)
                st = add_conv_chunk(&l, &plan, plan.rest, need_dx, 1);
        } else if (s->kind == CLCNN_LAYER_FC) {
            int in = c * h * w, o = s->outputs;
            st = add(&l, 0, 1, batch, o, in, 1);                /* y = x * W^T */
            if (st == CLCNN_OK)
                st = add(&l, 1, 0, o, in, batch, 1);            /* dW = dy^T * x */
            if (st == CLCNN_OK && need_dx)
                st = add(&l, 0, 0, batch, in, o, 1);            /* dx = dy * W */
        }
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
