/* The CPU reference backends "ref" (float) and "ref64" (double): shared parts.
 *
 * The ops are written once, over a scalar type `real`, in the ref_*.inc files;
 * ref_f32.c and ref_f64.c include them (ref_all.inc) with real = float and
 * real = double, and ref_all.inc ends with the ops table REF_OPS names for
 * each. Storage management does not depend on the scalar type and lives in
 * ref_backend.c; the argument checks are every backend's (core/op_args.h).
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
clcnn_status ref_alloc_part(clcnn_backend *be, const clcnn_tensor *parent, size_t offset,
                            clcnn_tensor *t);
clcnn_status ref_finish(clcnn_backend *be);
void ref_destroy(clcnn_backend *be);
const clcnn_device_info *ref_device(const clcnn_backend *be);
unsigned long long ref_max_alloc_bytes(const clcnn_backend *be);

#endif
