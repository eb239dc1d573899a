/* Helpers of the reference backends' known-answer suites
 * (tests/test_ref_ops.c, tests/test_ref_train_ops.c): each test runs on
 * "ref" (float, which 0) and "ref64" (double, which 1) through its loop
 * index; ref_be is the running test's backend. They fail the running Check
 * test on any problem. */
#ifndef CLCNN_REF_FIXTURES_H
#define CLCNN_REF_FIXTURES_H

#include <stdint.h>

#include "clcnn/backend.h"

/* Known answers are exact in double; float rounds a few times: 2e-6 relative
 * (about 16 float ulps, at least 2e-6 absolute) bounds every expected value. */
#define REF_TOL 2e-6

extern clcnn_backend *ref_be;

/* ref_be = "ref" (which 0) or "ref64" (which 1). */
void ref_create(int which);

/* A tensor of ref_be named "test", holding values when not NULL. */
clcnn_tensor ref_make(clcnn_shape shape, clcnn_dtype dtype, const void *values);
clcnn_tensor ref_make_real(int n, int c, int h, int w, const float *values);

/* t holds expected within REF_TOL (float or double expectations). */
void ref_expect_floats(const clcnn_tensor *t, const float *expected);
void ref_expect_doubles(const clcnn_tensor *t, const double *expected);

#endif
