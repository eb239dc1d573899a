/* Input normalization: y = (x - mean[c]) / std[c] from a U8 NCHW batch.
 * params holds mean[0..C) followed by std[0..C), in 0..255 units. */
__kernel void normalize_u8_kernel(__global const uchar *x, __global const float *params,
                                  __global float *y, int total, int c, int p)
{
    int gid = (int)get_global_id(0);
    if (gid >= total)
        return;
    int ch = (gid / p) % c;
    y[gid] = ((float)x[gid] - params[ch]) / params[c + ch];
}
