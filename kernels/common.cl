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

/* Sum over the elements of channel ch of an N x C x P tensor: each work-item
 * of the group adds a strided share (element m = n*P + p of the channel), so
 * neighbouring work-items read neighbouring addresses when P is large. */
#define CLCNN_CHANNEL_INDEX(m, ch, c, p) \
    ((size_t)((m) / (p)) * (size_t)(c) * (size_t)(p) + (size_t)(ch) * (size_t)(p) + (size_t)((m) % (p)))
