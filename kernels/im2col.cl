/* Convolution lowering: im2col and its adjoint col2im.
 *
 * col is a (C*KH*KW) x (NB*OH*OW) row-major matrix: row (c*KH + i)*KW + j,
 * column b*OH*OW + oy*OW + ox for image n0+b. One work-item per output
 * element; consecutive work-items walk a row of col (im2col) or a row of the
 * image (col2im), so both the reads and the writes are coalesced. */

/* Geometry shared by both kernels, passed as scalars:
 * c, h, w: input plane; kh, kw: window; sh, sw: stride; ph, pw: padding;
 * oh, ow: output plane. */

__kernel void im2col_kernel(__global const float *x, __global float *col, int n0, int nb,
                            int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                            int oh, int ow)
{
    int cols = nb * oh * ow;
    int total = c * kh * kw * cols;
    int gid = (int)get_global_id(0);
    if (gid >= total)
        return;
    int row = gid / cols, q = gid - row * cols;
    int b = q / (oh * ow), p = q - b * (oh * ow);
    int oy = p / ow, ox = p - oy * ow;
    int j = row % kw, i = (row / kw) % kh, ch = row / (kw * kh);
    int iy = oy * sh - ph + i, ix = ox * sw - pw + j;
    float v = 0.0f;
    if (iy >= 0 && iy < h && ix >= 0 && ix < w)
        v = x[(((size_t)(n0 + b) * c + ch) * h + iy) * w + ix];
    col[gid] = v;
}

/* dx pixel = sum of the col entries that were read from it: a gather over the
 * window offsets (i, j) whose output position (oy, ox) is on the stride grid. */
__kernel void col2im_kernel(__global const float *col, __global float *dx, int n0, int nb,
                            int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                            int oh, int ow)
{
    int total = nb * c * h * w;
    int gid = (int)get_global_id(0);
    if (gid >= total)
        return;
    int x = gid % w, y = (gid / w) % h, ch = (gid / (w * h)) % c, b = gid / (w * h * c);
    int cols = nb * oh * ow;
    int col_base = b * oh * ow;
    float sum = 0.0f;
    for (int i = 0; i < kh; ++i) {
        int ty = y + ph - i;
        if (ty < 0)
            break; /* ty only decreases with i */
        if (ty % sh != 0)
            continue;
        int oy = ty / sh;
        if (oy >= oh)
            continue;
        for (int j = 0; j < kw; ++j) {
            int tx = x + pw - j;
            if (tx < 0)
                break;
            if (tx % sw != 0)
                continue;
            int ox = tx / sw;
            if (ox >= ow)
                continue;
            int row = (ch * kh + i) * kw + j;
            sum += col[(size_t)row * cols + col_base + oy * ow + ox];
        }
    }
    dx[(size_t)n0 * c * h * w + gid] = sum;
}
