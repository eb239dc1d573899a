/* Input normalization of the "cl" backend (kernels/input.cl). The
 * per-channel mean and std come from host memory; they are constant over a
 * training run, so the backend keeps them in a small device buffer and
 * uploads them again only when they change. */
#include <stdlib.h>
#include <string.h>

#include "cl/cl_ops.h"

/* Make the device copy of mean[0..c) and std[0..c) current. */
static clcnn_status update_params(clcnn_backend *be, int c, const float *mean, const float *std)
{
    clcnn_cl_backend *state = clcnn_cl_backend_of(be);
    size_t bytes = 2 * (size_t)c * sizeof(float);
    if (state->input_channels == c && memcmp(state->input_host, mean, bytes / 2) == 0 &&
        memcmp(state->input_host + c, std, bytes / 2) == 0)
        return CLCNN_OK;
    if (c > state->input_capacity) {
        float *host = malloc(bytes);
        if (!host)
            return clcnn_fail(CLCNN_ERR_NOMEM, "normalize_u8: out of host memory");
        clcnn_cl_input_release(state);
        clcnn_status st = clcnn_tensor_alloc(be, &state->input_params,
                                             clcnn_shape_make(2 * c, 1, 1, 1), CLCNN_REAL,
                                             "normalize_u8 mean and std");
        if (st != CLCNN_OK) {
            free(host);
            return st;
        }
        state->input_host = host;
        state->input_capacity = c;
    }
    memcpy(state->input_host, mean, bytes / 2);
    memcpy(state->input_host + c, std, bytes / 2);
    state->input_channels = 0; /* valid again only once the upload succeeded */
    be->counters.transfers++;
    /* Blocking, as every upload: rare (once per run), and the host copy may be
     * rewritten by the next change. */
    CLCNN_CL_CHECK(clEnqueueWriteBuffer(state->cl.queue, clcnn_cl_mem(&state->input_params),
                                        CL_TRUE, 0, bytes,
                                        state->input_host, 0, NULL, NULL),
                   "normalize_u8: uploading mean and std");
    state->input_channels = c;
    return CLCNN_OK;
}

clcnn_status clcnn_cl_normalize_u8(clcnn_backend *be, const clcnn_tensor *x, const float *mean,
                                   const float *std, clcnn_tensor *y)
{
    const char *op = "normalize_u8", *name = "normalize_u8_kernel";
    CLCNN_TRY(clcnn_op_check_count(be, op, x, CLCNN_U8, 0));
    CLCNN_TRY(clcnn_op_check_count(be, op, y, CLCNN_REAL, x->count));
    int c = x->shape.c, p = x->shape.h * x->shape.w;
    if (!mean || !std)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: mean or std is NULL", op);
    for (int i = 0; i < c; i++)
        if (!(std[i] != 0.0f))
            return clcnn_fail(CLCNN_ERR_ARG, "%s: std[%d] is %g", op, i, (double)std[i]);
    CLCNN_TRY(update_params(be, c, mean, std));
    cl_kernel k;
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    cl_mem xm = clcnn_cl_mem(x), pm = clcnn_cl_mem(&clcnn_cl_backend_of(be)->input_params),
           ym = clcnn_cl_mem(y);
    int planes = x->shape.n * c, run = cl_row_run(be, p);
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(xm), CLCNN_ARG(pm), CLCNN_ARG(ym),
                                CLCNN_ARG(planes), CLCNN_ARG(c), CLCNN_ARG(p), CLCNN_ARG(run)));
    return cl_launch_elements(be, k, name, cl_row_items((size_t)planes, p, run));
}

void clcnn_cl_input_release(clcnn_cl_backend *state)
{
    clcnn_tensor_free(&state->input_params);
    free(state->input_host);
    state->input_host = NULL;
    state->input_capacity = 0;
    state->input_channels = 0;
}
