/* Convolution lowering: im2col and its adjoint col2im, as row kernels
 * (common.cl): each work-item writes a run of outputs along a row.
 *
 * col is a (C*KH*KW) x (NB*OH*OW) row-major matrix: row (c*KH + i)*KW + j,
 * column b*OH*OW + oy*OW + ox for image n0+b.
 *
 * Geometry scalars: c, h, w: input plane; kh, kw: window; sh, sw: stride;
 * ph, pw: padding; oh, ow: output plane. */

/* Lines: (row of col, image b, output row oy), OW wide. */
__kernel void im2col_kernel(__global const float *x, __global float *col, int n0, int nb,
                            int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                            int oh, int ow, int run)
{
    int line, begin, end;
    if (!clcnn_row_span(c * kh * kw * nb * oh, ow, run, &line, &begin, &end))
        return;
    int oy = line % oh, b = (line / oh) % nb, row = line / (oh * nb);
    int j = row % kw, i = (row / kw) % kh, ch = row / (kw * kh);
    int iy = oy * sh - ph + i;
    __global float *out = col + (size_t)row * nb * oh * ow + ((size_t)b * oh + oy) * ow;
    __global const float *in = x + (((size_t)(n0 + b) * c + ch) * h + iy) * w;
    int row_inside = iy >= 0 && iy < h;
    for (int ox = begin; ox < end; ++ox) {
        int ix = ox * sw - pw + j;
        out[ox] = row_inside && ix >= 0 && ix < w ? in[ix] : 0.0f;
    }
}

/* First window offset k0 and output position o0 covering input position
 * t = y + pad: (t - k0) is a multiple of the stride, o0 = (t - k0) / s is the
 * largest output position that can reach y, clipped to out - 1. Further
 * covering windows are (k0 + s, o0 - 1), (k0 + 2s, o0 - 2), ... */
void clcnn_first_cover(int t, int s, int out, int *k0, int *o0)
{
    int k = t % s, o = t / s;
    if (o >= out) {
        k += (o - out + 1) * s;
        o = out - 1;
    }
    *k0 = k;
    *o0 = o;
}

/* dx pixel = sum of the col entries that were read from it: a gather over
 * the window offsets (i, j) on the stride grid, in ascending (i, j) order as
 * the reference adds them. Lines: (plane b*C + ch, row y), W wide. */
__kernel void col2im_kernel(__global const float *col, __global float *dx, int n0, int nb,
                            int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                            int oh, int ow, int run)
{
    int line, begin, end;
    if (!clcnn_row_span(nb * c * h, w, run, &line, &begin, &end))
        return;
    int y = line % h, plane = line / h;
    int b = plane / c, ch = plane - b * c;
    int i0, oy0;
    clcnn_first_cover(y + ph, sh, oh, &i0, &oy0);
    size_t cols = (size_t)nb * oh * ow;
    __global const float *col_b = col + (size_t)b * oh * ow;
    __global float *out = dx + ((size_t)n0 * c * h + line) * w;
    for (int x = begin; x < end; ++x) {
        int j0, ox0;
        clcnn_first_cover(x + pw, sw, ow, &j0, &ox0);
        float sum = 0.0f;
        for (int i = i0, oy = oy0; i < kh && oy >= 0; i += sh, --oy)
            for (int j = j0, ox = ox0; j < kw && ox >= 0; j += sw, --ox)
                sum += col_b[(size_t)((ch * kh + i) * kw + j) * cols + oy * ow + ox];
        out[x] = sum;
    }
}
