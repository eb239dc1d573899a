/* Max and average pooling, forward and backward, as row kernels
 * (common.cl) over the rows of the N*C planes: each work-item writes a run
 * of outputs along a row. The backward passes are gathers over the windows
 * that cover an input pixel (no atomics), visiting windows in row-major
 * order so that sums are added in the same order as the reference's
 * scatter.
 *
 * Geometry scalars as in im2col.cl: h, w, kh, kw, sh, sw, ph, pw, oh, ow. */

/* First and last output row (or column) whose window covers input row y. */
int clcnn_pool_first_cover(int y, int k, int s, int pad)
{
    int num = y + pad - k + 1;
    return num > 0 ? (num + s - 1) / s : 0;
}

int clcnn_pool_last_cover(int y, int s, int pad, int out)
{
    return min((y + pad) / s, out - 1);
}

/* argmax = h*W + w of the window's maximum (first in row-major order on ties;
 * only real pixels compete, padding never wins). A window lying wholly in the
 * padding gets y = 0 and argmax = -1. keep_argmax 0 (evaluation): argmax is
 * not written. y = act(max): the activation before the pooling, fused. */
__kernel void maxpool_forward_kernel(__global const float *x, __global float *y,
                                     __global int *argmax, int keep_argmax, int act, float alpha,
                                     int planes, int h, int w, int kh, int kw, int sh, int sw,
                                     int ph, int pw, int oh, int ow, int run)
{
    int line, begin, end;
    if (!clcnn_row_span(planes * oh, ow, run, &line, &begin, &end))
        return;
    int oy = line % oh, plane = line / oh;
    __global const float *xp = x + (size_t)plane * h * w;
    size_t out = (size_t)line * ow;
    int y0 = oy * sh - ph, rows_inside = y0 >= 0 && y0 + kh <= h;
    for (int ox = begin; ox < end; ++ox) {
        int x0 = ox * sw - pw;
        int best_at = -1;
        float best = 0.0f;
        if (rows_inside && x0 >= 0 && x0 + kw <= w) {
            /* the common case, a window inside the plane: no bounds to clip (one
             * loop for both cases, with the bounds hoisted, ran 13% slower) */
            best_at = y0 * w + x0;
            best = xp[best_at];
            for (int i = 0; i < kh; ++i)
                for (int j = 0; j < kw; ++j) {
                    int at = (y0 + i) * w + x0 + j;
                    float v = xp[at];
                    if (v > best) {
                        best = v;
                        best_at = at;
                    }
                }
        } else {
            for (int i = max(0, -y0); i < kh && y0 + i < h; ++i)
                for (int j = max(0, -x0); j < kw && x0 + j < w; ++j) {
                    int at = (y0 + i) * w + x0 + j;
                    float v = xp[at];
                    if (best_at < 0 || v > best) {
                        best = v;
                        best_at = at;
                    }
                }
        }
        y[out + ox] = clcnn_act(act, alpha, best);
        if (keep_argmax)
            argmax[out + ox] = best_at;
    }
}

/* dx pixel = sum of dy over the windows covering it whose argmax is it;
 * with a fused activation, of dy times its derivative from the output y. */
__kernel void maxpool_backward_kernel(__global const float *dy, __global const int *argmax,
                                      __global const float *y, int act, float alpha,
                                      __global float *dx, int planes, int h, int w, int kh,
                                      int kw, int sh, int sw, int ph, int pw, int oh, int ow,
                                      int run)
{
    int line, begin, end;
    if (!clcnn_row_span(planes * h, w, run, &line, &begin, &end))
        return;
    int py = line % h, plane = line / h;
    size_t base = (size_t)plane * oh * ow;
    int oy_first = clcnn_pool_first_cover(py, kh, sh, ph);
    int oy_last = clcnn_pool_last_cover(py, sh, ph, oh);
    for (int px = begin; px < end; ++px) {
        int at = py * w + px;
        int ox_first = clcnn_pool_first_cover(px, kw, sw, pw);
        int ox_last = clcnn_pool_last_cover(px, sw, pw, ow);
        float sum = 0.0f;
        for (int oy = oy_first; oy <= oy_last; ++oy)
            for (int ox = ox_first; ox <= ox_last; ++ox) {
                size_t o = base + (size_t)oy * ow + ox;
                if (argmax[o] == at)
                    sum += act != CLCNN_ACT_NONE
                               ? dy[o] * clcnn_act_slope_from_output(act, alpha, y[o])
                               : dy[o];
            }
        dx[(size_t)line * w + px] = sum;
    }
}

/* The same on CPUs, one work-item per plane: dx plane zeroed, then each
 * window's dy added at its argmax, windows in row-major order (the order the
 * gather above and the reference add them in, so sums are bit-identical).
 * A work-item costs more than this whole loop on a CPU, and the gather's
 * per-pixel window bounds (divisions) do not vectorize. An argmax outside the
 * plane (only a corrupted one can be) is ignored, as by the gather. */
__kernel void maxpool_backward_plane_kernel(__global const float *dy,
                                            __global const int *argmax, __global const float *y,
                                            int act, float alpha, __global float *dx,
                                            int planes, int h, int w, int oh, int ow)
{
    int plane = (int)get_global_id(0);
    if (plane >= planes)
        return;
    int in_size = h * w, out_size = oh * ow;
    __global float *dxp = dx + (size_t)plane * in_size;
    __global const float *dyp = dy + (size_t)plane * out_size;
    __global const int *ap = argmax + (size_t)plane * out_size;
    __global const float *yp = y + (size_t)plane * out_size;
    for (int i = 0; i < in_size; ++i)
        dxp[i] = 0.0f;
    for (int o = 0; o < out_size; ++o) {
        int at = ap[o];
        if (at >= 0 && at < in_size)
            dxp[at] += act != CLCNN_ACT_NONE
                           ? dyp[o] * clcnn_act_slope_from_output(act, alpha, yp[o])
                           : dyp[o];
    }
}

/* Mean over the window, padding counted as zeros (divide by KH*KW). */
__kernel void avgpool_forward_kernel(__global const float *x, __global float *y, int planes,
                                     int h, int w, int kh, int kw, int sh, int sw, int ph,
                                     int pw, int oh, int ow, int run)
{
    int line, begin, end;
    if (!clcnn_row_span(planes * oh, ow, run, &line, &begin, &end))
        return;
    int oy = line % oh, plane = line / oh;
    __global const float *xp = x + (size_t)plane * h * w;
    int y0 = oy * sh - ph;
    for (int ox = begin; ox < end; ++ox) {
        int x0 = ox * sw - pw;
        float sum = 0.0f;
        for (int i = max(0, -y0); i < kh && y0 + i < h; ++i)
            for (int j = max(0, -x0); j < kw && x0 + j < w; ++j)
                sum += xp[(y0 + i) * w + x0 + j];
        y[(size_t)line * ow + ox] = sum / (float)(kh * kw);
    }
}

/* dx pixel = sum over the windows covering it of dy / (KH*KW). */
__kernel void avgpool_backward_kernel(__global const float *dy, __global float *dx, int planes,
                                      int h, int w, int kh, int kw, int sh, int sw, int ph,
                                      int pw, int oh, int ow, int run)
{
    int line, begin, end;
    if (!clcnn_row_span(planes * h, w, run, &line, &begin, &end))
        return;
    int py = line % h, plane = line / h;
    size_t base = (size_t)plane * oh * ow;
    int oy_first = clcnn_pool_first_cover(py, kh, sh, ph);
    int oy_last = clcnn_pool_last_cover(py, sh, ph, oh);
    for (int px = begin; px < end; ++px) {
        int ox_first = clcnn_pool_first_cover(px, kw, sw, pw);
        int ox_last = clcnn_pool_last_cover(px, sw, pw, ow);
        float sum = 0.0f;
        for (int oy = oy_first; oy <= oy_last; ++oy)
            for (int ox = ox_first; ox <= ox_last; ++ox)
                sum += dy[base + (size_t)oy * ow + ox];
        dx[(size_t)line * w + px] = sum / (float)(kh * kw);
    }
}
