/* Inverted dropout with a counter-based mask: element i is kept when
 * clcnn_dropout_hash(seed, step, i) >= threshold, and kept elements are
 * scaled by keep_scale = 1/(1-p). The hash is bit-identical to the one in
 * clcnn/backend.h (uint arithmetic wraps modulo 2^32 in OpenCL C as in C),
 * so backward regenerates the forward mask and every backend drops the same
 * elements. */

uint clcnn_mix32(uint x)
{
    x ^= x >> 16;
    x *= 0x7FEB352Du;
    x ^= x >> 15;
    x *= 0x846CA68Bu;
    x ^= x >> 16;
    return x;
}

uint clcnn_dropout_hash(uint seed, uint step, uint index)
{
    return clcnn_mix32(index ^ clcnn_mix32(step ^ clcnn_mix32(seed ^ 0x9E3779B9u)));
}

/* Used by forward (src = x, dst = y) and backward (src = dy, dst = dx). */
__kernel void dropout_kernel(uint seed, uint step, uint threshold, float keep_scale,
                             __global const float *src, __global float *dst, int total)
{
    int gid = (int)get_global_id(0);
    if (gid >= total)
        return;
    int kept = clcnn_dropout_hash(seed, step, (uint)gid) >= threshold;
    dst[gid] = kept ? src[gid] * keep_scale : 0.0f;
}
