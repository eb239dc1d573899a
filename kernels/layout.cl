/* Layout changes between the GEMM's F x (NB*P) "CNP" matrix and NCHW images,
 * and the bias ops. One work-item per element written; the layout kernels
 * run on a 2-D range (dimension 0: the P elements of a plane, dimension 1:
 * the planes), see common.cl. */

/* y[n0+b][f][q] = cnp[f][b*P + q] (+ bias[f] when has_bias); plane = b*F + f. */
__kernel void cnp_to_nchw_kernel(__global const float *cnp, __global const float *bias,
                                 int has_bias, __global float *y, int n0, int nb, int f, int p)
{
    int q = (int)get_global_id(0), plane = (int)get_global_id(1);
    if (q >= p || plane >= nb * f)
        return;
    int b = plane / f, ch = plane - b * f;
    float v = cnp[((size_t)ch * nb + b) * p + q];
    if (has_bias)
        v += bias[ch];
    y[((size_t)n0 * f + plane) * p + q] = v;
}

/* cnp[f][b*P + q] = y[n0+b][f][q]; plane = b*F + f. */
__kernel void nchw_to_cnp_kernel(__global const float *y, __global float *cnp, int n0, int nb,
                                 int f, int p)
{
    int q = (int)get_global_id(0), plane = (int)get_global_id(1);
    if (q >= p || plane >= nb * f)
        return;
    int b = plane / f, ch = plane - b * f;
    cnp[((size_t)ch * nb + b) * p + q] = y[((size_t)n0 * f + plane) * p + q];
}

/* y[n][c][q] += bias[c] over the whole N x C x P tensor; plane = n*C + c. */
__kernel void add_bias_kernel(__global const float *bias, __global float *y, int planes, int c,
                              int p)
{
    int q = (int)get_global_id(0), plane = (int)get_global_id(1);
    if (q >= p || plane >= planes)
        return;
    y[(size_t)plane * p + q] += bias[plane % c];
}

/* db[ch] = sum over n, q of dy[n][ch][q]: one work-group per channel. */
__kernel void bias_backward_kernel(__global const float *dy, __global float *db, int n, int c,
                                   int p, __local float *scratch)
{
    int ch = (int)get_group_id(0);
    float sum = 0.0f, comp = 0.0f;
    for (clcnn_channel_walk at = clcnn_walk_start(p); at.n < n; clcnn_walk_next(&at, p))
        clcnn_kahan_add(&sum, &comp, dy[clcnn_walk_index(&at, ch, c, p)]);
    sum = clcnn_group_sum(scratch, sum);
    if (get_local_id(0) == 0)
        db[ch] = sum;
}
