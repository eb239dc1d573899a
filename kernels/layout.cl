/* Layout changes between the GEMM's F x (NB*P) "CNP" matrix and NCHW images,
 * and the bias ops. The element-wise ones are row kernels (common.cl) whose
 * lines are the planes (one image channel, P elements). */

/* y[n0+b][f][q] = cnp[f][b*P + q] (+ bias[f] when has_bias); line = b*F + f. */
__kernel void cnp_to_nchw_kernel(__global const float *cnp, __global const float *bias,
                                 int has_bias, __global float *y, int n0, int nb, int f, int p,
                                 int run)
{
    int plane, begin, end;
    if (!clcnn_row_span(nb * f, p, run, &plane, &begin, &end))
        return;
    int b = plane / f, ch = plane - b * f;
    float add = has_bias ? bias[ch] : 0.0f;
    __global const float *in = cnp + ((size_t)ch * nb + b) * p;
    __global float *out = y + ((size_t)n0 * f + plane) * p;
    for (int q = begin; q < end; ++q)
        out[q] = in[q] + add;
}

/* cnp[f][b*P + q] = y[n0+b][f][q]; line = b*F + f. */
__kernel void nchw_to_cnp_kernel(__global const float *y, __global float *cnp, int n0, int nb,
                                 int f, int p, int run)
{
    int plane, begin, end;
    if (!clcnn_row_span(nb * f, p, run, &plane, &begin, &end))
        return;
    int b = plane / f, ch = plane - b * f;
    __global const float *in = y + ((size_t)n0 * f + plane) * p;
    __global float *out = cnp + ((size_t)ch * nb + b) * p;
    for (int q = begin; q < end; ++q)
        out[q] = in[q];
}

/* y[n][c][q] += bias[c] over the whole N x C x P tensor; line = n*C + c. */
__kernel void add_bias_kernel(__global const float *bias, __global float *y, int planes, int c,
                              int p, int run)
{
    int plane, begin, end;
    if (!clcnn_row_span(planes, p, run, &plane, &begin, &end))
        return;
    float add = bias[plane % c];
    __global float *out = y + (size_t)plane * p;
    for (int q = begin; q < end; ++q)
        out[q] += add;
}

/* db[ch] = sum over n, q of dy[n][ch][q]: one work-group per channel. */
__kernel void bias_backward_kernel(__global const float *dy, __global float *db, int n, int c,
                                   int p, int run, __local float *scratch)
{
    int ch = (int)get_group_id(0);
    float sum = 0.0f, comp = 0.0f;
    for (clcnn_channel_walk at = clcnn_walk_start(p, run); at.n < n; clcnn_walk_next(&at)) {
        __global const float *unit = dy + clcnn_walk_index(&at, ch, c, p, run);
        clcnn_kahan_add(&sum, &comp, clcnn_unit_sum(unit, clcnn_walk_length(&at, p, run), 0, 0.0f));
    }
    sum = clcnn_group_sum(scratch, sum);
    if (get_local_id(0) == 0)
        db[ch] = sum;
}

/* out = in^T for the CPU GEMM path (host/cl/cl_ops_gemm.c): in is rows x
 * cols with leading dimension ld, from element in_offset; out is cols x rows,
 * packed. One work-item per 32 x 32 tile. It reads each input row segment
 * once, contiguously, and writes the tile's 32 output rows a column at a
 * time (they stay in the cache meanwhile): ld is often a power of two
 * (k = 32768), and reading down input columns would put all 32 input lines
 * in one cache set. */
#define CLCNN_TRANSPOSE_TILE 32
__kernel void transpose_kernel(__global const float *in, int in_offset, int rows, int cols,
                               int ld, __global float *out)
{
    int tiles_c = (cols + CLCNN_TRANSPOSE_TILE - 1) / CLCNN_TRANSPOSE_TILE;
    int tiles_r = (rows + CLCNN_TRANSPOSE_TILE - 1) / CLCNN_TRANSPOSE_TILE;
    int t = (int)get_global_id(0);
    if (t >= tiles_r * tiles_c)
        return;
    int r0 = (t / tiles_c) * CLCNN_TRANSPOSE_TILE, c0 = (t % tiles_c) * CLCNN_TRANSPOSE_TILE;
    int r1 = min(rows, r0 + CLCNN_TRANSPOSE_TILE), c1 = min(cols, c0 + CLCNN_TRANSPOSE_TILE);
    __global const float *src = in + in_offset;
    for (int r = r0; r < r1; ++r)
        for (int c = c0; c < c1; ++c)
            out[(size_t)c * rows + r] = src[(size_t)r * ld + c];
}

/* dst[r][q] = q < cols ? src[r][q] : 0 for q < dst_ld (GEMM operand padding
 * and cropping); line = r. */
__kernel void copy_columns_kernel(__global const float *src, int src_ld, __global float *dst,
                                  int dst_ld, int rows, int cols, int run)
{
    int r, begin, end;
    if (!clcnn_row_span(rows, dst_ld, run, &r, &begin, &end))
        return;
    __global const float *in = src + (size_t)r * src_ld;
    __global float *out = dst + (size_t)r * dst_ld;
    for (int q = begin; q < end; ++q)
        out[q] = q < cols ? in[q] : 0.0f;
}

/* dst[r][ch*hw + q] = src[r][q*c + ch]: a weight gradient's columns from
 * im2row's window order to the weight's; line r, c*hw wide. */
__kernel void hwc_to_chw_kernel(__global const float *src, int src_ld, __global float *dst,
                                int rows, int c, int hw, int run)
{
    int r, begin, end;
    if (!clcnn_row_span(rows, c * hw, run, &r, &begin, &end))
        return;
    __global const float *in = src + (size_t)r * src_ld;
    __global float *out = dst + (size_t)r * c * hw;
    for (int t = begin; t < end; ++t) {
        int ch = t / hw, q = t - ch * hw;
        out[t] = in[q * c + ch];
    }
}
