#include "clcnn/backend.h"

#include <stddef.h>

clcnn_status clcnn_window_init(clcnn_window *win, int c, int h, int w, int kh, int kw, int sh,
                               int sw, int ph, int pw)
{
    if (c <= 0 || h <= 0 || w <= 0 || kh <= 0 || kw <= 0 || sh <= 0 || sw <= 0 || ph < 0 || pw < 0)
        return clcnn_fail(CLCNN_ERR_ARG,
                          "window: invalid geometry (input %dx%dx%d, window %dx%d, stride %dx%d, "
                          "padding %dx%d)", c, h, w, kh, kw, sh, sw, ph, pw);
    int span_h = h + 2 * ph - kh, span_w = w + 2 * pw - kw;
    if (span_h < 0 || span_w < 0)
        return clcnn_fail(CLCNN_ERR_ARG,
                          "window %dx%d is larger than its padded input %dx%d: output size "
                          "would be non-positive", kh, kw, h + 2 * ph, w + 2 * pw);
    win->c = c; win->h = h; win->w = w;
    win->kh = kh; win->kw = kw; win->sh = sh; win->sw = sw; win->ph = ph; win->pw = pw;
    win->oh = span_h / sh + 1;
    win->ow = span_w / sw + 1;
    return CLCNN_OK;
}

void clcnn_backend_destroy(clcnn_backend *be)
{
    if (be)
        be->ops->destroy(be);
}

clcnn_status clcnn_backend_finish(clcnn_backend *be) { return be->ops->finish(be); }

const clcnn_device_info *clcnn_backend_device(const clcnn_backend *be)
{
    return be && be->ops->device ? be->ops->device(be) : NULL;
}

unsigned long long clcnn_backend_max_alloc_bytes(const clcnn_backend *be)
{
    return be && be->ops->max_alloc_bytes ? be->ops->max_alloc_bytes(be) : 0;
}
