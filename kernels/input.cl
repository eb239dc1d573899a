/* Input normalization: y = (x - mean[c]) / std[c] from a U8 NCHW batch.
 * params holds mean[0..C) followed by std[0..C), in 0..255 units. 2-D range:
 * dimension 0 the P pixels of a plane, dimension 1 the N*C planes. */
__kernel void normalize_u8_kernel(__global const uchar *x, __global const float *params,
                                  __global float *y, int planes, int c, int p)
{
    int q = (int)get_global_id(0), plane = (int)get_global_id(1);
    if (q >= p || plane >= planes)
        return;
    int ch = plane % c;
    size_t gid = (size_t)plane * p + q;
    y[gid] = ((float)x[gid] - params[ch]) / params[c + ch];
}
