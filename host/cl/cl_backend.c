/* The "cl" backend: its ops table, creation and destruction. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cl/cl_ops.h"

static void cl_backend_destroy(clcnn_backend *be)
{
    clcnn_cl_backend *state = clcnn_cl_backend_of(be);
    clcnn_cl_input_release(state);
    clcnn_cl_gemm_release(state);
    clcnn_cl_close(&state->cl);
    free(state);
}

static unsigned long long cl_max_alloc_bytes(const clcnn_backend *be)
{
    return ((const clcnn_cl *)be->impl)->info.max_alloc_bytes;
}

static const clcnn_backend_ops cl_ops = {
    .alloc = clcnn_cl_alloc,
    .release = clcnn_cl_release,
    .alloc_part = clcnn_cl_alloc_part,
    .upload = clcnn_cl_upload,
    .download = clcnn_cl_download,
    .fill = clcnn_cl_fill,
    .axpy = clcnn_cl_axpy,
    .add = clcnn_cl_add,
    .scale = clcnn_cl_scale,
    .gemm = clcnn_cl_gemm,
    .copy_columns = clcnn_cl_copy_columns,
    .hwc_to_chw = clcnn_cl_hwc_to_chw,
    .im2col = clcnn_cl_im2col,
    .im2row = clcnn_cl_im2row,
    .col2im = clcnn_cl_col2im,
    .cnp_to_nchw = clcnn_cl_cnp_to_nchw,
    .nchw_to_cnp = clcnn_cl_nchw_to_cnp,
    .add_bias = clcnn_cl_add_bias,
    .bias_backward = clcnn_cl_bias_backward,
    .maxpool_forward = clcnn_cl_maxpool_forward,
    .maxpool_backward = clcnn_cl_maxpool_backward,
    .avgpool_forward = clcnn_cl_avgpool_forward,
    .avgpool_backward = clcnn_cl_avgpool_backward,
    .batchnorm_forward_train = clcnn_cl_batchnorm_forward_train,
    .batchnorm_forward_eval = clcnn_cl_batchnorm_forward_eval,
    .batchnorm_backward = clcnn_cl_batchnorm_backward,
    .activation_forward = clcnn_cl_activation_forward,
    .activation_backward = clcnn_cl_activation_backward,
    .dropout_forward = clcnn_cl_dropout_forward,
    .dropout_backward = clcnn_cl_dropout_backward,
    .loss = clcnn_cl_loss,
    .optimizer_step = clcnn_cl_optimizer_step,
    .normalize_u8 = clcnn_cl_normalize_u8,
    .groupnorm_forward = clcnn_cl_groupnorm_forward,
    .groupnorm_backward = clcnn_cl_groupnorm_backward,
    .device = clcnn_backend_cl_device,
    .max_alloc_bytes = cl_max_alloc_bytes,
    .finish = clcnn_cl_finish,
    .destroy = cl_backend_destroy,
};

clcnn_status clcnn_backend_cl_create(const char *spec, clcnn_backend **out)
{
    *out = NULL;
    clcnn_cl_backend *state = calloc(1, sizeof *state);
    if (!state)
        return clcnn_fail(CLCNN_ERR_NOMEM, "creating the cl backend: out of memory");
    clcnn_status st = clcnn_cl_open(spec, &state->cl);
    if (st != CLCNN_OK) {
        free(state);
        return st;
    }
    const char *run = getenv("CLCNN_ROW_RUN");
    state->row_run = run ? atoi(run) : 0;
    /* CLCNN_TUNING=0 runs CLBlast's defaults even when the device is tuned
     * (to measure what tuning brings). */
    const char *tuning = getenv("CLCNN_TUNING");
    if (!tuning || strcmp(tuning, "0") != 0)
        clcnn_cl_tune_load(&state->cl, &state->gemm_tuning);
    clcnn_backend *be = &state->base;
    be->ops = &cl_ops;
    be->name = "cl";
    be->real_size = sizeof(float);
    be->gemm_multiple_mk = CLCNN_CL_GEMM_MULTIPLE_MK;
    be->gemm_multiple_n = CLCNN_CL_GEMM_MULTIPLE_N;
    be->part_align = state->cl.part_align_bytes / sizeof(float);
    be->max_elements = INT_MAX; /* the kernels index with int */
    be->impl = &state->cl;
    *out = be;
    return CLCNN_OK;
}

const clcnn_device_info *clcnn_backend_cl_device(const clcnn_backend *be)
{
    if (!be || be->ops != &cl_ops)
        return NULL;
    return &((const clcnn_cl *)be->impl)->info;
}
