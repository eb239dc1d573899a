/* Convolution lowering: im2col, im2row (its transpose, with the columns in
 * window order) and the adjoint col2im; im2col and col2im as row kernels
 * (common.cl): each work-item writes a run of outputs along a row.
 *
 * col is a rows x (NB*OH*OW) row-major matrix: row (c*KH + i)*KW + j,
 * column b*OH*OW + oy*OW + ox for image n0+b; rows past C*KH*KW are zeros
 * (GEMM padding).
 *
 * Geometry scalars: c, h, w: input plane; kh, kw: window; sh, sw: stride;
 * ph, pw: padding; oh, ow: output plane. */

/* The output positions o in [lo, hi) of [0, out) whose input position
 * o*s - pad + k (window offset k, stride s) lies in [0, size). */
void clcnn_window_range(int size, int pad, int k, int s, int out, int *lo, int *hi)
{
    int first = pad - k > 0 ? (pad - k + s - 1) / s : 0;
    int end = size - 1 + pad - k >= 0 ? min(out, (size - 1 + pad - k) / s + 1) : 0;
    *lo = min(first, end);
    *hi = end;
}

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

/* The same on CPUs, one work-item per (row of col, group of images): its
 * output, the images' OH*OW runs of the row, is contiguous in col. Each
 * image's run is a zero-filled head and tail around the rows copied from
 * the input plane; with unit strides and OW == W (a "same" convolution)
 * those rows lie at one offset in the plane, and are copied in a single
 * run (then the columns that wrapped into a neighbouring row are zeroed),
 * otherwise row by row. Lines: (row of col, image group g), g fastest;
 * group images per work-item. */
__kernel void im2col_plane_kernel(__global const float *x, __global float *col, int n0, int nb,
                                  int c, int h, int w, int kh, int kw, int sh, int sw, int ph,
                                  int pw, int oh, int ow, int rows, int group)
{
    int groups = (nb + group - 1) / group, line = (int)get_global_id(0);
    if (line >= rows * groups)
        return;
    int row = line / groups, b0 = (line - row * groups) * group, b1 = min(nb, b0 + group);
    int p = oh * ow;
    __global float *out = col + ((size_t)row * nb + b0) * p;
    if (row >= c * kh * kw) { /* padding row */
        for (int q = 0; q < (b1 - b0) * p; ++q)
            out[q] = 0.0f;
        return;
    }
    int j = row % kw, i = (row / kw) % kh, ch = row / (kw * kh);
    int xlo, xhi, ylo, yhi;
    clcnn_window_range(w, pw, j, sw, ow, &xlo, &xhi);
    clcnn_window_range(h, ph, i, sh, oh, &ylo, &yhi);
    if (xlo == xhi) /* no input column: every row is padding */
        ylo = yhi = 0;
    int one_run = sh == 1 && sw == 1 && ow == w;
    for (int b = b0; b < b1; ++b, out += p) {
        __global const float *plane = x + ((size_t)(n0 + b) * c + ch) * h * w;
        for (int q = 0; q < ylo * ow; ++q)
            out[q] = 0.0f;
        if (one_run) {
            int shift = (i - ph) * w + j - pw;
            for (int q = ylo * ow + xlo; q < (yhi - 1) * ow + xhi; ++q)
                out[q] = plane[q + shift];
            for (int oy = ylo; oy < yhi; ++oy) {
                for (int ox = 0; ox < xlo; ++ox)
                    out[oy * ow + ox] = 0.0f;
                for (int ox = xhi; ox < ow; ++ox)
                    out[oy * ow + ox] = 0.0f;
            }
        } else {
            for (int oy = ylo; oy < yhi; ++oy) {
                __global float *o = out + oy * ow;
                __global const float *in = plane + (size_t)(oy * sh - ph + i) * w + j - pw;
                for (int ox = 0; ox < xlo; ++ox)
                    o[ox] = 0.0f;
                for (int ox = xlo; ox < xhi; ++ox)
                    o[ox] = in[ox * sw];
                for (int ox = xhi; ox < ow; ++ox)
                    o[ox] = 0.0f;
            }
        }
        for (int q = yhi * ow; q < p; ++q)
            out[q] = 0.0f;
    }
}

/* im2row: colt, a row of row_len (>= C*KH*KW, zeros past it) per output
 * position q = b*OH*OW + oy*OW + ox holding its window in (i, j, ch) order:
 * column (i*KW + j)*C + ch. A work-item per output position. */
__kernel void im2row_kernel(__global const float *x, __global float *colt, int n0, int nb,
                            int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                            int oh, int ow, int row_len)
{
    int q = (int)get_global_id(0);
    if (q >= nb * oh * ow)
        return;
    int ox = q % ow, oy = (q / ow) % oh, b = q / (oh * ow), hw = h * w;
    __global float *out = colt + (size_t)q * row_len;
    __global const float *image = x + (size_t)(n0 + b) * c * hw;
    int r = 0;
    for (int i = 0; i < kh; ++i) {
        int iy = oy * sh - ph + i;
        for (int j = 0; j < kw; ++j) {
            int ix = ox * sw - pw + j, inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
            int at = inside ? iy * w + ix : 0;
            for (int ch = 0; ch < c; ++ch, ++r)
                out[r] = inside ? image[ch * hw + at] : 0.0f;
        }
    }
    for (; r < row_len; ++r)
        out[r] = 0.0f;
}

/* The same on CPUs: a work-item (in a work-group of its own) per band of
 * `band` output rows of image b. It first copies the input rows the band's
 * windows read into tile, its local memory, in (y, x, ch) order; a window
 * row of colt is then one run of KW*C values of the tile (the part of it
 * outside the input zeros), where from NCHW it would be C runs of KW.
 * Items: b * bands + band index, bands = ceil(OH / band). */
__kernel void im2row_band_kernel(__global const float *x, __global float *colt, int n0, int nb,
                                 int c, int h, int w, int kh, int kw, int sh, int sw, int ph,
                                 int pw, int oh, int ow, int row_len, int band,
                                 __local float *tile)
{
    int bands = (oh + band - 1) / band, item = (int)get_global_id(0);
    if (item >= nb * bands)
        return;
    int b = item / bands, oy0 = item % bands * band, oy1 = min(oy0 + band, oh);
    int hw = h * w, wc = w * c, run = kw * c, ckk = kh * run;
    int y0 = max(oy0 * sh - ph, 0), y1 = min((oy1 - 1) * sh - ph + kh, h);
    __global const float *image = x + (size_t)(n0 + b) * c * hw;
    for (int ch = 0; ch < c; ++ch)
        for (int y = y0; y < y1; ++y) {
            __global const float *in = image + (size_t)ch * hw + y * w;
            __local float *t = tile + (y - y0) * wc + ch;
            for (int ix = 0; ix < w; ++ix)
                t[ix * c] = in[ix];
        }
    __global float *out = colt + ((size_t)b * oh + oy0) * ow * row_len;
    for (int oy = oy0; oy < oy1; ++oy)
        for (int ox = 0; ox < ow; ++ox, out += row_len) {
            int x0 = ox * sw - pw;
            int lo = x0 < 0 ? min(-x0, kw) * c : 0, hi = (x0 + kw > w ? w - x0 : kw) * c;
            for (int i = 0; i < kh; ++i) {
                int iy = oy * sh - ph + i;
                __global float *o = out + i * run;
                if (iy < 0 || iy >= h) {
                    for (int r = 0; r < run; ++r)
                        o[r] = 0.0f;
                    continue;
                }
                int at = (iy - y0) * wc + x0 * c; /* tile[at + r], r in [lo, hi) */
                for (int r = 0; r < lo; ++r)
                    o[r] = 0.0f;
                for (int r = lo; r < hi; ++r)
                    o[r] = tile[at + r];
                for (int r = max(hi, lo); r < run; ++r)
                    o[r] = 0.0f;
            }
            for (int r = ckk; r < row_len; ++r)
                out[r] = 0.0f;
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

/* The same on CPUs, as a scatter: a work-item (in a work-group of its own)
 * per channel ch and group of g images, whose dx planes it sums in tile, its
 * local memory. The tile is zeroed, then for each window offset (i, j) in
 * ascending order the group's g*OH*OW entries of col row (ch, i, j), which
 * are contiguous, are added in where they were read from. Each pixel
 * receives its terms in ascending (i, j) order, as in the gather above and
 * the reference, so sums are identical. col streams through once, in runs
 * of g*OH*OW; the tile (a few tens of KB) stays in the cache, where the
 * group's dx planes themselves, C*H*W apart, would evict one another.
 * Items: ch * groups + group, groups = ceil(NB / g). */
__kernel void col2im_group_kernel(__global const float *col, __global float *dx, int n0, int nb,
                                  int c, int h, int w, int kh, int kw, int sh, int sw, int ph,
                                  int pw, int oh, int ow, int g, __local float *tile)
{
    int groups = (nb + g - 1) / g, item = (int)get_global_id(0);
    if (item >= c * groups)
        return;
    int ch = item / groups, b0 = item % groups * g, count = min(g, nb - b0);
    int hw = h * w, p = oh * ow;
    for (int q = 0; q < count * hw; ++q)
        tile[q] = 0.0f;
    for (int i = 0; i < kh; ++i) {
        int ylo, yhi;
        clcnn_window_range(h, ph, i, sh, oh, &ylo, &yhi);
        for (int j = 0; j < kw; ++j) {
            int xlo, xhi;
            clcnn_window_range(w, pw, j, sw, ow, &xlo, &xhi);
            __global const float *src =
                col + (size_t)((ch * kh + i) * kw + j) * nb * p + (size_t)b0 * p;
            for (int b = 0; b < count; ++b)
                for (int oy = ylo; oy < yhi; ++oy) {
                    __global const float *in = src + b * p + oy * ow;
                    int at = b * hw + (oy * sh - ph + i) * w + j - pw; /* tile[at + ox*sw] */
                    if (sw == 1) /* a unit stride the compiler can see: vectorized */
                        for (int ox = xlo; ox < xhi; ++ox)
                            tile[at + ox] += in[ox];
                    else
                        for (int ox = xlo; ox < xhi; ++ox)
                            tile[at + ox * sw] += in[ox];
                }
        }
    }
    for (int b = 0; b < count; ++b) {
        __global float *out = dx + ((size_t)(n0 + b0 + b) * c + ch) * hw;
        for (int q = 0; q < hw; ++q)
            out[q] = tile[b * hw + q];
    }
}
