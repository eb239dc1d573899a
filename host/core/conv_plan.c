/* The GEMM plan of a convolution (conv_plan.h). */
#include "core/conv_plan.h"

#include "clcnn/backend.h"

clcnn_conv_plan clcnn_conv_plan_make(int filters, int c, int kh, int kw, int oh, int ow,
                                     int multiple_mk, int multiple_n, size_t real_size,
                                     size_t budget_bytes, int batch)
{
    clcnn_conv_plan p;
    p.filters = filters;
    p.ckk = c * kh * kw;
    p.positions = oh * ow;
    p.col_rows = clcnn_round_up(p.ckk, multiple_mk);
    p.colt_row_len = clcnn_round_up(p.ckk, multiple_n);
    p.grad_reordered = p.colt_row_len > p.ckk || (c > 1 && kh * kw > 1);
    int widest = p.col_rows > p.colt_row_len ? p.col_rows : p.colt_row_len;
    p.col_per_image = (size_t)widest * (size_t)p.positions;
    p.cnp_per_image = (size_t)filters * (size_t)p.positions;
    size_t fit = budget_bytes / (p.col_per_image * real_size);
    p.chunk = fit < 1 ? 1 : fit > (size_t)batch ? batch : (int)fit;
    p.full_chunks = batch / p.chunk;
    p.rest = batch % p.chunk;
    return p;
}

clcnn_conv_gemm clcnn_conv_plan_gemm(const clcnn_conv_plan *plan, clcnn_conv_gemm_role role,
                                     int nb)
{
    int cols = nb * plan->positions, f = plan->filters;
    switch (role) {
    case CLCNN_CONV_GEMM_WEIGHT_GRAD: return (clcnn_conv_gemm){0, 0, f, plan->colt_row_len, cols};
    case CLCNN_CONV_GEMM_INPUT_GRAD: return (clcnn_conv_gemm){1, 0, plan->col_rows, cols, f};
    default: return (clcnn_conv_gemm){0, 0, f, cols, plan->col_rows};
    }
}
