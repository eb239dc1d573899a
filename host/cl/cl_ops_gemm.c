/* GEMM of the "cl" backend: CLBlast's SGEMM on the backend's queue, with the
 * CLBlast parameters tuned for the GEMM's transpose class (cl_tune.h). */
#include <limits.h>
#include <clblast_c.h>

#include "cl/cl_ops.h"

/* Name of a CLBlast status: the OpenCL name for the codes it shares with
 * OpenCL, else CLBlast's own for the common ones. */
static const char *clblast_status_name(CLBlastStatusCode status)
{
    switch (status) {
    case CLBlastNotImplemented: return "CLBlastNotImplemented";
    case CLBlastInvalidDimension: return "CLBlastInvalidDimension";
    case CLBlastInvalidLeadDimA: return "CLBlastInvalidLeadDimA";
    case CLBlastInvalidLeadDimB: return "CLBlastInvalidLeadDimB";
    case CLBlastInvalidLeadDimC: return "CLBlastInvalidLeadDimC";
    case CLBlastInsufficientMemoryA: return "CLBlastInsufficientMemoryA";
    case CLBlastInsufficientMemoryB: return "CLBlastInsufficientMemoryB";
    case CLBlastInsufficientMemoryC: return "CLBlastInsufficientMemoryC";
    case CLBlastInvalidLocalMemUsage: return "CLBlastInvalidLocalMemUsage";
    case CLBlastUnknownError: return "CLBlastUnknownError";
    case CLBlastUnexpectedError: return "CLBlastUnexpectedError";
    default: break;
    }
    if (status > -1000)
        return clcnn_cl_error_name((cl_int)status);
    return "CLBlast error";
}

/* Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: the same
 * memory, handed to CLBlast as a column-major GEMM with the operands swapped.
 * CLBlast's indirect GEMM kernel wants column-major operands in a fixed
 * orientation and transposes the others (and C) into temporary buffers
 * first; in the row-major form it must transpose C in and out for every
 * GEMM, which on a CPU device costs more than the GEMM itself when k is
 * small (the conv input gradient: 800 x 32768 x 64). In the column-major
 * form the forward and input-gradient GEMMs need no big transpose at all. */
CLBlastStatusCode clcnn_cl_sgemm(cl_command_queue queue, int trans_a, int trans_b, int m, int n,
                                 int k, float alpha, cl_mem a, size_t a_offset, int lda,
                                 cl_mem b, size_t b_offset, int ldb, float beta, cl_mem c,
                                 size_t c_offset, int ldc, cl_event *event)
{
    return CLBlastSgemm(CLBlastLayoutColMajor, trans_b ? CLBlastTransposeYes : CLBlastTransposeNo,
                        trans_a ? CLBlastTransposeYes : CLBlastTransposeNo, (size_t)n, (size_t)m,
                        (size_t)k, alpha, b, b_offset, (size_t)ldb, a, a_offset, (size_t)lda,
                        beta, c, c_offset, (size_t)ldc, &queue, event);
}

/* Scratch buffer slot of at least count floats, grown (replaced) when too small. */
static clcnn_status scratch(clcnn_backend *be, int slot, size_t count, cl_mem *out)
{
    static const char *names[2] = {"gemm scratch (transposed A)", "gemm scratch (transposed B)"};
    clcnn_tensor *t = &clcnn_cl_backend_of(be)->gemm_scratch[slot];
    if (t->count < count) {
        clcnn_tensor_free(t);
        if (count > INT_MAX)
            return clcnn_fail(CLCNN_ERR_ARG, "%s: %zu elements is too many", names[slot], count);
        CLCNN_TRY(clcnn_tensor_alloc(be, t, clcnn_shape_make((int)count, 1, 1, 1), CLCNN_REAL,
                                     names[slot]));
    }
    *out = clcnn_cl_mem(t);
    return CLCNN_OK;
}

void clcnn_cl_gemm_release(clcnn_cl_backend *state)
{
    for (int i = 0; i < 2; i++)
        clcnn_tensor_free(&state->gemm_scratch[i]);
}

/* out (cols x rows, packed) = the rows x cols matrix at in + offset, ld. */
static clcnn_status transpose(clcnn_backend *be, cl_mem in, size_t offset, int rows, int cols,
                              int ld, cl_mem out)
{
    const char *name = "transpose_kernel";
    cl_kernel k;
    CLCNN_TRY(clcnn_cl_kernel(clcnn_cl_of(be), name, &k));
    int off = (int)offset; /* tensors have at most INT_MAX elements (checked) */
    CLCNN_TRY(clcnn_cl_set_args(k, name, CLCNN_ARG(in), CLCNN_ARG(off), CLCNN_ARG(rows),
                                CLCNN_ARG(cols), CLCNN_ARG(ld), CLCNN_ARG(out)));
    size_t tiles = (size_t)((rows + 31) / 32) * (size_t)((cols + 31) / 32);
    return cl_launch_elements(be, k, name, tiles);
}

/* Replace the rows x cols operand at *mem + *offset (leading dimension *ld)
 * by its transpose, packed in scratch slot. */
static clcnn_status transpose_operand(clcnn_backend *be, int slot, int rows, int cols,
                                      cl_mem *mem, size_t *offset, int *ld)
{
    cl_mem t = NULL;
    CLCNN_TRY(scratch(be, slot, (size_t)rows * cols, &t));
    CLCNN_TRY(transpose(be, *mem, *offset, rows, cols, *ld, t));
    *mem = t;
    *offset = 0;
    *ld = rows;
    return CLCNN_OK;
}

int clcnn_cl_gemm_pretransposes(int gpu_shape, int trans_a, int trans_b)
{
    if (gpu_shape)
        return 0;
    return (trans_a ? 0 : CLCNN_PRETRANSPOSE_A) | (trans_b ? CLCNN_PRETRANSPOSE_B : 0);
}

clcnn_status clcnn_cl_gemm(clcnn_backend *be, int trans_a, int trans_b, int m, int n, int k,
                           float alpha, const clcnn_tensor *a, size_t a_offset, int lda,
                           const clcnn_tensor *b, size_t b_offset, int ldb, float beta,
                           clcnn_tensor *c, size_t c_offset, int ldc)
{
    const char *op = "gemm";
    if (m < 0 || n < 0 || k < 0)
        return clcnn_fail(CLCNN_ERR_ARG, "gemm: negative size %dx%dx%d", m, n, k);
    /* Stored shapes: op(A) is m x k, so A is k x m when transposed. */
    CLCNN_TRY(clcnn_op_check_matrix(be, op, "A", a, a_offset, trans_a ? k : m, trans_a ? m : k, lda));
    CLCNN_TRY(clcnn_op_check_matrix(be, op, "B", b, b_offset, trans_b ? n : k, trans_b ? k : n, ldb));
    CLCNN_TRY(clcnn_op_check_matrix(be, op, "C", c, c_offset, m, n, ldc));
    if (m == 0 || n == 0)
        return CLCNN_OK;
    if (k == 0) /* CLBlast rejects it, and no layer has an empty inner dimension */
        return clcnn_fail(CLCNN_ERR_ARG, "gemm: inner dimension k is 0 (%dx%d result): not "
                          "supported", m, n);
    clcnn_cl *cl = clcnn_cl_of(be);
    cl_mem am = clcnn_cl_mem(a), bm = clcnn_cl_mem(b);
    int ta = trans_a, tb = trans_b;
    /* An operand CLBlast would transpose through its own kernels (slow on
     * CPU devices) is transposed here instead, packed at offset 0: A to
     * A^T (k x m), B to B^T (k x n), the orientation its GEMM kernel reads. */
    int pretranspose = clcnn_cl_gemm_pretransposes(cl->info.gpu_shape, trans_a, trans_b);
    if (pretranspose & CLCNN_PRETRANSPOSE_A) {
        CLCNN_TRY(transpose_operand(be, 0, m, k, &am, &a_offset, &lda));
        ta = 1;
    }
    if (pretranspose & CLCNN_PRETRANSPOSE_B) {
        CLCNN_TRY(transpose_operand(be, 1, n, k, &bm, &b_offset, &ldb));
        tb = 0;
    }
    /* The tuned set of the layer's class, whatever form runs. */
    CLCNN_TRY(clcnn_cl_tune_select(cl, &clcnn_cl_backend_of(be)->gemm_tuning,
                                   clcnn_tune_class(trans_a, trans_b, m, n, k)));
    CLBlastStatusCode status = clcnn_cl_sgemm(cl->queue, ta, tb, m, n, k, alpha, am, a_offset,
                                              lda, bm, b_offset, ldb, beta, clcnn_cl_mem(c),
                                              c_offset, ldc, clcnn_cl_event_slot(be));
    if (status != CLBlastSuccess)
        return clcnn_fail(status == CLBlastTempBufferAllocFailure ||
                                  status == CLBlastOpenCLOutOfHostMemory
                              ? CLCNN_ERR_NOMEM
                              : CLCNN_ERR_CLBLAST,
                          "gemm %dx%dx%d (m x n x k, A%s, B%s, lda %d, ldb %d, ldc %d) on %s: "
                          "CLBlastSgemm returned %d (%s)", m, n, k, trans_a ? "^T" : "",
                          trans_b ? "^T" : "", lda, ldb, ldc, cl->info.name, (int)status,
                          clblast_status_name(status));
    return CLCNN_OK;
}
