/* The CPU reference backends "ref" (float) and "ref64" (double): shared parts.
 *
 * The ops are written once, over a scalar type `real`, in the ref_*.inc files;
 * ref_f32.c and ref_f64.c include them with real = float and real = double and
 * each ends with its own ops table (ref_ops_table.inc). Storage management and
 * argument checks do not depend on the scalar type and live in ref_backend.c
 * and ref_check.c.
 *
 * Every op checks its arguments before touching memory (an out-of-range access
 * on the host would be undefined behaviour, not an error code), then counts
 * one launch.
 */
#ifndef CLCNN_REF_INTERNAL_H
#define CLCNN_REF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "clcnn/backend.h"

/* Alignment of every tensor's storage (a cache line, and enough for any SIMD load). */
#define REF_ALIGNMENT 64

extern const clcnn_backend_ops ref_f32_ops;
extern const clcnn_backend_ops ref_f64_ops;

/* Storage ops shared by both tables (ref_backend.c). */
clcnn_status ref_alloc(clcnn_backend *be, clcnn_tensor *t);
void ref_release(clcnn_backend *be, clcnn_tensor *t);
clcnn_status ref_finish(clcnn_backend *be);
void ref_destroy(clcnn_backend *be);

/* ---- argument checks (ref_check.c); each fails with CLCNN_ERR_ARG and a
 * message naming op and tensor ---- */

/* t is allocated on be, of dtype, with at least min_count elements. */
clcnn_status ref_check_tensor(const clcnn_backend *be, const char *op, const clcnn_tensor *t,
                              clcnn_dtype dtype, size_t min_count);
/* As ref_check_tensor, and exactly count elements. */
clcnn_status ref_check_count(const clcnn_backend *be, const char *op, const clcnn_tensor *t,
                             clcnn_dtype dtype, size_t count);
/* t is an NCHW tensor with c, h, w of the window's input (plane) or output
 * (out != 0) geometry. */
clcnn_status ref_check_window_tensor(const clcnn_backend *be, const char *op,
                                     const clcnn_window *win, const clcnn_tensor *t,
                                     clcnn_dtype dtype, int out);
/* Images n0 .. n0+nb-1 exist in t. */
clcnn_status ref_check_images(const char *op, const clcnn_tensor *t, int n0, int nb);
/* A row-major rows x cols matrix with leading dimension ld starting at
 * element offset lies inside t (REAL). */
clcnn_status ref_check_matrix(const clcnn_backend *be, const char *op, const char *which,
                              const clcnn_tensor *t, size_t offset, int rows, int cols, int ld);

/* Shorthand: return on the first failed check. */
#define REF_TRY(expr)                                                                             \
    do {                                                                                          \
        clcnn_status ref_try_status_ = (expr);                                                    \
        if (ref_try_status_ != CLCNN_OK)                                                          \
            return ref_try_status_;                                                               \
    } while (0)

#endif
