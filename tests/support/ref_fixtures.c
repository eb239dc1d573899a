/* Helpers of the reference backends' known-answer suites (see ref_fixtures.h). */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "ref_fixtures.h"

clcnn_backend *ref_be;

void ref_create(int which)
{
    clcnn_status st =
        which == 0 ? clcnn_backend_ref_create(&ref_be) : clcnn_backend_ref64_create(&ref_be);
    ck_assert_int_eq(st, CLCNN_OK);
}

clcnn_tensor ref_make(clcnn_shape shape, clcnn_dtype dtype, const void *values)
{
    clcnn_tensor t;
    ck_assert_int_eq(clcnn_tensor_alloc(ref_be, &t, shape, dtype, "test"), CLCNN_OK);
    if (values)
        ck_assert_int_eq(clcnn_tensor_upload(&t, 0, t.count, values), CLCNN_OK);
    return t;
}

clcnn_tensor ref_make_real(int n, int c, int h, int w, const float *values)
{
    return ref_make(clcnn_shape_make(n, c, h, w), CLCNN_REAL, values);
}

/* expected[i] of a float or a double array. */
static double expected_at(const float *f, const double *d, size_t i)
{
    return f ? (double)f[i] : d[i];
}

static void expect(const clcnn_tensor *t, const float *f, const double *d)
{
    float *got = malloc((t->count ? t->count : 1) * sizeof *got);
    ck_assert_ptr_nonnull(got);
    ck_assert_int_eq(clcnn_tensor_download(t, 0, t->count, got), CLCNN_OK);
    for (size_t i = 0; i < t->count; i++) {
        double want = expected_at(f, d, i), tol = REF_TOL * fmax(1.0, fabs(want));
        if (!(fabs(got[i] - want) <= tol)) /* a NaN fails too */
            ck_abort_msg("%s: element %zu is %.9g, expected %.9g", ref_be->name, i, got[i],
                         want);
    }
    free(got);
}

void ref_expect_floats(const clcnn_tensor *t, const float *expected) { expect(t, expected, NULL); }

void ref_expect_doubles(const clcnn_tensor *t, const double *expected)
{
    expect(t, NULL, expected);
}
