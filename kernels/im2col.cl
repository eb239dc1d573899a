/* Convolution lowering: im2col, its transpose im2row and the adjoint
 * col2im; im2col and col2im as row kernels (common.cl): each work-item
 * writes a run of outputs along a row.
 *
 * col is a rows x (NB*OH*OW) row-major matrix: row (c*KH + i)*KW + j,
 * column b*OH*OW + oy*OW + ox for image n0+b; rows past C*KH*KW are zeros
 * (GEMM padding).
 *
 * Geometry scalars: c, h, w: input plane; kh, kw: window; sh, sw: stride;
 * ph, pw: padding; oh, ow: output plane. */

/* Lines: (row of col, image b, output row oy), OW wide. */
__kernel void im2col_kernel(__global const float *x, __global float *col, int n0, int nb,
                            int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                            int oh, int ow, int rows, int run)
{
    int line, begin, end;
    if (!clcnn_row_span(rows * nb * oh, ow, run, &line, &begin, &end))
        return;
    int oy = line % oh, b = (line / oh) % nb, row = line / (oh * nb);
    int j = row % kw, i = (row / kw) % kh, ch = row / (kw * kh);
    int iy = oy * sh - ph + i;
    __global float *out = col + (size_t)row * nb * oh * ow + ((size_t)b * oh + oy) * ow;
    __global const float *in = x + (((size_t)(n0 + b) * c + ch) * h + iy) * w;
    int row_inside = row < c * kh * kw && iy >= 0 && iy < h;
    for (int ox = begin; ox < end; ++ox) {
        int ix = ox * sw - pw + j;
        out[ox] = row_inside && ix >= 0 && ix < w ? in[ix] : 0.0f;
    }
}

/* The same on CPUs, one work-item per (row of col, image b): its OH*OW
 * outputs are contiguous in col. Each output row is a zero-filled head and
 * tail around a run copied from the input row (with stride 1 a plain copy
 * that vectorizes). Lines: (row of col, b). */
__kernel void im2col_plane_kernel(__global const float *x, __global float *col, int n0, int nb,
                                  int c, int h, int w, int kh, int kw, int sh, int sw, int ph,
                                  int pw, int oh, int ow, int rows)
{
    int line = (int)get_global_id(0);
    if (line >= rows * nb)
        return;
    int b = line % nb, row = line / nb;
    if (row >= c * kh * kw) { /* padding row */
        __global float *out = col + (size_t)row * nb * oh * ow + (size_t)b * oh * ow;
        for (int q = 0; q < oh * ow; ++q)
            out[q] = 0.0f;
        return;
    }
    int j = row % kw, i = (row / kw) % kh, ch = row / (kw * kh);
    /* Output columns ox whose input column ox*sw - pw + j lies in [0, w). */
    int lo = pw - j > 0 ? (pw - j + sw - 1) / sw : 0;
    int hi = w - 1 + pw - j >= 0 ? min(ow, (w - 1 + pw - j) / sw + 1) : 0;
    lo = min(lo, hi);
    __global float *out = col + (size_t)row * nb * oh * ow + (size_t)b * oh * ow;
    __global const float *plane = x + ((size_t)(n0 + b) * c + ch) * h * w;
    for (int oy = 0; oy < oh; ++oy, out += ow) {
        int iy = oy * sh - ph + i;
        if (iy < 0 || iy >= h) {
            for (int ox = 0; ox < ow; ++ox)
                out[ox] = 0.0f;
            continue;
        }
        __global const float *in = plane + (size_t)iy * w + j - pw;
        for (int ox = 0; ox < lo; ++ox)
            out[ox] = 0.0f;
        for (int ox = lo; ox < hi; ++ox)
            out[ox] = in[ox * sw];
        for (int ox = hi; ox < ow; ++ox)
            out[ox] = 0.0f;
    }
}

/* The transpose, colt = col^T with rows of row_len (>= C*KH*KW, zeros past
 * it): a work-item per output position q = b*OH*OW + oy*OW + ox writes its
 * row of colt, the window of input values over all channels. */
__kernel void im2row_kernel(__global const float *x, __global float *colt, int n0, int nb,
                            int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                            int oh, int ow, int row_len)
{
    int q = (int)get_global_id(0);
    if (q >= nb * oh * ow)
        return;
    int ox = q % ow, oy = (q / ow) % oh, b = q / (oh * ow);
    __global float *out = colt + (size_t)q * row_len;
    __global const float *image = x + (size_t)(n0 + b) * c * h * w;
    int r = 0;
    for (int ch = 0; ch < c; ++ch)
        for (int i = 0; i < kh; ++i) {
            int iy = oy * sh - ph + i;
            __global const float *in = image + ((size_t)ch * h + iy) * w;
            for (int j = 0; j < kw; ++j, ++r) {
                int ix = ox * sw - pw + j;
                out[r] = iy >= 0 && iy < h && ix >= 0 && ix < w ? in[ix] : 0.0f;
            }
        }
    for (; r < row_len; ++r)
        out[r] = 0.0f;
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

/* The same on CPUs, a row of dx per work-item, as a scatter: the row is
 * zeroed, then for each window offset (i, j) in ascending order the col row
 * segment that was read from it is added in (with stride 1 a contiguous,
 * vectorizable loop). Each pixel receives its terms in ascending (i, j)
 * order, as in the gather above and the reference, so sums are identical.
 * Lines: (plane b*C + ch, row y). */
__kernel void col2im_row_kernel(__global const float *col, __global float *dx, int n0, int nb,
                                int c, int h, int w, int kh, int kw, int sh, int sw, int ph,
                                int pw, int oh, int ow)
{
    int line = (int)get_global_id(0);
    if (line >= nb * c * h)
        return;
    int y = line % h, plane = line / h;
    int b = plane / c, ch = plane - b * c;
    size_t cols = (size_t)nb * oh * ow;
    __global const float *col_b = col + (size_t)b * oh * ow;
    __global float *out = dx + ((size_t)n0 * c * h + line) * w;
    for (int x = 0; x < w; ++x)
        out[x] = 0.0f;
    for (int i = 0; i < kh; ++i) {
        int t = y + ph - i;
        if (t < 0 || t % sh != 0 || t / sh >= oh)
            continue;
        int oy = t / sh;
        for (int j = 0; j < kw; ++j) {
            /* ox with x = ox*sw - pw + j in [0, w) */
            int lo = pw - j > 0 ? (pw - j + sw - 1) / sw : 0;
            int hi = w - 1 + pw - j >= 0 ? min(ow, (w - 1 + pw - j) / sw + 1) : 0;
            __global const float *src = col_b + (size_t)((ch * kh + i) * kw + j) * cols +
                                        (size_t)oy * ow;
            __global float *dst = out + j - pw;
            for (int ox = lo; ox < hi; ++ox)
                dst[ox * sw] += src[ox];
        }
    }
}
