/* Layout changes between the GEMM's F x (NB*P) "CNP" matrix and NCHW images,
 * and the bias ops. One work-item per element of the tensor being written. */

/* y[n0+b][f][p] = cnp[f][b*P + p] (+ bias[f] when has_bias). */
__kernel void cnp_to_nchw_kernel(__global const float *cnp, __global const float *bias,
                                 int has_bias, __global float *y, int n0, int nb, int f, int p)
{
    int total = nb * f * p;
    int gid = (int)get_global_id(0);
    if (gid >= total)
        return;
    int q = gid % p, ch = (gid / p) % f, b = gid / (p * f);
    float v = cnp[(size_t)ch * nb * p + (size_t)b * p + q];
    if (has_bias)
        v += bias[ch];
    y[(size_t)n0 * f * p + gid] = v;
}

/* cnp[f][b*P + p] = y[n0+b][f][p]. */
__kernel void nchw_to_cnp_kernel(__global const float *y, __global float *cnp, int n0, int nb,
                                 int f, int p)
{
    int total = nb * f * p;
    int gid = (int)get_global_id(0);
    if (gid >= total)
        return;
    int cols = nb * p;
    int ch = gid / cols, q = gid - ch * cols;
    int b = q / p, pp = q - b * p;
    cnp[gid] = y[((size_t)(n0 + b) * f + ch) * p + pp];
}

/* y[n][c][p] += bias[c] over the whole N x C x P tensor. */
__kernel void add_bias_kernel(__global const float *bias, __global float *y, int total, int c,
                              int p)
{
    int gid = (int)get_global_id(0);
    if (gid >= total)
        return;
    y[gid] += bias[(gid / p) % c];
}

/* db[ch] = sum over n, p of dy[n][ch][p]: one work-group per channel. */
__kernel void bias_backward_kernel(__global const float *dy, __global float *db, int n, int c,
                                   int p, __local float *scratch)
{
    int ch = (int)get_group_id(0);
    int m_total = n * p;
    float sum = 0.0f;
    for (int m = (int)get_local_id(0); m < m_total; m += (int)get_local_size(0))
        sum += dy[CLCNN_CHANNEL_INDEX(m, ch, c, p)];
    sum = clcnn_group_sum(scratch, sum);
    if (get_local_id(0) == 0)
        db[ch] = sum;
}
