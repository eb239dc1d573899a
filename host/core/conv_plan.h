/* The GEMM plan of a convolution: its padded sizes, its chunking by the
 * im2col byte budget and its three GEMM shapes. One function computes them
 * for the layer that runs the convolution (host/nn/layer_conv.c), for the
 * tuner that searches its GEMMs (host/cl/cl_tune_shapes.c) and for the bench
 * that times them (bench/bench_plan.c), so the three cannot drift apart.
 *
 * With P = OH*OW and CKK = C*KH*KW (see layer_conv.c for the algorithm):
 *   forward         cnp = Wr * col          NN  F x nb*P x R
 *   weight gradient dWt += cnp * colt       NN  F x Rt x nb*P (window order)
 *   input gradient  col = Wr^T * cnp        TN  R x nb*P x F
 * with R = CKK padded to the backend's gemm_multiple_mk (the im2col rows)
 * and Rt = CKK padded to its gemm_multiple_n (the im2row row length). */
#ifndef CLCNN_CORE_CONV_PLAN_H
#define CLCNN_CORE_CONV_PLAN_H

#include <stddef.h>

/* The im2col budget of clcnn_net_options when it is 0 (clcnn/net.h). */
#define CLCNN_DEFAULT_COL_BUDGET ((size_t)256 << 20)

typedef struct clcnn_conv_plan {
    int filters;           /* F */
    int ckk;               /* C*KH*KW */
    int positions;         /* P = OH*OW */
    int col_rows;          /* R: CKK padded to gemm_multiple_mk */
    int colt_row_len;      /* Rt: CKK padded to gemm_multiple_n */
    int grad_reordered;    /* the weight-gradient GEMM's result (F x Rt, im2row's
                            * window order) needs hwc_to_chw to become dW: Rt >
                            * CKK, or C > 1 with a window larger than 1x1 */
    size_t col_per_image;  /* elements of col or colt per image, the larger */
    size_t cnp_per_image;  /* F*P */
    int chunk;             /* images per chunk: as many as the budget holds, 1..batch */
    int full_chunks;       /* batch = full_chunks * chunk + rest */
    int rest;
} clcnn_conv_plan;

/* The plan of a convolution of F filters of C x KH x KW with an OH x OW
 * output, on a backend with the given GEMM multiples and bytes per real,
 * for batches of batch images and a budget of budget_bytes for one chunk's
 * im2col (or im2row) matrix. */
clcnn_conv_plan clcnn_conv_plan_make(int filters, int c, int kh, int kw, int oh, int ow,
                                     int multiple_mk, int multiple_n, size_t real_size,
                                     size_t budget_bytes, int batch);

typedef enum clcnn_conv_gemm_role {
    CLCNN_CONV_GEMM_FORWARD,
    CLCNN_CONV_GEMM_WEIGHT_GRAD,
    CLCNN_CONV_GEMM_INPUT_GRAD,
    CLCNN_CONV_GEMM_ROLES
} clcnn_conv_gemm_role;

/* A row-major GEMM C = op(A) * op(B), C m x n, inner dimension k. */
typedef struct clcnn_conv_gemm {
    int trans_a, trans_b;
    int m, n, k;
} clcnn_conv_gemm;

/* The GEMM of role for a chunk of nb images. */
clcnn_conv_gemm clcnn_conv_plan_gemm(const clcnn_conv_plan *plan, clcnn_conv_gemm_role role,
                                     int nb);

#endif
