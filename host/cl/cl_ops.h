/* The ops of the "cl" backend: each enqueues kernels from kernels/ (or a
 * CLBlast GEMM) on the backend's in-order queue and returns without waiting.
 * Every op checks its tensors' backend, dtype and shape on the host first
 * (core/op_args.h; the kernels index with int, so the backend's max_elements
 * is INT_MAX): an out-of-range index on the device would corrupt memory
 * silently.
 *
 * cl_backend.c assembles these into the backend's clcnn_backend_ops table;
 * the semantics of every op are those documented in clcnn/backend.h. */
#ifndef CLCNN_CL_OPS_H
#define CLCNN_CL_OPS_H

#include <clblast_c.h>

#include "cl/cl_runtime.h"
#include "cl/cl_tune_apply.h"
#include "core/op_args.h"
#include "core/try.h"

/* The backend object: clcnn_backend first (so a clcnn_backend * converts to
 * it), then the runtime (be->impl points at it), then the ops' own state. */
typedef struct clcnn_cl_backend {
    clcnn_backend base;
    clcnn_cl cl;
    /* normalize_u8's per-channel mean and std, kept on the device and
     * re-uploaded only when they change (they are constant in training). */
    clcnn_tensor input_params; /* 2 * input_capacity floats */
    int input_capacity;    /* channels the buffer holds */
    int input_channels;    /* channels of the cached values; 0: none cached */
    float *input_host;     /* the cached values: mean[0..C) then std[0..C) */
    /* Outputs per work-item along a row in the row kernels (cl_row_run);
     * 0: the device shape's (1 in the GPU shape, the whole row in the
     * CPU's). Set from CLCNN_ROW_RUN so that tests can run runs that do not
     * divide the rows (3). */
    int row_run;
    /* CLBlast parameters from `clcnn tune`, switched per GEMM class. */
    clcnn_cl_gemm_tuning gemm_tuning;
    /* Transposed operands of the CPU GEMM path (cl_ops_gemm.c), grown on
     * demand and kept; empty until first needed. Both scratch tensors are
     * ordinary backend tensors, so the device limits, the memory cap and the
     * object counts cover them too. */
    clcnn_tensor gemm_scratch[2];
} clcnn_cl_backend;

static inline clcnn_cl_backend *clcnn_cl_backend_of(clcnn_backend *be)
{
    return (clcnn_cl_backend *)be;
}

/* ---- launching (cl_ops_common.c) ---- */

/* Launch the 1-D kernel over count work-items (one per element), in
 * work-groups of the runtime's default size for it, halved while that would
 * leave the device fewer than a few groups per compute unit. */
clcnn_status cl_launch_elements(clcnn_backend *be, cl_kernel kernel, const char *name,
                                size_t count);
/* Elements per work-item along a line of the given width for the row
 * kernels (kernels/common.cl: im2col, col2im, pooling, layout, batch-norm
 * and input passes): 1 on GPUs, where neighbouring work-items then touch
 * neighbouring addresses; the whole line on CPUs, where a work-item costs
 * far more than a few loads and stores (PoCL: ~15 ns each, and a loop over
 * a line vectorizes). */
int cl_row_run(clcnn_backend *be, int width);
/* The unit length of the per-channel reductions' walk (kernels/common.cl):
 * cl_row_run, at most 64, so that the plain float sum of a unit stays
 * accurate (units are then added with Kahan summation) however large the
 * planes are. */
int cl_reduction_run(clcnn_backend *be, int width);
/* Images a CPU work-item of a plane-wise lowering kernel takes (im2col):
 * enough that it writes about 8192 elements (32 KB) of per_image each, at
 * least 1, at most nb. Per-item costs and the vectorized loops' scalar
 * remainders then stay small against the stores. */
int cl_images_per_item(int nb, size_t per_image);
/* Work-items a row kernel needs for lines rows of the given width. */
size_t cl_row_items(size_t lines, int width, int run);
/* The work-group size of a reduction kernel (one work-group per output). */
size_t cl_reduction_group_size(clcnn_backend *be, cl_kernel kernel);
/* The same, halved while larger than the walk's units (n images of p
 * elements in runs of run, see kernels/common.cl): idle work-items still
 * cost their share of every barrier (a 1x1 batch-norm of N = 128 would
 * otherwise run 4096-item groups on a CPU). */
size_t cl_reduction_group_size_for(clcnn_backend *be, cl_kernel kernel, int n, int p, int run);
/* Launch groups work-groups of group_size work-items each. */
clcnn_status cl_launch_groups(clcnn_backend *be, cl_kernel kernel, const char *name,
                              size_t groups, size_t group_size);

/* ---- the ops (see clcnn/backend.h) ---- */

/* cl_ops_elementwise.c */
clcnn_status clcnn_cl_fill(clcnn_backend *be, clcnn_tensor *t, float value);
clcnn_status clcnn_cl_axpy(clcnn_backend *be, float alpha, const clcnn_tensor *x,
                           clcnn_tensor *y);
clcnn_status clcnn_cl_add(clcnn_backend *be, const clcnn_tensor *a, const clcnn_tensor *b,
                          clcnn_tensor *y);
clcnn_status clcnn_cl_scale(clcnn_backend *be, float alpha, clcnn_tensor *y);
clcnn_status clcnn_cl_activation_forward(clcnn_backend *be, clcnn_activation kind, float alpha,
                                         const clcnn_tensor *x, clcnn_tensor *y);
clcnn_status clcnn_cl_activation_backward(clcnn_backend *be, clcnn_activation kind,
                                          float alpha, const clcnn_tensor *y,
                                          const clcnn_tensor *dy, clcnn_tensor *dx);
clcnn_status clcnn_cl_dropout_forward(clcnn_backend *be, float p, uint32_t seed, uint32_t step,
                                      const clcnn_tensor *x, clcnn_tensor *y);
clcnn_status clcnn_cl_dropout_backward(clcnn_backend *be, float p, uint32_t seed,
                                       uint32_t step, const clcnn_tensor *dy, clcnn_tensor *dx);

/* cl_ops_gemm.c. clcnn_cl_sgemm: the row-major SGEMM C = alpha op(A) op(B) +
 * beta C on queue, as clcnn_cl_gemm hands it to CLBlast (without checks,
 * tuning or the CPU path's transposes); `clcnn tune` times the same call.
 * clcnn_cl_gemm_release frees the CPU path's scratch. */
void clcnn_cl_gemm_release(clcnn_cl_backend *state);
/* The operands clcnn_cl_gemm transposes itself before CLBlast runs, so that
 * the GEMM runs as A^T-stored times B (the TN form, which CLBlast's kernel
 * reads without transposing): in the CPU shape (clcnn_device_info.gpu_shape
 * 0; in the GPU shape CLBlast transposes what it must), A unless op(A) =
 * A^T and B when op(B) = B^T. CLBlast's own transpose kernels are several
 * times slower there (16 ms for conv2's 64 x 32768 gradient on PoCL). */
enum { CLCNN_PRETRANSPOSE_A = 1, CLCNN_PRETRANSPOSE_B = 2 };
int clcnn_cl_gemm_pretransposes(int gpu_shape, int trans_a, int trans_b);
CLBlastStatusCode clcnn_cl_sgemm(cl_command_queue queue, int trans_a, int trans_b, int m, int n,
                                 int k, float alpha, cl_mem a, size_t a_offset, int lda,
                                 cl_mem b, size_t b_offset, int ldb, float beta, cl_mem c,
                                 size_t c_offset, int ldc, cl_event *event);
clcnn_status clcnn_cl_gemm(clcnn_backend *be, int trans_a, int trans_b, int m, int n, int k,
                           float alpha, const clcnn_tensor *a, size_t a_offset, int lda,
                           const clcnn_tensor *b, size_t b_offset, int ldb, float beta,
                           clcnn_tensor *c, size_t c_offset, int ldc);

/* cl_ops_conv.c */
clcnn_status clcnn_cl_im2col(clcnn_backend *be, const clcnn_window *win, const clcnn_tensor *x,
                             int n0, int nb, int rows, clcnn_tensor *col);
clcnn_status clcnn_cl_im2row(clcnn_backend *be, const clcnn_window *win, const clcnn_tensor *x,
                             int n0, int nb, int row_len, clcnn_tensor *colt);
clcnn_status clcnn_cl_copy_columns(clcnn_backend *be, int rows, int cols,
                                   const clcnn_tensor *src, int src_ld, clcnn_tensor *dst,
                                   int dst_ld);
clcnn_status clcnn_cl_hwc_to_chw(clcnn_backend *be, int rows, int c, int hw,
                                 const clcnn_tensor *src, int src_ld, clcnn_tensor *dst);
clcnn_status clcnn_cl_col2im(clcnn_backend *be, const clcnn_window *win,
                             const clcnn_tensor *col, int n0, int nb, clcnn_tensor *dx);
clcnn_status clcnn_cl_cnp_to_nchw(clcnn_backend *be, const clcnn_tensor *cnp,
                                  const clcnn_tensor *bias, int n0, int nb, clcnn_tensor *y);
clcnn_status clcnn_cl_nchw_to_cnp(clcnn_backend *be, const clcnn_tensor *y, int n0, int nb,
                                  clcnn_tensor *cnp);
clcnn_status clcnn_cl_add_bias(clcnn_backend *be, const clcnn_tensor *bias, clcnn_tensor *y);
clcnn_status clcnn_cl_bias_backward(clcnn_backend *be, const clcnn_tensor *dy,
                                    clcnn_tensor *db);

/* cl_ops_pool.c */
clcnn_status clcnn_cl_maxpool_forward(clcnn_backend *be, const clcnn_window *win,
                                      clcnn_activation act, float alpha, const clcnn_tensor *x,
                                      clcnn_tensor *y, clcnn_tensor *argmax);
clcnn_status clcnn_cl_maxpool_backward(clcnn_backend *be, const clcnn_window *win,
                                       clcnn_activation act, float alpha, const clcnn_tensor *y,
                                       const clcnn_tensor *dy, const clcnn_tensor *argmax,
                                       clcnn_tensor *dx);
clcnn_status clcnn_cl_avgpool_forward(clcnn_backend *be, const clcnn_window *win,
                                      const clcnn_tensor *x, clcnn_tensor *y);
clcnn_status clcnn_cl_avgpool_backward(clcnn_backend *be, const clcnn_window *win,
                                       const clcnn_tensor *dy, clcnn_tensor *dx);

/* cl_ops_batchnorm.c */
clcnn_status clcnn_cl_batchnorm_forward_train(clcnn_backend *be, const clcnn_tensor *x,
                                              const clcnn_tensor *gamma,
                                              const clcnn_tensor *beta, float momentum,
                                              float eps, clcnn_activation act, float alpha,
                                              clcnn_tensor *running_mean,
                                              clcnn_tensor *running_var,
                                              clcnn_tensor *save_mean,
                                              clcnn_tensor *save_invstd, clcnn_tensor *y);
clcnn_status clcnn_cl_batchnorm_forward_eval(clcnn_backend *be, const clcnn_tensor *x,
                                             const clcnn_tensor *gamma, const clcnn_tensor *beta,
                                             const clcnn_tensor *running_mean,
                                             const clcnn_tensor *running_var, float eps,
                                             clcnn_activation act, float alpha, clcnn_tensor *y);
clcnn_status clcnn_cl_batchnorm_backward(clcnn_backend *be, const clcnn_tensor *dy,
                                         const clcnn_tensor *x, const clcnn_tensor *gamma,
                                         const clcnn_tensor *beta, const clcnn_tensor *save_mean,
                                         const clcnn_tensor *save_invstd, clcnn_activation act,
                                         float alpha, clcnn_tensor *dx, clcnn_tensor *dgamma,
                                         clcnn_tensor *dbeta);

/* cl_ops_groupnorm.c */
clcnn_status clcnn_cl_groupnorm_forward(clcnn_backend *be, int groups, float eps,
                                        const clcnn_tensor *x, const clcnn_tensor *gamma,
                                        const clcnn_tensor *beta, clcnn_tensor *save_mean,
                                        clcnn_tensor *save_invstd, clcnn_tensor *y);
clcnn_status clcnn_cl_groupnorm_backward(clcnn_backend *be, int groups, const clcnn_tensor *dy,
                                         const clcnn_tensor *x, const clcnn_tensor *gamma,
                                         const clcnn_tensor *save_mean,
                                         const clcnn_tensor *save_invstd, clcnn_tensor *dx,
                                         clcnn_tensor *dgamma, clcnn_tensor *dbeta);

/* cl_ops_loss.c */
clcnn_status clcnn_cl_loss(clcnn_backend *be, clcnn_loss_kind kind, float smoothing,
                           const clcnn_tensor *logits, const clcnn_tensor *labels,
                           float grad_scale, clcnn_tensor *dlogits, clcnn_tensor *stats);

/* cl_ops_optimizer.c */
clcnn_status clcnn_cl_optimizer_step(clcnn_backend *be, const clcnn_optimizer_step *hp,
                                     clcnn_tensor *w, const clcnn_tensor *g, clcnn_tensor *m,
                                     clcnn_tensor *v);

/* cl_ops_input.c; clcnn_cl_input_release frees the parameter cache. */
clcnn_status clcnn_cl_normalize_u8(clcnn_backend *be, const clcnn_tensor *x, const float *mean,
                                   const float *std, clcnn_tensor *y);
void clcnn_cl_input_release(clcnn_cl_backend *state);

#endif
