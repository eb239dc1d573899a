/* Group normalization (layer norm: one group) over an N x C x P tensor with
 * G groups of Cg = C/G channels. The M = Cg*P values of image n, group g are
 * contiguous, from (n*G + g)*M on; one work-group per (n, g) reduces them
 * (clcnn_group_sum: any power-of-two local size, 1 included) and then
 * writes its own outputs, so no scratch memory is needed. Each work-item
 * walks units of `run` consecutive values (1 on GPUs: neighbouring
 * work-items read neighbouring addresses; up to 64 on CPUs), summed plainly
 * and added with Kahan summation. Variances take two passes. */

/* Sum over the group's M values from base of f(value) where f is selected
 * by `what`: 0 the value, 1 its squared deviation from mu. */
float gn_group_sum(__global const float *x, size_t base, int m, int run, int what, float mu,
                   __local float *scratch)
{
    int lid = (int)get_local_id(0), size = (int)get_local_size(0);
    float sum = 0.0f, comp = 0.0f;
    for (int u = lid * run; u < m; u += size * run) {
        clcnn_kahan_add(&sum, &comp, clcnn_unit_sum(x + base + u, min(m, u + run) - u, what, mu));
    }
    return clcnn_group_sum(scratch, sum);
}

/* Statistics of group get_group_id(0) = n*G + g into save_mean and
 * save_invstd = 1/sqrt(biased var + eps), then y = gamma[c]*xhat + beta[c].
 * x == y (in place) is fine: every value is read before it is written. */
__kernel void gn_forward_kernel(__global const float *x, __global const float *gamma,
                                __global const float *beta, int cg, int p, int groups, int run,
                                float eps, __global float *save_mean,
                                __global float *save_invstd, __global float *y,
                                __local float *scratch)
{
    int grp = (int)get_group_id(0), lid = (int)get_local_id(0), size = (int)get_local_size(0);
    int m = cg * p, first_channel = (grp % groups) * cg;
    size_t base = (size_t)grp * m;
    float mean = gn_group_sum(x, base, m, run, 0, 0.0f, scratch) / (float)m;
    float var = gn_group_sum(x, base, m, run, 1, mean, scratch) / (float)m;
    float invstd = 1.0f / sqrt(var + eps);
    if (lid == 0) {
        save_mean[grp] = mean;
        save_invstd[grp] = invstd;
    }
    for (int u = lid * run; u < m; u += size * run)
        for (int k = u, end = min(m, u + run); k < end; ++k) {
            int ch = first_channel + k / p;
            y[base + k] = gamma[ch] * ((x[base + k] - mean) * invstd) + beta[ch];
        }
}

/* dgamma[c] = sum dy * xhat and dbeta[c] = sum dy over the images and
 * positions of channel get_group_id(0); xhat uses the statistics of each
 * image's group. */
__kernel void gn_backward_params_kernel(__global const float *dy, __global const float *x,
                                        __global const float *save_mean,
                                        __global const float *save_invstd, int n, int c, int p,
                                        int groups, int run, __global float *dgamma,
                                        __global float *dbeta, __local float *scratch)
{
    clcnn_norm_param_grads(dy, x, save_mean, save_invstd, dy, dy, CLCNN_ACT_NONE, 0.0f, n, c, p,
                           groups, run, dgamma, dbeta, scratch); /* no fused activation */
}

/* dx of group get_group_id(0): with dxhat = dy * gamma[c] and means over the
 * group, dx = invstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)).
 * dx == dy is fine: each work-item reads its values before it writes them,
 * and the group sums' barriers separate the two passes. */
__kernel void gn_backward_dx_kernel(__global const float *dy, __global const float *x,
                                    __global const float *gamma, __global const float *save_mean,
                                    __global const float *save_invstd, int cg, int p, int groups,
                                    int run, __global float *dx, __local float *scratch)
{
    int grp = (int)get_group_id(0), lid = (int)get_local_id(0), size = (int)get_local_size(0);
    int m = cg * p, first_channel = (grp % groups) * cg;
    size_t base = (size_t)grp * m;
    float mu = save_mean[grp], is = save_invstd[grp];
    float sum = 0.0f, comp = 0.0f, sum_x = 0.0f, comp_x = 0.0f;
    for (int u = lid * run; u < m; u += size * run) {
        float unit = 0.0f, unit_x = 0.0f;
        for (int k = u, end = min(m, u + run); k < end; ++k) {
            float dxhat = dy[base + k] * gamma[first_channel + k / p];
            unit += dxhat;
            unit_x += dxhat * ((x[base + k] - mu) * is);
        }
        clcnn_kahan_add(&sum, &comp, unit);
        clcnn_kahan_add(&sum_x, &comp_x, unit_x);
    }
    float mean_dxhat = clcnn_group_sum(scratch, sum) / (float)m;
    float mean_dxhat_xhat = clcnn_group_sum(scratch, sum_x) / (float)m;
    for (int u = lid * run; u < m; u += size * run)
        for (int k = u, end = min(m, u + run); k < end; ++k) {
            float dxhat = dy[base + k] * gamma[first_channel + k / p];
            float xhat = (x[base + k] - mu) * is;
            dx[base + k] = is * (dxhat - mean_dxhat - xhat * mean_dxhat_xhat);
        }
}
