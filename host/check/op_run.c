/* One op case on one backend: its tensors, their seeded random contents and
 * the op, as the op's descriptor (op_descs_*.c) says (see clcnn/op_cases.h). */
#include <stdlib.h>
#include <string.h>

#include "check/op_run.h"

/* Uniform in [lo, hi), a pure function of (seed, tensor slot, element). */
static float uniform(uint32_t seed, int slot, size_t i, float lo, float hi)
{
    uint32_t bits = clcnn_dropout_hash(seed, (uint32_t)slot, (uint32_t)i);
    return lo + (hi - lo) * (float)((double)bits / 4294967296.0);
}

clcnn_status op_run_make_real(clcnn_op_run *run, int slot, clcnn_shape shape, float lo, float hi)
{
    clcnn_tensor *t = &run->t[slot];
    clcnn_status st = clcnn_tensor_alloc(run->be, t, shape, CLCNN_REAL, "op case tensor");
    if (st != CLCNN_OK || (lo == 0 && hi == 0))
        return st;
    float *host = malloc(t->count * sizeof *host);
    if (!host)
        return clcnn_fail(CLCNN_ERR_NOMEM, "op case: out of host memory");
    for (size_t i = 0; i < t->count; i++)
        host[i] = uniform(run->seed, slot, i, lo, hi);
    st = clcnn_tensor_upload(t, 0, t->count, host);
    free(host);
    return st;
}

clcnn_status op_run_make_int(clcnn_op_run *run, int slot, clcnn_shape shape, clcnn_dtype dtype,
                             int range)
{
    clcnn_tensor *t = &run->t[slot];
    clcnn_status st = clcnn_tensor_alloc(run->be, t, shape, dtype, "op case tensor");
    if (st != CLCNN_OK || range == 0)
        return st;
    size_t esize = dtype == CLCNN_U8 ? 1 : 4;
    unsigned char *host = malloc(t->count * esize);
    if (!host)
        return clcnn_fail(CLCNN_ERR_NOMEM, "op case: out of host memory");
    for (size_t i = 0; i < t->count; i++) {
        int v = (int)(clcnn_dropout_hash(run->seed, (uint32_t)slot, (uint32_t)i) % (uint32_t)range);
        if (dtype == CLCNN_U8)
            host[i] = (unsigned char)v;
        else
            ((int32_t *)host)[i] = v;
    }
    st = clcnn_tensor_upload(t, 0, t->count, host);
    free(host);
    return st;
}

void op_run_set_outputs(clcnn_op_run *run, int count, const int *slots)
{
    run->output_count = count;
    memcpy(run->outputs, slots, (size_t)count * sizeof *slots);
}

clcnn_status op_run_create_y(clcnn_op_run *run)
{
    REAL(Y, op_run_in_shape(run), -1, 1);
    OUTPUTS(Y);
    return CLCNN_OK;
}

clcnn_status op_run_create_x_y(clcnn_op_run *run)
{
    REAL(X, op_run_in_shape(run), -1, 1);
    return op_run_create_y(run);
}

clcnn_status op_run_create_dy_dx(clcnn_op_run *run)
{
    REAL(DY, op_run_in_shape(run), -1, 1);
    REAL(DX, op_run_in_shape(run), 0, 0);
    OUTPUTS(DX);
    return CLCNN_OK;
}

/* ---- descriptors ---- */

const clcnn_op_desc *clcnn_op_desc_of(clcnn_op_kind op)
{
    if ((unsigned)op >= CLCNN_OP_COUNT)
        return NULL;
    const clcnn_op_desc *a = &clcnn_op_descs_tensor[op], *b = &clcnn_op_descs_nn[op];
    if (a->create && b->create) /* two rows: tests/test_check.c fails on it */
        return NULL;
    return a->create ? a : b->create ? b : NULL;
}

const char *clcnn_op_name(clcnn_op_kind op)
{
    const clcnn_op_desc *desc = clcnn_op_desc_of(op);
    return desc ? desc->name : "?";
}

double clcnn_op_case_tolerance(const clcnn_op_case *cs)
{
    const clcnn_op_desc *desc = clcnn_op_desc_of(cs->op);
    if (!desc)
        return 0;
    return desc->kind_tolerance ? desc->kind_tolerance[cs->kind] : desc->tolerance;
}

int clcnn_op_reduces(clcnn_op_kind op)
{
    const clcnn_op_desc *desc = clcnn_op_desc_of(op);
    return desc && desc->reduces;
}

/* ---- one case on one backend ---- */

clcnn_status clcnn_op_run_create(const clcnn_op_case *cs, clcnn_backend *be, uint32_t seed,
                                 clcnn_op_run **out)
{
    *out = NULL;
    const clcnn_op_desc *desc = clcnn_op_desc_of(cs->op);
    if (!desc)
        return clcnn_fail(CLCNN_ERR_ARG, "op case: unknown op %d", (int)cs->op);
    clcnn_op_run *run = calloc(1, sizeof *run);
    if (!run)
        return clcnn_fail(CLCNN_ERR_NOMEM, "op case: out of host memory");
    run->cs = cs;
    run->be = be;
    run->seed = seed;
    run->n0 = cs->flags & CLCNN_OPF_CHUNK ? cs->n / 2 : 0;
    run->nb = cs->n - run->n0;
    clcnn_status st = CLCNN_OK;
    if (cs->k > 0)
        st = clcnn_window_init(&run->win, cs->c, cs->h, cs->w, cs->k, cs->k, cs->s, cs->s, cs->p,
                               cs->p);
    if (st == CLCNN_OK)
        st = desc->create(run);
    if (st != CLCNN_OK) {
        clcnn_op_run_destroy(run);
        return st;
    }
    *out = run;
    return CLCNN_OK;
}

clcnn_status clcnn_op_run_exec(clcnn_op_run *run)
{
    return clcnn_op_desc_of(run->cs->op)->exec(run);
}

/* Bytes of slot mask's tensors; a chunked case touches its images only. */
static double slot_bytes(const clcnn_op_run *run, unsigned mask)
{
    double bytes = 0;
    for (int i = 0; i < RUN_MAX_TENSORS; i++) {
        const clcnn_tensor *t = &run->t[i];
        if (!(mask & SLOT(i)) || !t->backend)
            continue;
        double b = (double)t->count * (double)clcnn_dtype_size(t->backend, t->dtype);
        if (t->shape.n == run->cs->n && run->cs->n > 0)
            b *= (double)run->nb / run->cs->n;
        bytes += b;
    }
    return bytes;
}

double clcnn_op_run_bytes(const clcnn_op_run *run)
{
    const clcnn_op_desc *desc = clcnn_op_desc_of(run->cs->op);
    if (desc->bytes)
        return desc->bytes(run);
    return slot_bytes(run, desc->reads) + slot_bytes(run, desc->writes);
}

int clcnn_op_run_output_count(const clcnn_op_run *run) { return run->output_count; }

clcnn_status clcnn_op_run_output(const clcnn_op_run *run, int i, float **values, size_t *count)
{
    const clcnn_tensor *t = &run->t[run->outputs[i]];
    *values = malloc((t->count ? t->count : 1) * sizeof **values);
    *count = t->count;
    if (!*values)
        return clcnn_fail(CLCNN_ERR_NOMEM, "op case: out of host memory");
    if (t->dtype == CLCNN_REAL)
        return clcnn_tensor_download(t, 0, t->count, *values);
    /* I32 outputs (argmax) are compared as floats: exact for |v| < 2^24. */
    int32_t *ints = malloc((t->count ? t->count : 1) * sizeof *ints);
    if (!ints)
        return clcnn_fail(CLCNN_ERR_NOMEM, "op case: out of host memory");
    clcnn_status st = clcnn_tensor_download(t, 0, t->count, ints);
    for (size_t j = 0; st == CLCNN_OK && j < t->count; j++)
        (*values)[j] = (float)ints[j];
    free(ints);
    return st;
}

void clcnn_op_run_destroy(clcnn_op_run *run)
{
    if (!run)
        return;
    for (int i = 0; i < RUN_MAX_TENSORS; i++)
        clcnn_tensor_free(&run->t[i]);
    free(run->mean);
    free(run->std);
    free(run);
}
