/* Batch normalization over an N x C x P tensor, per channel (M = N*P values
 * each). Statistics are parallel reductions with one work-group per channel;
 * the per-element passes are separate row kernels (common.cl) whose lines
 * are the N*C planes.
 * Variances are computed in two passes (mean first, then squared deviations)
 * so that large means do not cancel the variance away. */

/* Training statistics of channel get_group_id(0): save_mean, save_invstd =
 * 1/sqrt(biased var + eps), and the running averages (unbiased variance;
 * M = 1 has no unbiased estimate, the biased one (0) is used). */
__kernel void bn_stats_kernel(__global const float *x, int n, int c, int p, int run,
                              float momentum,
                              float eps, __global float *running_mean,
                              __global float *running_var, __global float *save_mean,
                              __global float *save_invstd, __local float *scratch)
{
    int ch = (int)get_group_id(0);
    int m_total = n * p, lid = (int)get_local_id(0);
    float sum = 0.0f, comp = 0.0f;
    for (clcnn_channel_walk at = clcnn_walk_start(p, run); at.n < n; clcnn_walk_next(&at)) {
        __global const float *unit = x + clcnn_walk_index(&at, ch, c, p, run);
        float unit_sum = 0.0f;
        for (int k = 0, len = clcnn_walk_length(&at, p, run); k < len; ++k)
            unit_sum += unit[k];
        clcnn_kahan_add(&sum, &comp, unit_sum);
    }
    float mean = clcnn_group_sum(scratch, sum) / (float)m_total;
    float sq = 0.0f;
    comp = 0.0f;
    for (clcnn_channel_walk at = clcnn_walk_start(p, run); at.n < n; clcnn_walk_next(&at)) {
        __global const float *unit = x + clcnn_walk_index(&at, ch, c, p, run);
        float unit_sum = 0.0f;
        for (int k = 0, len = clcnn_walk_length(&at, p, run); k < len; ++k) {
            float d = unit[k] - mean;
            unit_sum += d * d;
        }
        clcnn_kahan_add(&sq, &comp, unit_sum);
    }
    float var = clcnn_group_sum(scratch, sq) / (float)m_total;
    if (lid == 0) {
        float unbiased = m_total > 1 ? var * (float)m_total / (float)(m_total - 1) : var;
        save_mean[ch] = mean;
        save_invstd[ch] = 1.0f / sqrt(var + eps);
        running_mean[ch] = (1.0f - momentum) * running_mean[ch] + momentum * mean;
        running_var[ch] = (1.0f - momentum) * running_var[ch] + momentum * unbiased;
    }
}

/* y = act(gamma * (x - mean) * invstd + beta), per channel. */
__kernel void bn_normalize_kernel(__global const float *x, __global const float *gamma,
                                  __global const float *beta, __global const float *mean,
                                  __global const float *invstd, int act, float alpha,
                                  __global float *y, int planes, int c, int p, int run)
{
    int plane, begin, end;
    if (!clcnn_row_span(planes, p, run, &plane, &begin, &end))
        return;
    int ch = plane % c;
    float g = gamma[ch], b = beta[ch], mu = mean[ch], is = invstd[ch];
    size_t base = (size_t)plane * p;
    for (int q = begin; q < end; ++q)
        y[base + q] = clcnn_act(act, alpha, g * ((x[base + q] - mu) * is) + b);
}

/* Inference: the same with the running statistics. */
__kernel void bn_eval_kernel(__global const float *x, __global const float *gamma,
                             __global const float *beta, __global const float *running_mean,
                             __global const float *running_var, float eps, int act, float alpha,
                             __global float *y, int planes, int c, int p, int run)
{
    int plane, begin, end;
    if (!clcnn_row_span(planes, p, run, &plane, &begin, &end))
        return;
    int ch = plane % c;
    float g = gamma[ch], b = beta[ch], mu = running_mean[ch];
    float is = 1.0f / sqrt(running_var[ch] + eps);
    size_t base = (size_t)plane * p;
    for (int q = begin; q < end; ++q)
        y[base + q] = clcnn_act(act, alpha, g * ((x[base + q] - mu) * is) + b);
}

/* dbeta = sum dz and dgamma = sum dz * xhat for channel get_group_id(0), dz =
 * dy * act'(z) (common.cl). */
__kernel void bn_backward_reduce_kernel(__global const float *dy, __global const float *x,
                                        __global const float *gamma, __global const float *beta,
                                        __global const float *mean,
                                        __global const float *invstd, int act, float alpha,
                                        int n, int c, int p, int run, __global float *dgamma,
                                        __global float *dbeta, __local float *scratch)
{
    clcnn_norm_param_grads(dy, x, mean, invstd, gamma, beta, act, alpha, n, c, p, 0, run, dgamma,
                           dbeta, scratch);
}

/* dx = gamma * invstd * (dz - dbeta/M - xhat * dgamma/M). */
__kernel void bn_backward_dx_kernel(__global const float *dy, __global const float *x,
                                    __global const float *gamma, __global const float *beta,
                                    __global const float *mean, __global const float *invstd,
                                    int act, float alpha, __global const float *dgamma,
                                    __global const float *dbeta, __global float *dx, int planes,
                                    int c, int p, int m_total, int run)
{
    int plane, begin, end;
    if (!clcnn_row_span(planes, p, run, &plane, &begin, &end))
        return;
    int ch = plane % c;
    float is = invstd[ch], mu = mean[ch], gm = gamma[ch], bt = beta[ch], k = gm * is;
    float inv_m = 1.0f / (float)m_total;
    float mean_dz = dbeta[ch] * inv_m, mean_dz_xhat = dgamma[ch] * inv_m;
    size_t base = (size_t)plane * p;
    for (int q = begin; q < end; ++q) {
        float xhat = (x[base + q] - mu) * is;
        float dz = dy[base + q];
        if (act != CLCNN_ACT_NONE)
            dz *= clcnn_act_slope(act, alpha, gm * xhat + bt);
        dx[base + q] = k * (dz - mean_dz - xhat * mean_dz_xhat);
    }
}
