/* Input normalization: y = (x - mean[c]) / std[c] from a U8 NCHW batch.
 * params holds mean[0..C) followed by std[0..C), in 0..255 units. A row kernel
 * (common.cl) whose lines are the N*C planes. */
__kernel void normalize_u8_kernel(__global const uchar *x, __global const float *params,
                                  __global float *y, int planes, int c, int p, int run)
{
    int plane, begin, end;
    if (!clcnn_row_span(planes, p, run, &plane, &begin, &end))
        return;
    float mean = params[plane % c], std = params[c + plane % c];
    size_t base = (size_t)plane * p;
    for (int q = begin; q < end; ++q)
        y[base + q] = ((float)x[base + q] - mean) / std;
}
