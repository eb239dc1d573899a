/* Helpers shared by the kernels of the other files. The .cl files are
 * compiled as one program, concatenated in file-name order, so this file's
 * name must sort before every file that uses it (it does: "common" < "dropout",
 * "elementwise", "im2col", "input", "layout", "loss", "norm", "optimizer",
 * "pool"). */

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
 * plain float sum would lose ~1e-5 relative. */
void clcnn_kahan_add(float *sum, float *comp, float v)
{
    float y = v - *comp;
    float t = *sum + y;
    *comp = (t - *sum) - y;
    *sum = t;
}

/* A walk over the M = N*P elements of channel ch of an N x C x P tensor, in
 * which work-item lid of L visits m = lid, lid + L, lid + 2L, ... (so that
 * neighbours read neighbouring addresses when P is large). The position is
 * kept as (n, q) with m = n*P + q and advanced without a division per element
 * (integer division is slow on CPUs and not cheap on GPUs). */
typedef struct clcnn_channel_walk {
    int n, q;           /* current element: image n, offset q in the plane */
    int step_n, step_q; /* L = step_n*P + step_q */
} clcnn_channel_walk;

clcnn_channel_walk clcnn_walk_start(int p)
{
    int lid = (int)get_local_id(0), size = (int)get_local_size(0);
    clcnn_channel_walk w;
    w.n = lid / p;
    w.q = lid - w.n * p;
    w.step_n = size / p;
    w.step_q = size - w.step_n * p;
    return w;
}

void clcnn_walk_next(clcnn_channel_walk *w, int p)
{
    w->n += w->step_n;
    w->q += w->step_q;
    if (w->q >= p) {
        w->q -= p;
        w->n++;
    }
}

/* Element index of the walk's position in channel ch. */
size_t clcnn_walk_index(const clcnn_channel_walk *w, int ch, int c, int p)
{
    return ((size_t)w->n * c + ch) * p + w->q;
}

/* Plane kernels run on a 2-D range: dimension 0 the P elements of a plane
 * (an image channel), dimension 1 the planes, so that per-plane values (the
 * channel, the image) are uniform across a row of work-items and no
 * per-element division is needed to find them. */
