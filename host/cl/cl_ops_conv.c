/* Convolution building blocks of the "cl" backend: im2col/im2row/col2im
 * (kernels/im2col.cl), the CNP <-> NCHW layout changes, the GEMM operand
 * padding (copy_columns), the weight gradient's reordering (hwc_to_chw) and
 * the bias ops (kernels/layout.cl). */
#include <stdint.h>

#include "cl/cl_ops.h"
#include "core/op_args.h"

/* The 11 geometry arguments of im2col_kernel and col2im_kernel, in order. */
#define WINDOW_ARGS(win)                                                                          \
    CLCNN_ARG((win)->c), CLCNN_ARG((win)->h), CLCNN_ARG((win)->w), CLCNN_ARG((win)->kh),          \
        CLCNN_ARG((win)->kw), CLCNN_ARG((win)->sh), CLCNN_ARG((win)->sw), CLCNN_ARG((win)->ph),   \
        CLCNN_ARG((win)->pw), CLCNN_ARG((win)->oh), CLCNN_ARG((win)->ow)

clcnn_status clcnn_cl_im2col(clcnn_backend *be, const clcnn_window *win, const clcnn_tensor *x,
                             int n0, int nb, int rows, clcnn_tensor *col)
{
    const char *op = "im2col", *name = "im2col_kernel";
    CLCNN_TRY(clcnn_op_check_col(be, op, win, x, n0, nb, rows, col));
    cl_kernel k;
    cl_mem xm = clcnn_cl_mem(x), cm = clcnn_cl_mem(col);
    int run = cl_row_run(be, win->ow);
    if (run >= win->ow) { /* CPUs: a work-item per (col row, group of images) */
        name = "im2col_plane_kernel";
        int group = cl_images_per_item(nb, (size_t)win->oh * win->ow);
        CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
        CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(xm), CLCNN_ARG(cm), CLCNN_ARG(n0),
                                    CLCNN_ARG(nb), WINDOW_ARGS(win), CLCNN_ARG(rows),
                                    CLCNN_ARG(group)));
        return cl_launch_elements(be, k, name, (size_t)rows * ((nb + group - 1) / group));
    }
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(xm), CLCNN_ARG(cm), CLCNN_ARG(n0),
                                CLCNN_ARG(nb), WINDOW_ARGS(win), CLCNN_ARG(rows),
                                CLCNN_ARG(run)));
    size_t lines = (size_t)rows * nb * win->oh;
    return cl_launch_elements(be, k, name, cl_row_items(lines, win->ow, run));
}

/* The local-memory tile of a CPU lowering kernel's work-item (im2row's
 * input rows, col2im's dx planes): at most this many bytes, so that it stays
 * in a CPU core's L1 cache while the item reads or adds into it many times. */
#define LOCAL_TILE_BYTES (32 << 10)

/* The bytes a tile may take on this device: LOCAL_TILE_BYTES, or its local
 * memory where that is smaller. */
static size_t tile_bytes(clcnn_backend *be)
{
    cl_ulong local = clcnn_cl_of(be)->local_mem_bytes;
    return local < LOCAL_TILE_BYTES ? (size_t)local : LOCAL_TILE_BYTES;
}

/* The values a CPU lowering kernel's work-item may write or add (where one
 * output row or image allows): on software devices (llvmpipe,
 * clcnn_device_is_software) 32768, since llvmpipe (Mesa 22.3, rusticl) ends
 * any loop after 65535 iterations in one invocation, however often it is
 * entered, and its results then silently lack the rest; elsewhere no limit
 * (on PoCL the bound would cost conv2 and conv3 5 ms of a step). */
static size_t item_values(clcnn_backend *be)
{
    return clcnn_device_is_software(&clcnn_cl_of(be)->info) ? 32768 : SIZE_MAX;
}

/* Output rows per im2row_band_kernel item: as many as keep the input rows
 * their windows read within tile_bytes and the values the item writes
 * within item_values, at least 1; 0 when a single output row's input rows
 * do not fit the device's local memory. */
static int im2row_band(clcnn_backend *be, const clcnn_window *win, int row_len)
{
    size_t row_bytes = (size_t)win->w * win->c * sizeof(float), budget = tile_bytes(be);
    size_t per_row = (size_t)win->ow * row_len, max_values = item_values(be);
    int band = 1;
    while (band < win->oh && (size_t)(band * win->sh + win->kh) * row_bytes <= budget &&
           (size_t)(band + 1) * per_row <= max_values)
        band++;
    return (size_t)win->kh * row_bytes <= clcnn_cl_of(be)->local_mem_bytes ? band : 0;
}

clcnn_status clcnn_cl_im2row(clcnn_backend *be, const clcnn_window *win, const clcnn_tensor *x,
                             int n0, int nb, int row_len, clcnn_tensor *colt)
{
    const char *op = "im2row", *name = "im2row_kernel";
    CLCNN_TRY(clcnn_op_check_col(be, op, win, x, n0, nb, row_len, colt));
    cl_kernel k;
    cl_mem xm = clcnn_cl_mem(x), cm = clcnn_cl_mem(colt);
    int band = im2row_band(be, win, row_len);
    if (cl_row_run(be, win->ow) >= win->ow && band > 0) { /* CPUs: an item per band of rows */
        name = "im2row_band_kernel";
        int rows = (band - 1) * win->sh + win->kh;
        size_t tile = (size_t)(rows < win->h ? rows : win->h) * win->w * win->c * sizeof(float);
        CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
        CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(xm), CLCNN_ARG(cm), CLCNN_ARG(n0),
                                    CLCNN_ARG(nb), WINDOW_ARGS(win), CLCNN_ARG(row_len),
                                    CLCNN_ARG(band), CLCNN_LOCAL_ARG(tile)));
        size_t items = (size_t)nb * ((win->oh + band - 1) / band);
        return cl_launch_groups(be, k, name, items, 1); /* a tile per item */
    }
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(xm), CLCNN_ARG(cm), CLCNN_ARG(n0),
                                CLCNN_ARG(nb), WINDOW_ARGS(win), CLCNN_ARG(row_len)));
    return cl_launch_elements(be, k, name, (size_t)nb * win->oh * win->ow);
}

clcnn_status clcnn_cl_copy_columns(clcnn_backend *be, int rows, int cols,
                                   const clcnn_tensor *src, int src_ld, clcnn_tensor *dst,
                                   int dst_ld)
{
    const char *op = "copy_columns", *name = "copy_columns_kernel";
    CLCNN_TRY(clcnn_op_check_columns(op, cols, src_ld, dst_ld));
    CLCNN_TRY(clcnn_op_check_matrix(be, op, "source", src, 0, rows, src_ld, src_ld));
    CLCNN_TRY(clcnn_op_check_matrix(be, op, "destination", dst, 0, rows, dst_ld, dst_ld));
    cl_kernel k;
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    cl_mem sm = clcnn_cl_mem(src), dm = clcnn_cl_mem(dst);
    int run = cl_row_run(be, dst_ld);
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(sm), CLCNN_ARG(src_ld), CLCNN_ARG(dm),
                                CLCNN_ARG(dst_ld), CLCNN_ARG(rows), CLCNN_ARG(cols),
                                CLCNN_ARG(run)));
    return cl_launch_elements(be, k, name, cl_row_items((size_t)rows, dst_ld, run));
}

clcnn_status clcnn_cl_hwc_to_chw(clcnn_backend *be, int rows, int c, int hw,
                                 const clcnn_tensor *src, int src_ld, clcnn_tensor *dst)
{
    const char *op = "hwc_to_chw", *name = "hwc_to_chw_kernel";
    CLCNN_TRY(clcnn_op_check_hwc_to_chw(be, op, rows, c, hw, src, src_ld, dst));
    cl_kernel k;
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    cl_mem sm = clcnn_cl_mem(src), dm = clcnn_cl_mem(dst);
    int run = cl_row_run(be, c * hw);
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(sm), CLCNN_ARG(src_ld), CLCNN_ARG(dm),
                                CLCNN_ARG(rows), CLCNN_ARG(c), CLCNN_ARG(hw), CLCNN_ARG(run)));
    return cl_launch_elements(be, k, name, cl_row_items((size_t)rows, c * hw, run));
}

clcnn_status clcnn_cl_col2im(clcnn_backend *be, const clcnn_window *win,
                             const clcnn_tensor *col, int n0, int nb, clcnn_tensor *dx)
{
    const char *op = "col2im", *name = "col2im_kernel";
    CLCNN_TRY(clcnn_op_check_col(be, op, win, dx, n0, nb, win->c * win->kh * win->kw, col));
    cl_kernel k;
    cl_mem cm = clcnn_cl_mem(col), dxm = clcnn_cl_mem(dx);
    int run = cl_row_run(be, win->w);
    size_t plane_bytes = (size_t)win->h * win->w * sizeof(float);
    if (run >= win->w && plane_bytes <= clcnn_cl_of(be)->local_mem_bytes) {
        /* CPUs: a work-item per (channel, group of images), as a scatter */
        name = "col2im_group_kernel";
        size_t adds = (size_t)win->kh * win->kw * win->oh * win->ow; /* an image's */
        size_t fit = tile_bytes(be) / plane_bytes;
        if (fit > item_values(be) / adds)
            fit = item_values(be) / adds;
        int group = fit < 1 ? 1 : fit > (size_t)nb ? nb : (int)fit;
        size_t tile = (size_t)group * plane_bytes;
        CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
        CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(cm), CLCNN_ARG(dxm), CLCNN_ARG(n0),
                                    CLCNN_ARG(nb), WINDOW_ARGS(win), CLCNN_ARG(group),
                                    CLCNN_LOCAL_ARG(tile)));
        size_t items = (size_t)win->c * ((nb + group - 1) / group);
        return cl_launch_groups(be, k, name, items, 1); /* a tile per item */
    }
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(cm), CLCNN_ARG(dxm), CLCNN_ARG(n0),
                                CLCNN_ARG(nb), WINDOW_ARGS(win), CLCNN_ARG(run)));
    size_t lines = (size_t)nb * win->c * win->h;
    return cl_launch_elements(be, k, name, cl_row_items(lines, win->w, run));
}

clcnn_status clcnn_cl_cnp_to_nchw(clcnn_backend *be, const clcnn_tensor *cnp,
                                  const clcnn_tensor *bias, int n0, int nb, clcnn_tensor *y)
{
    const char *op = "cnp_to_nchw", *name = "cnp_to_nchw_kernel";
    CLCNN_TRY(clcnn_op_check_cnp(be, op, cnp, bias, n0, nb, y));
    int f = y->shape.c, p = y->shape.h * y->shape.w;
    cl_kernel k;
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    /* A NULL buffer argument is legal OpenCL; the kernel reads it only when has_bias. */
    cl_mem cm = clcnn_cl_mem(cnp), bm = bias ? clcnn_cl_mem(bias) : NULL, ym = clcnn_cl_mem(y);
    int has_bias = bias != NULL, run = cl_row_run(be, p);
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(cm), CLCNN_ARG(bm), CLCNN_ARG(has_bias),
                                CLCNN_ARG(ym), CLCNN_ARG(n0), CLCNN_ARG(nb), CLCNN_ARG(f),
                                CLCNN_ARG(p), CLCNN_ARG(run)));
    return cl_launch_elements(be, k, name, cl_row_items((size_t)nb * f, p, run));
}

clcnn_status clcnn_cl_nchw_to_cnp(clcnn_backend *be, const clcnn_tensor *y, int n0, int nb,
                                  clcnn_tensor *cnp)
{
    const char *op = "nchw_to_cnp", *name = "nchw_to_cnp_kernel";
    CLCNN_TRY(clcnn_op_check_cnp(be, op, cnp, NULL, n0, nb, y));
    int f = y->shape.c, p = y->shape.h * y->shape.w;
    cl_kernel k;
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    cl_mem ym = clcnn_cl_mem(y), cm = clcnn_cl_mem(cnp);
    int run = cl_row_run(be, p);
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(ym), CLCNN_ARG(cm), CLCNN_ARG(n0),
                                CLCNN_ARG(nb), CLCNN_ARG(f), CLCNN_ARG(p), CLCNN_ARG(run)));
    return cl_launch_elements(be, k, name, cl_row_items((size_t)nb * f, p, run));
}

clcnn_status clcnn_cl_add_bias(clcnn_backend *be, const clcnn_tensor *bias, clcnn_tensor *y)
{
    const char *op = "add_bias", *name = "add_bias_kernel";
    CLCNN_TRY(clcnn_op_check_count(be, op, y, CLCNN_REAL, 0));
    CLCNN_TRY(clcnn_op_check_count(be, op, bias, CLCNN_REAL, (size_t)y->shape.c));
    cl_kernel k;
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    cl_mem bm = clcnn_cl_mem(bias), ym = clcnn_cl_mem(y);
    int planes = y->shape.n * y->shape.c, c = y->shape.c, p = y->shape.h * y->shape.w;
    int run = cl_row_run(be, p);
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(bm), CLCNN_ARG(ym), CLCNN_ARG(planes),
                                CLCNN_ARG(c), CLCNN_ARG(p), CLCNN_ARG(run)));
    return cl_launch_elements(be, k, name, cl_row_items((size_t)planes, p, run));
}

clcnn_status clcnn_cl_bias_backward(clcnn_backend *be, const clcnn_tensor *dy,
                                    clcnn_tensor *db)
{
    const char *op = "bias_backward", *name = "bias_backward_kernel";
    CLCNN_TRY(clcnn_op_check_count(be, op, dy, CLCNN_REAL, 0));
    CLCNN_TRY(clcnn_op_check_count(be, op, db, CLCNN_REAL, (size_t)dy->shape.c));
    cl_kernel k;
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    cl_mem dym = clcnn_cl_mem(dy), dbm = clcnn_cl_mem(db);
    int n = dy->shape.n, c = dy->shape.c, p = dy->shape.h * dy->shape.w;
    int run = cl_reduction_run(be, p);
    size_t group = cl_reduction_group_size_for(be, k, n, p, run);
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(dym), CLCNN_ARG(dbm), CLCNN_ARG(n),
                                CLCNN_ARG(c), CLCNN_ARG(p), CLCNN_ARG(run),
                                CLCNN_LOCAL_ARG(group * sizeof(float))));
    return cl_launch_groups(be, k, name, (size_t)c, group);
}
