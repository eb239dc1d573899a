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
        clcnn_kahan_add(&sum, &comp, clcnn_unit_sum(unit, clcnn_walk_length(&at, p, run), 0, 0.0f));
    }
    float mean = clcnn_group_sum(scratch, sum) / (float)m_total;
    float sq = 0.0f;
    comp = 0.0f;
    for (clcnn_channel_walk at = clcnn_walk_start(p, run); at.n < n; clcnn_walk_next(&at)) {
        __global const float *unit = x + clcnn_walk_index(&at, ch, c, p, run);
        clcnn_kahan_add(&sq, &comp, clcnn_unit_sum(unit, clcnn_walk_length(&at, p, run), 1, mean));
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

/* y = act(gamma * (x - mu) * invstd + beta) over len values. Called through
 * CLCNN_WITH_ACT. */
void bn_apply_run(int act, __global const float *x, __global float *y, int len, float gamma,
                  float beta, float mu, float invstd, float alpha)
{
    for (int q = 0; q < len; ++q)
        y[q] = clcnn_act(act, alpha, gamma * ((x[q] - mu) * invstd) + beta);
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
    size_t at = (size_t)plane * p + begin;
    CLCNN_WITH_ACT(act, bn_apply_run, x + at, y + at, end - begin, gamma[ch], beta[ch], mean[ch],
                   invstd[ch], alpha);
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
    size_t at = (size_t)plane * p + begin;
    CLCNN_WITH_ACT(act, bn_apply_run, x + at, y + at, end - begin, gamma[ch], beta[ch],
                   running_mean[ch], 1.0f / sqrt(running_var[ch] + eps), alpha);
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

/* dx = k * (dz - mean_dz - xhat * mean_dz_xhat) over len values, k = gamma * invstd,
 * xhat = (x - mu) * invstd, dz = dy * act'(gamma * xhat + beta). Called
 * through CLCNN_WITH_ACT. */
void bn_dx_run(int act, __global const float *dy, __global const float *x, __global float *dx,
               int len, float mu, float invstd, float gamma, float beta, float alpha,
               float mean_dz, float mean_dz_xhat)
{
    float k = gamma * invstd;
    for (int q = 0; q < len; ++q) {
        float xhat = (x[q] - mu) * invstd;
        float dz = dy[q];
        if (act != CLCNN_ACT_NONE)
            dz *= clcnn_act_slope(act, alpha, gamma * xhat + beta);
        dx[q] = k * (dz - mean_dz - xhat * mean_dz_xhat);
    }
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
    float inv_m = 1.0f / (float)m_total;
    size_t at = (size_t)plane * p + begin;
    CLCNN_WITH_ACT(act, bn_dx_run, dy + at, x + at, dx + at, end - begin, mean[ch], invstd[ch],
                   gamma[ch], beta[ch], alpha, dbeta[ch] * inv_m, dgamma[ch] * inv_m);
}
