/* Argument checks shared by every backend's ops. Each fails with
 * CLCNN_ERR_ARG and a message naming the op and the tensor; the backends add
 * their own limits on top (the cl kernels index with int, say). */
#ifndef CLCNN_CORE_OP_ARGS_H
#define CLCNN_CORE_OP_ARGS_H

#include "clcnn/backend.h"

/* The tensor's name for messages ("(unnamed)" when it has none). */
const char *clcnn_tensor_label(const clcnn_tensor *t);

/* t is not NULL, is allocated on be and holds elements of dtype. */
clcnn_status clcnn_op_check_tensor(const clcnn_backend *be, const char *op,
                                   const clcnn_tensor *t, clcnn_dtype dtype);

/* t is N x C x H x W with the window's input plane, or its output plane when
 * out is set. */
clcnn_status clcnn_op_check_window_shape(const char *op, const clcnn_window *win,
                                         const clcnn_tensor *t, int out);

/* Images n0 .. n0+nb-1 exist in t. */
clcnn_status clcnn_op_check_images(const char *op, const clcnn_tensor *t, int n0, int nb);

/* A row-major rows x cols matrix with leading dimension ld starting at
 * element offset lies inside t. */
clcnn_status clcnn_op_check_matrix(const char *op, const char *which, const clcnn_tensor *t,
                                   size_t offset, int rows, int cols, int ld);

/* A column matrix of rows rows for the window (im2col, im2row, col2im):
 * rows >= C*KH*KW. */
clcnn_status clcnn_op_check_col_rows(const char *op, const clcnn_window *win, int rows);

/* copy_columns: cols columns fit both a source row of src_ld and a
 * destination row of dst_ld. */
clcnn_status clcnn_op_check_columns(const char *op, int cols, int src_ld, int dst_ld);

#endif
