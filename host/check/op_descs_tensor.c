/* The descriptors of the data-movement and layout ops (see clcnn/op_cases.h
 * for adding an op): fill, axpy, add, scale, GEMM, im2col/im2row/col2im,
 * copy_columns, hwc_to_chw, cnp <-> NCHW, bias, input normalization. */
#include <stdio.h>
#include <stdlib.h>

#include "check/op_run.h"

enum { COL = 1 };                              /* im2col/col2im: X or DX with COL */
enum { GEMM_A = 0, GEMM_B, GEMM_C };

/* ---- element-wise ---- */

static clcnn_status exec_fill(clcnn_op_run *run)
{
    return run->be->ops->fill(run->be, &run->t[Y], 0.25f);
}

static clcnn_status exec_scale(clcnn_op_run *run) /* repeatable: no under/overflow */
{
    return run->be->ops->scale(run->be, -1.0f, &run->t[Y]);
}

static clcnn_status exec_axpy(clcnn_op_run *run)
{
    return run->be->ops->axpy(run->be, 0.75f, &run->t[X], &run->t[Y]);
}

/* add: a = X, b = DY; the result in Y, or in place in X (as the network
 * sums two gradients of one tensor). */
static clcnn_status create_add(clcnn_op_run *run)
{
    REAL(X, op_run_in_shape(run), -1, 1);
    REAL(DY, op_run_in_shape(run), -1, 1);
    if (run->cs->flags & CLCNN_OPF_IN_PLACE) {
        OUTPUTS(X);
        return CLCNN_OK;
    }
    REAL(Y, op_run_in_shape(run), 0, 0);
    OUTPUTS(Y);
    return CLCNN_OK;
}

static clcnn_status exec_add(clcnn_op_run *run) /* in place: repeatable, the sums stay small */
{
    clcnn_tensor *y = run->cs->flags & CLCNN_OPF_IN_PLACE ? &run->t[X] : &run->t[Y];
    return run->be->ops->add(run->be, &run->t[X], &run->t[DY], y);
}

static double add_bytes(const clcnn_op_run *run) /* two reads, one write */
{
    return 3.0 * (double)run->t[X].count * (double)clcnn_dtype_size(run->be, CLCNN_REAL);
}

static const char *add_label(const clcnn_op_case *cs)
{
    return cs->flags & CLCNN_OPF_IN_PLACE ? "in-place " : "";
}

/* ---- GEMM ---- */

/* The GEMM operands: stored A is (TRANS_A ? k x m : m x k), etc.; PADDED adds
 * an element offset of 3 and 2 spare columns to every matrix. */
typedef struct gemm_layout {
    int m, n, k, lda, ldb, ldc;
    size_t offset;
} gemm_layout;

static gemm_layout gemm_layout_of(const clcnn_op_case *cs)
{
    gemm_layout g = {cs->gemm.m, cs->gemm.n, cs->gemm.k, 0, 0, 0, 0};
    int pad = cs->flags & CLCNN_OPF_PADDED ? 2 : 0;
    g.offset = cs->flags & CLCNN_OPF_PADDED ? 3 : 0;
    g.lda = (cs->flags & CLCNN_OPF_TRANS_A ? g.m : g.k) + pad;
    g.ldb = (cs->flags & CLCNN_OPF_TRANS_B ? g.k : g.n) + pad;
    g.ldc = g.n + pad;
    return g;
}

static clcnn_status create_gemm(clcnn_op_run *run)
{
    const clcnn_op_case *cs = run->cs;
    gemm_layout g = gemm_layout_of(cs);
    int a_rows = cs->flags & CLCNN_OPF_TRANS_A ? g.k : g.m;
    int b_rows = cs->flags & CLCNN_OPF_TRANS_B ? g.n : g.k;
    REAL(GEMM_A, clcnn_shape_make(1, 1, 1, (int)g.offset + a_rows * g.lda), -1, 1);
    REAL(GEMM_B, clcnn_shape_make(1, 1, 1, (int)g.offset + b_rows * g.ldb), -1, 1);
    REAL(GEMM_C, clcnn_shape_make(1, 1, 1, (int)g.offset + g.m * g.ldc), -1, 1);
    OUTPUTS(GEMM_C);
    return CLCNN_OK;
}

static clcnn_status exec_gemm(clcnn_op_run *run)
{
    const clcnn_op_case *cs = run->cs;
    gemm_layout g = gemm_layout_of(cs);
    float beta = cs->flags & CLCNN_OPF_PADDED ? 0.5f : 0.0f;
    return run->be->ops->gemm(run->be, (cs->flags & CLCNN_OPF_TRANS_A) != 0,
                              (cs->flags & CLCNN_OPF_TRANS_B) != 0, g.m, g.n, g.k, 1.0f,
                              &run->t[GEMM_A], g.offset, g.lda, &run->t[GEMM_B], g.offset, g.ldb,
                              beta, &run->t[GEMM_C], g.offset, g.ldc);
}

static void describe_gemm(const clcnn_op_case *cs, char *buf, size_t size)
{
    snprintf(buf, size, "gemm %c%c m%d n%d k%d%s", cs->flags & CLCNN_OPF_TRANS_A ? 'T' : 'N',
             cs->flags & CLCNN_OPF_TRANS_B ? 'T' : 'N', cs->gemm.m, cs->gemm.n, cs->gemm.k,
             cs->flags & CLCNN_OPF_PADDED ? " padded" : "");
}

/* ---- lowering: im2col, im2row, col2im; copy_columns, hwc_to_chw; cnp <-> NCHW ---- */

/* The column matrix of images n0 .. n0+nb-1, pad_rows zero rows past C*K*K. */
static int col_rows(const clcnn_op_run *run)
{
    return run->cs->c * run->cs->k * run->cs->k + run->cs->pad_rows;
}

static clcnn_shape col_shape(const clcnn_op_run *run)
{
    size_t count = (size_t)col_rows(run) * run->nb * run->win.oh * run->win.ow;
    return clcnn_shape_make(1, 1, 1, (int)count);
}

static clcnn_status create_lower(clcnn_op_run *run)
{
    REAL(X, op_run_in_shape(run), -1, 1);
    REAL(COL, col_shape(run), -1, 1);
    OUTPUTS(COL);
    return CLCNN_OK;
}

static clcnn_status exec_im2col(clcnn_op_run *run)
{
    return run->be->ops->im2col(run->be, &run->win, &run->t[X], run->n0, run->nb,
                                col_rows(run), &run->t[COL]);
}

static clcnn_status exec_im2row(clcnn_op_run *run)
{
    return run->be->ops->im2row(run->be, &run->win, &run->t[X], run->n0, run->nb,
                                col_rows(run), &run->t[COL]);
}

static clcnn_status create_col2im(clcnn_op_run *run)
{
    REAL(COL, col_shape(run), -1, 1);
    REAL(DX, op_run_in_shape(run), -1, 1); /* images outside the chunk must stay */
    OUTPUTS(DX);
    return CLCNN_OK;
}

static clcnn_status exec_col2im(clcnn_op_run *run)
{
    return run->be->ops->col2im(run->be, &run->win, &run->t[COL], run->n0, run->nb,
                                &run->t[DX]);
}

/* copy_columns and hwc_to_chw: rows rows of src_ld into rows of dst_ld. */
static clcnn_status create_copy_columns(clcnn_op_run *run)
{
    const clcnn_op_case *cs = run->cs;
    REAL(X, clcnn_shape_make(1, 1, cs->copy.rows, cs->copy.src_ld), -1, 1);
    REAL(Y, clcnn_shape_make(1, 1, cs->copy.rows, cs->copy.dst_ld), -1, 1);
    OUTPUTS(Y);
    return CLCNN_OK;
}

static clcnn_status exec_copy_columns(clcnn_op_run *run)
{
    const clcnn_op_case *cs = run->cs;
    return run->be->ops->copy_columns(run->be, cs->copy.rows, cs->copy.cols, &run->t[X],
                                      cs->copy.src_ld, &run->t[Y], cs->copy.dst_ld);
}

/* Reads the copied columns only, writes every destination row whole. */
static double copy_columns_bytes(const clcnn_op_run *run)
{
    const clcnn_op_case *cs = run->cs;
    return (double)cs->copy.rows * (cs->copy.cols + cs->copy.dst_ld) *
           (double)clcnn_dtype_size(run->be, CLCNN_REAL);
}

static void describe_copy_columns(const clcnn_op_case *cs, char *buf, size_t size)
{
    snprintf(buf, size, "copy_columns rows%d cols%d ld%d->%d", cs->copy.rows, cs->copy.cols,
             cs->copy.src_ld, cs->copy.dst_ld);
}

static clcnn_status exec_hwc_to_chw(clcnn_op_run *run)
{
    const clcnn_op_case *cs = run->cs;
    return run->be->ops->hwc_to_chw(run->be, cs->copy.rows, cs->c, cs->copy.cols / cs->c,
                                    &run->t[X], cs->copy.src_ld, &run->t[Y]);
}

static void describe_hwc_to_chw(const clcnn_op_case *cs, char *buf, size_t size)
{
    snprintf(buf, size, "hwc_to_chw rows%d C%d HW%d ld%d", cs->copy.rows, cs->c,
             cs->copy.cols / cs->c, cs->copy.src_ld);
}

/* X: the cnp matrix (C x nb*H*W), Y: the NCHW tensor, DY: the bias. */
static clcnn_status create_layout(clcnn_op_run *run)
{
    const clcnn_op_case *cs = run->cs;
    REAL(X, clcnn_shape_make(1, 1, 1, cs->c * run->nb * cs->h * cs->w), -1, 1);
    REAL(Y, op_run_in_shape(run), -1, 1);
    REAL(DY, op_run_per_channel(run), -1, 1);
    if (cs->op == CLCNN_OP_CNP_TO_NCHW)
        OUTPUTS(Y);
    else
        OUTPUTS(X);
    return CLCNN_OK;
}

static clcnn_status exec_cnp_to_nchw(clcnn_op_run *run)
{
    clcnn_tensor *t = run->t;
    return run->be->ops->cnp_to_nchw(run->be, &t[X],
                                     run->cs->flags & CLCNN_OPF_BIAS ? &t[DY] : NULL, run->n0,
                                     run->nb, &t[Y]);
}

static clcnn_status exec_nchw_to_cnp(clcnn_op_run *run)
{
    return run->be->ops->nchw_to_cnp(run->be, &run->t[Y], run->n0, run->nb, &run->t[X]);
}

/* ---- bias ---- */

static clcnn_status create_add_bias(clcnn_op_run *run)
{
    REAL(X, op_run_per_channel(run), -1, 1);
    return op_run_create_y(run);
}

static clcnn_status exec_add_bias(clcnn_op_run *run)
{
    return run->be->ops->add_bias(run->be, &run->t[X], &run->t[Y]);
}

static clcnn_status create_bias_backward(clcnn_op_run *run)
{
    REAL(DY, op_run_in_shape(run), -1, 1);
    REAL(DX, op_run_per_channel(run), 0, 0);
    OUTPUTS(DX);
    return CLCNN_OK;
}

static clcnn_status exec_bias_backward(clcnn_op_run *run)
{
    return run->be->ops->bias_backward(run->be, &run->t[DY], &run->t[DX]);
}

/* ---- input normalization ---- */

static clcnn_status create_normalize(clcnn_op_run *run)
{
    clcnn_shape in = op_run_in_shape(run);
    run->mean = malloc((size_t)in.c * sizeof *run->mean);
    run->std = malloc((size_t)in.c * sizeof *run->std);
    if (!run->mean || !run->std)
        return clcnn_fail(CLCNN_ERR_NOMEM, "op case: out of host memory");
    for (int ch = 0; ch < in.c; ch++) {
        run->mean[ch] = 120.0f + 5.0f * (float)ch;
        run->std[ch] = 60.0f + 3.0f * (float)ch;
    }
    CLCNN_TRY(op_run_make_int(run, X, in, CLCNN_U8, 256));
    return op_run_create_y(run);
}

static clcnn_status exec_normalize(clcnn_op_run *run)
{
    return run->be->ops->normalize_u8(run->be, &run->t[X], run->mean, run->std, &run->t[Y]);
}

/* ---- the table (the other ops' rows are in op_descs_nn.c) ---- */

const clcnn_op_desc clcnn_op_descs_tensor[CLCNN_OP_COUNT] = {
    [CLCNN_OP_FILL] = {"fill", op_run_create_y, exec_fill, TOL_EXACT, .writes = SLOT(Y)},
    [CLCNN_OP_AXPY] = {"axpy", op_run_create_x_y, exec_axpy, TOL_EXACT, .reads = SLOT(X) | SLOT(Y),
                       .writes = SLOT(Y)},
    [CLCNN_OP_ADD] = {"add", create_add, exec_add, TOL_EXACT, .bytes = add_bytes,
                      .kind_label = add_label},
    [CLCNN_OP_SCALE] = {"scale", op_run_create_y, exec_scale, TOL_EXACT, .reads = SLOT(Y),
                        .writes = SLOT(Y)},
    [CLCNN_OP_GEMM] = {"gemm", create_gemm, exec_gemm, TOL_GEMM,
                       .reads = SLOT(GEMM_A) | SLOT(GEMM_B) | SLOT(GEMM_C),
                       .writes = SLOT(GEMM_C), .describe = describe_gemm},
    [CLCNN_OP_IM2COL] = {"im2col", create_lower, exec_im2col, TOL_EXACT, .reads = SLOT(X),
                         .writes = SLOT(COL)},
    [CLCNN_OP_IM2ROW] = {"im2row", create_lower, exec_im2row, TOL_EXACT, .reads = SLOT(X),
                         .writes = SLOT(COL)},
    [CLCNN_OP_COL2IM] = {"col2im", create_col2im, exec_col2im, TOL_EXACT, .reads = SLOT(COL),
                         .writes = SLOT(DX)},
    [CLCNN_OP_COPY_COLUMNS] = {"copy_columns", create_copy_columns, exec_copy_columns,
                               TOL_EXACT, .bytes = copy_columns_bytes,
                               .describe = describe_copy_columns},
    [CLCNN_OP_HWC_TO_CHW] = {"hwc_to_chw", create_copy_columns, exec_hwc_to_chw, TOL_EXACT,
                             .bytes = copy_columns_bytes, .describe = describe_hwc_to_chw},
    [CLCNN_OP_CNP_TO_NCHW] = {"cnp_to_nchw", create_layout, exec_cnp_to_nchw, TOL_EXACT,
                              .reads = SLOT(X) | SLOT(DY), .writes = SLOT(Y)},
    [CLCNN_OP_NCHW_TO_CNP] = {"nchw_to_cnp", create_layout, exec_nchw_to_cnp, TOL_EXACT,
                              .reads = SLOT(Y), .writes = SLOT(X)},
    [CLCNN_OP_ADD_BIAS] = {"add_bias", create_add_bias, exec_add_bias, TOL_EXACT,
                           .reads = SLOT(X) | SLOT(Y), .writes = SLOT(Y)},
    [CLCNN_OP_BIAS_BACKWARD] = {"bias_bwd", create_bias_backward, exec_bias_backward,
                                TOL_REDUCE, .reduces = 1, .reads = SLOT(DY),
                                .writes = SLOT(DX)},
    [CLCNN_OP_NORMALIZE_U8] = {"normalize_u8", create_normalize, exec_normalize, TOL_EXACT,
                               .reads = SLOT(X), .writes = SLOT(Y)},
};
