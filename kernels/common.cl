/* Helpers shared by the kernels of the other files. The .cl files are
 * compiled as one program: this file first, then the others in file-name
 * order (host/cmake/embed_kernels.cmake and host/cl/cl_program.c), so every
 * file may use what is defined here. */

/* Sum of v over the work-group. Works for any power-of-two local size,
 * including 1. scratch holds get_local_size(0) floats; every work-item of the
 * group must call this (it has barriers) and all of them get the sum. */
float clcnn_group_sum(__local float *scratch, float v)
{
    int lid = (int)get_local_id(0);
    scratch[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = (int)get_local_size(0) / 2; s > 0; s >>= 1) {
        if (lid < s)
            scratch[lid] += scratch[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float sum = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE); /* scratch may be reused right after */
    return sum;
}

/* Compensated (Kahan) summation: *sum += v with the lost low-order bits kept
 * in *comp. Reductions give each work-item a strided share of a channel; with
 * a small work-group (down to 1) one work-item adds 10^5 terms or more, and a
 * plain float sum would lose ~1e-5 relative. The reductions sum each unit of
 * their walk (at most 64 elements) plainly and add the unit sums with this. */
void clcnn_kahan_add(float *sum, float *comp, float v)
{
    float y = v - *comp;
    float t = *sum + y;
    *comp = (t - *sum) - y;
    *sum = t;
}

/* Activation kinds, as clcnn_activation in clcnn/backend.h. */
#define CLCNN_ACT_NONE 0
#define CLCNN_ACT_RELU 1
#define CLCNN_ACT_LEAKY_RELU 2
#define CLCNN_ACT_SIGMOID 3

/* act(z); CLCNN_ACT_NONE is the identity. */
float clcnn_act(int kind, float alpha, float z)
{
    if (kind == CLCNN_ACT_RELU)
        return z > 0.0f ? z : 0.0f;
    if (kind == CLCNN_ACT_LEAKY_RELU)
        return z > 0.0f ? z : alpha * z;
    if (kind == CLCNN_ACT_SIGMOID) {
        float e = exp(-fabs(z)); /* exp of a non-positive argument: no overflow */
        return z >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
    }
    return z;
}

/* f(kind, ...) with kind = act as a compile-time constant: the functions
 * called through it loop over many elements, and inlined with a constant
 * kind their loops hold no branch on it, which a CPU compiler then
 * vectorizes (it does not take a branch on a kernel argument out of a loop
 * itself). */
#define CLCNN_WITH_ACT(act, f, ...)                                                               \
    do {                                                                                          \
        if ((act) == CLCNN_ACT_RELU)                                                              \
            f(CLCNN_ACT_RELU, __VA_ARGS__);                                                       \
        else if ((act) == CLCNN_ACT_LEAKY_RELU)                                                   \
            f(CLCNN_ACT_LEAKY_RELU, __VA_ARGS__);                                                 \
        else if ((act) == CLCNN_ACT_SIGMOID)                                                      \
            f(CLCNN_ACT_SIGMOID, __VA_ARGS__);                                                    \
        else                                                                                      \
            f(CLCNN_ACT_NONE, __VA_ARGS__);                                                       \
    } while (0)

/* d act(z) / dz from the activation's output y = act(z) (z > 0 exactly when
 * y > 0 for ReLU and leaky ReLU with a slope >= 0): activation backward and
 * the pooling's fused activation. */
float clcnn_act_slope_from_output(int kind, float alpha, float y)
{
    if (kind == CLCNN_ACT_RELU)
        return y > 0.0f ? 1.0f : 0.0f;
    if (kind == CLCNN_ACT_LEAKY_RELU)
        return y > 0.0f ? 1.0f : alpha;
    if (kind == CLCNN_ACT_SIGMOID)
        return y * (1.0f - y);
    return 1.0f;
}

/* d act(z) / dz from z, through act(z) (the normalizations' fused backward). */
float clcnn_act_slope(int kind, float alpha, float z)
{
    return clcnn_act_slope_from_output(kind, alpha, clcnn_act(kind, alpha, z));
}

/* The reductions' sums over a unit of len consecutive values: in
 * CLCNN_LANES interleaved partial sums, added up at the end. A single
 * running float sum runs at one add per add latency (a compiler may not
 * reorder it); the lanes' adds do not wait for one another and a CPU
 * compiler vectorizes them. */
#define CLCNN_LANES 8

/* The sum of u[k] (squares 0) or of (u[k] - mu)^2 (squares 1). */
float clcnn_unit_sum(__global const float *u, int len, int squares, float mu)
{
    float sum = 0.0f;
    int k = 0;
    if (len >= CLCNN_LANES) { /* units shorter than that (1x1 planes) skip the lanes */
        float lane[CLCNN_LANES] = {0.0f};
        for (; k + CLCNN_LANES <= len; k += CLCNN_LANES)
            for (int l = 0; l < CLCNN_LANES; ++l)
                lane[l] += squares ? (u[k + l] - mu) * (u[k + l] - mu) : u[k + l];
        for (int l = 0; l < CLCNN_LANES; ++l)
            sum += lane[l];
    }
    for (; k < len; ++k)
        sum += squares ? (u[k] - mu) * (u[k] - mu) : u[k];
    return sum;
}

/* A walk over the M = N*P elements of channel ch of an N x C x P tensor for
 * the reductions (one work-group per channel). The channel is cut into
 * units of `run` consecutive elements of a plane (runs = ceil(P / run) units
 * per image); work-item lid of L takes units lid, lid + L, lid + 2L, ...
 * With run = 1 (GPUs) neighbouring work-items read neighbouring addresses;
 * with longer runs (CPUs) a work-item sums up to 64 consecutive elements
 * in a loop, which amortizes the cost of a work-item there. The position
 * (image n, unit r) advances without a division per unit. */
typedef struct clcnn_channel_walk {
    int n, r;           /* current unit: image n, unit r of its plane */
    int step_n, step_r; /* L = step_n*runs + step_r */
    int runs;
} clcnn_channel_walk;

clcnn_channel_walk clcnn_walk_start(int p, int run)
{
    int lid = (int)get_local_id(0), size = (int)get_local_size(0);
    clcnn_channel_walk w;
    w.runs = (p + run - 1) / run;
    w.n = lid / w.runs;
    w.r = lid - w.n * w.runs;
    w.step_n = size / w.runs;
    w.step_r = size - w.step_n * w.runs;
    return w;
}

void clcnn_walk_next(clcnn_channel_walk *w)
{
    w->n += w->step_n;
    w->r += w->step_r;
    if (w->r >= w->runs) {
        w->r -= w->runs;
        w->n++;
    }
}

/* Index of the first element of the walk's unit in channel ch, and the
 * number of elements of the unit. */
size_t clcnn_walk_index(const clcnn_channel_walk *w, int ch, int c, int p, int run)
{
    return ((size_t)w->n * c + ch) * p + (size_t)w->r * run;
}

int clcnn_walk_length(const clcnn_channel_walk *w, int p, int run)
{
    return min(run, p - w->r * run);
}

/* Adds dz = dy * act'(gamma * xhat + beta) (dz = dy for CLCNN_ACT_NONE) to
 * *sum_dz and dz * xhat to *sum_dz_xhat, xhat = (x - mu) * invstd. */
void clcnn_add_dz(float dy, float x, float mu, float invstd, int act, float alpha, float gamma,
                  float beta, float *sum_dz, float *sum_dz_xhat)
{
    float xhat = (x - mu) * invstd;
    float dz = act != CLCNN_ACT_NONE ? dy * clcnn_act_slope(act, alpha, gamma * xhat + beta) : dy;
    *sum_dz += dz;
    *sum_dz_xhat += dz * xhat;
}

/* The sums of dz and dz * xhat over a unit of len values, in lanes as
 * clcnn_unit_sum. Called through CLCNN_WITH_ACT. */
void clcnn_unit_dz_sums(int act, __global const float *dy, __global const float *x, int len,
                        float mu, float invstd, float alpha, float gamma, float beta,
                        float *sum_dz, float *sum_dz_xhat)
{
    *sum_dz = 0.0f;
    *sum_dz_xhat = 0.0f;
    int k = 0;
    if (len >= CLCNN_LANES) {
        float lane_dz[CLCNN_LANES] = {0.0f}, lane_dz_xhat[CLCNN_LANES] = {0.0f};
        for (; k + CLCNN_LANES <= len; k += CLCNN_LANES)
            for (int l = 0; l < CLCNN_LANES; ++l)
                clcnn_add_dz(dy[k + l], x[k + l], mu, invstd, act, alpha, gamma, beta,
                             &lane_dz[l], &lane_dz_xhat[l]);
        for (int l = 0; l < CLCNN_LANES; ++l) {
            *sum_dz += lane_dz[l];
            *sum_dz_xhat += lane_dz_xhat[l];
        }
    }
    for (; k < len; ++k)
        clcnn_add_dz(dy[k], x[k], mu, invstd, act, alpha, gamma, beta, sum_dz, sum_dz_xhat);
}

/* The parameter gradients of a normalization's backward pass for channel ch
 * = get_group_id(0) of an N x C x P tensor, over its images and positions
 * (the channel walk): dbeta[ch] = sum dz and dgamma[ch] = sum dz * xhat,
 * xhat = (x - mean[s]) * invstd[s], dz = dy * act'(gamma[ch] * xhat +
 * beta[ch]) (dz = dy for CLCNN_ACT_NONE: gamma and beta are not read). The
 * statistics s are per channel (s = ch: batch norm, groups 0) or per image
 * and group (s = n*groups + ch/(C/groups): group norm). Called by every
 * work-item of the group (it has barriers). */
void clcnn_norm_param_grads(__global const float *dy, __global const float *x,
                            __global const float *mean, __global const float *invstd,
                            __global const float *gamma, __global const float *beta, int act,
                            float alpha, int n, int c, int p, int groups, int run,
                            __global float *dgamma, __global float *dbeta,
                            __local float *scratch)
{
    int ch = (int)get_group_id(0), cg = groups ? c / groups : 1;
    float mu = groups ? 0.0f : mean[ch], is = groups ? 0.0f : invstd[ch];
    float g_ch = act != CLCNN_ACT_NONE ? gamma[ch] : 1.0f;
    float b_ch = act != CLCNN_ACT_NONE ? beta[ch] : 0.0f;
    float sum_dy = 0.0f, comp_dy = 0.0f, sum_dy_xhat = 0.0f, comp_dy_xhat = 0.0f;
    for (clcnn_channel_walk at = clcnn_walk_start(p, run); at.n < n; clcnn_walk_next(&at)) {
        size_t first = clcnn_walk_index(&at, ch, c, p, run);
        if (groups) {
            int grp = at.n * groups + ch / cg;
            mu = mean[grp];
            is = invstd[grp];
        }
        int len = clcnn_walk_length(&at, p, run);
        float unit_dy, unit_dy_xhat;
        CLCNN_WITH_ACT(act, clcnn_unit_dz_sums, dy + first, x + first, len, mu, is, alpha, g_ch,
                       b_ch, &unit_dy, &unit_dy_xhat);
        clcnn_kahan_add(&sum_dy, &comp_dy, unit_dy);
        clcnn_kahan_add(&sum_dy_xhat, &comp_dy_xhat, unit_dy_xhat);
    }
    sum_dy = clcnn_group_sum(scratch, sum_dy);
    sum_dy_xhat = clcnn_group_sum(scratch, sum_dy_xhat);
    if (get_local_id(0) == 0) {
        dbeta[ch] = sum_dy;
        dgamma[ch] = sum_dy_xhat;
    }
}

/* Row kernels: a 1-D range over lines x runs, in which each work-item
 * handles a run of `run` consecutive elements of one line (an image row, a
 * plane). The host picks the run (cl_row_run() in host/cl/cl_ops_common.c):
 * 1 on GPUs, so that neighbouring work-items touch neighbouring addresses;
 * a whole line on CPUs, where a work-item costs far more than a few loads
 * and stores and a loop over a line vectorizes.
 * Decodes work-item gid: its line and element range [*begin, *end); returns
 * 0 for the work-items past the end of the range. */
int clcnn_row_span(int lines, int width, int run, int *line, int *begin, int *end)
{
    int runs = (width + run - 1) / run;
    int gid = (int)get_global_id(0);
    if (gid >= lines * runs)
        return 0;
    int r = gid % runs;
    *line = gid / runs;
    *begin = r * run;
    *end = min(width, *begin + run);
    return 1;
}
