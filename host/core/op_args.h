/* Argument checks shared by every backend's ops: each op's checks live here
 * once. Each fails with CLCNN_ERR_ARG and a message naming the op and the
 * tensor. A backend's own limits are data the checks read: its
 * max_elements (the cl kernels index with int). */
#ifndef CLCNN_CORE_OP_ARGS_H
#define CLCNN_CORE_OP_ARGS_H

#include "clcnn/backend.h"

/* The tensor's name for messages ("(unnamed)" when it has none). */
const char *clcnn_tensor_label(const clcnn_tensor *t);

/* t is not NULL, is allocated on be, holds elements of dtype, no more than
 * be->max_elements of them, and exactly count (any number when count is 0). */
clcnn_status clcnn_op_check_count(const clcnn_backend *be, const char *op,
                                  const clcnn_tensor *t, clcnn_dtype dtype, size_t count);

/* As clcnn_op_check_count, with at least min_count elements. */
clcnn_status clcnn_op_check_capacity(const clcnn_backend *be, const char *op,
                                     const clcnn_tensor *t, clcnn_dtype dtype, size_t min_count);

/* add: a, b and y REAL of one count. */
clcnn_status clcnn_op_check_add(const clcnn_backend *be, const clcnn_tensor *a,
                                const clcnn_tensor *b, const clcnn_tensor *y);

/* t (of dtype) is N x C x H x W with the window's input plane, or its output
 * plane when out is set. */
clcnn_status clcnn_op_check_window_tensor(const clcnn_backend *be, const char *op,
                                          const clcnn_window *win, const clcnn_tensor *t,
                                          clcnn_dtype dtype, int out);

/* Images n0 .. n0+nb-1 exist in t. */
clcnn_status clcnn_op_check_images(const char *op, const clcnn_tensor *t, int n0, int nb);

/* A row-major rows x cols matrix with leading dimension ld starting at
 * element offset lies inside the REAL tensor t. */
clcnn_status clcnn_op_check_matrix(const clcnn_backend *be, const char *op, const char *which,
                                   const clcnn_tensor *t, size_t offset, int rows, int cols,
                                   int ld);

/* A column matrix of rows rows for the window (im2col, im2row, col2im):
 * rows >= C*KH*KW. */
clcnn_status clcnn_op_check_col_rows(const char *op, const clcnn_window *win, int rows);

/* copy_columns: cols columns fit both a source row of src_ld and a
 * destination row of dst_ld. */
clcnn_status clcnn_op_check_columns(const char *op, int cols, int src_ld, int dst_ld);

/* hwc_to_chw: rows rows of C*HW values (c, hw >= 1) fit a source row of
 * src_ld; src is rows x src_ld and dst rows x C*HW (both REAL). */
clcnn_status clcnn_op_check_hwc_to_chw(const clcnn_backend *be, const char *op, int rows, int c,
                                       int hw, const clcnn_tensor *src, int src_ld,
                                       const clcnn_tensor *dst);

/* Pooling: x has the window's input plane, y its output plane, the same
 * number of images (both REAL). */
clcnn_status clcnn_op_check_pool(const clcnn_backend *be, const char *op,
                                 const clcnn_window *win, const clcnn_tensor *x,
                                 const clcnn_tensor *y);

/* An activation fused into another op: CLCNN_ACT_NONE, or an activation's
 * kind and slope as activation_forward takes them. */
clcnn_status clcnn_op_check_fused_activation(const char *op, clcnn_activation act, float alpha);

/* Batch normalization: the fused activation act (CLCNN_ACT_NONE or an
 * activation's kind and slope), x, and y when not NULL, of x's count; every
 * per_channel tensor has C elements (all REAL). */
clcnn_status clcnn_op_check_batchnorm(const clcnn_backend *be, const char *op,
                                      clcnn_activation act, float alpha, const clcnn_tensor *x,
                                      const clcnn_tensor *y,
                                      const clcnn_tensor *const *per_channel, int n_per_channel);

/* Group normalization: as batchnorm, with groups >= 1 dividing C and every
 * per_group tensor of N*groups elements. */
clcnn_status clcnn_op_check_groupnorm(const clcnn_backend *be, const char *op, int groups,
                                      const clcnn_tensor *x, const clcnn_tensor *y,
                                      const clcnn_tensor *const *per_channel, int n_per_channel,
                                      const clcnn_tensor *const *per_group, int n_per_group);

/* im2col, im2row (x) and col2im (x is dx): images n0 .. n0+nb-1 of x with
 * the window's input plane, and a column matrix (or its transpose) of rows
 * >= C*KH*KW rows of nb*OH*OW columns. */
clcnn_status clcnn_op_check_col(const clcnn_backend *be, const char *op, const clcnn_window *win,
                                const clcnn_tensor *x, int n0, int nb, int rows,
                                const clcnn_tensor *col);

/* cnp_to_nchw, nchw_to_cnp: images n0 .. n0+nb-1 of y (N x F x H x W), cnp
 * of at least F x nb*H*W elements, bias (when not NULL) of F. */
clcnn_status clcnn_op_check_cnp(const clcnn_backend *be, const char *op, const clcnn_tensor *cnp,
                                const clcnn_tensor *bias, int n0, int nb, const clcnn_tensor *y);

/* An activation's kind and slope, and its tensors a, b and c (c may be
 * NULL) of one count: x, y forward; y, dy, dx backward. */
clcnn_status clcnn_op_check_activation(const clcnn_backend *be, const char *op,
                                       clcnn_activation kind, float alpha, const clcnn_tensor *a,
                                       const clcnn_tensor *b, const clcnn_tensor *c);

/* An optimizer step: its kind, w and g of one count, the state the kind
 * keeps (m; and v and a step >= 1 for Adam) of w's count. */
clcnn_status clcnn_op_check_optimizer(const clcnn_backend *be, const clcnn_optimizer_step *hp,
                                      const clcnn_tensor *w, const clcnn_tensor *g,
                                      const clcnn_tensor *m, const clcnn_tensor *v);

/* loss: kind is a clcnn_loss_kind and label_smoothing is in [0, 1), non-zero
 * only for the softmax loss (SVM and BCE have no smoothed form here). */
clcnn_status clcnn_op_check_loss(clcnn_loss_kind kind, float label_smoothing);

#endif
