/* Reference backends, known answers: storage, GEMM, convolution blocks,
 * pooling, activations, dropout, input normalization. Every expected value is
 * worked out by hand in the test. Each test runs on "ref" (float) and "ref64"
 * (double) through a loop index. The training ops (batch norm, losses,
 * optimizers) are in test_ref_train_ops.c. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/backend.h"
#include "ref_fixtures.h"
#include "test_files.h"

/* The NOMEM test asks for petabytes; under AddressSanitizer the allocator
 * must return NULL rather than abort. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }

static void expect_i32(const clcnn_tensor *t, const int32_t *expected)
{
    int32_t got[64];
    ck_assert_uint_le(t->count, 64);
    ck_assert_int_eq(clcnn_tensor_download(t, 0, t->count, got), CLCNN_OK);
    for (size_t i = 0; i < t->count; i++)
        ck_assert_msg(got[i] == expected[i], "element %zu is %d, expected %d", i, got[i],
                      expected[i]);
}

/* ---------------- storage ---------------- */

START_TEST(alloc_zero_fills_and_counts_bytes)
{
    ref_create(_i);
    clcnn_tensor t = ref_make_real(2, 3, 1, 5, NULL); /* 30 elements */
    float zeros[30] = {0};
    ref_expect_floats(&t, zeros);
    size_t bytes = 30 * ref_be->real_size;
    ck_assert_uint_ge(ref_be->counters.bytes_in_use, bytes);
    ck_assert_uint_lt(ref_be->counters.bytes_in_use, bytes + 64); /* rounded to the alignment */
    ck_assert_uint_eq((uintptr_t)clcnn_tensor_host_data(&t) % 64, 0);
    uint64_t peak = ref_be->counters.bytes_peak;
    clcnn_tensor_free(&t);
    ck_assert_uint_eq(ref_be->counters.bytes_in_use, 0);
    ck_assert_uint_eq(ref_be->counters.bytes_peak, peak);
    clcnn_backend_destroy(ref_be);
}
END_TEST

/* A view's count is its shape's: a view of fewer elements (the first images
 * of a batch) transfers and is checked as that many, not as its parent. */
START_TEST(views_count_their_own_elements)
{
    ref_create(_i);
    const float values[6] = {1, 2, 3, 4, 5, 6};
    clcnn_tensor t = ref_make_real(3, 2, 1, 1, values);
    clcnn_tensor v = clcnn_tensor_view(&t, clcnn_shape_make(1, 4, 1, 1));
    ck_assert_uint_eq(v.count, 4);
    clcnn_tensor first = clcnn_tensor_first_images(&t, 2);
    ck_assert_uint_eq(first.count, 4);
    ck_assert_int_eq(first.shape.n, 2);
    ck_assert_int_eq(first.shape.c, 2);
    float got[6];
    ck_assert_int_eq(clcnn_tensor_download(&first, 0, 5, got), CLCNN_ERR_ARG); /* past it */
    ck_assert_int_eq(clcnn_tensor_download(&first, 0, 4, got), CLCNN_OK);
    ck_assert(got[0] == 1 && got[3] == 4);
    /* an op sees the view's size: scale changes the first 4 only */
    ck_assert_int_eq(ref_be->ops->scale(ref_be, 2.0f, &first), CLCNN_OK);
    const float expected[6] = {2, 4, 6, 8, 5, 6};
    ref_expect_floats(&t, expected);
    clcnn_tensor_free(&t);
    clcnn_backend_destroy(ref_be);
}
END_TEST

START_TEST(alloc_failure_names_tensor)
{
    ref_create(_i);
    clcnn_tensor t;
    /* 2^50 elements: no host has that much memory. */
    clcnn_status st = clcnn_tensor_alloc(ref_be, &t, clcnn_shape_make(1 << 20, 1 << 20, 1 << 10, 1),
                                         CLCNN_REAL, "huge.weight");
    ck_assert_int_eq(st, CLCNN_ERR_NOMEM);
    ck_assert_ptr_nonnull(strstr(clcnn_last_error(), "huge.weight"));
    ck_assert_ptr_nonnull(strstr(clcnn_last_error(), "bytes"));
    ck_assert_ptr_null(t.backend);
    clcnn_backend_destroy(ref_be);
}
END_TEST

START_TEST(upload_download_convert_and_count)
{
    ref_create(_i);
    const float values[3] = {1.5f, -2.25f, 1e-3f};
    clcnn_tensor t = ref_make_real(1, 3, 1, 1, values);
    ref_expect_floats(&t, values);
    if (ref_be->real_size == sizeof(double))
        ck_assert_double_eq(((double *)clcnn_tensor_host_data(&t))[1], -2.25);
    const uint8_t bytes[4] = {0, 7, 200, 255};
    clcnn_tensor u = ref_make(clcnn_shape_make(1, 1, 2, 2), CLCNN_U8, bytes);
    uint8_t back[4];
    ck_assert_int_eq(clcnn_tensor_download(&u, 1, 3, back), CLCNN_OK);
    ck_assert_int_eq(memcmp(back, bytes + 1, 3), 0);
    ck_assert_uint_eq(ref_be->counters.transfers, 4); /* 2 uploads + 2 downloads */
    ck_assert_uint_eq(ref_be->counters.launches, 0);
    ck_assert_int_eq(ref_be->ops->fill(ref_be, &u, 9.0f), CLCNN_OK);
    ck_assert_uint_eq(ref_be->counters.launches, 1);
    ck_assert_int_eq(ref_be->ops->fill(ref_be, &u, 300.0f), CLCNN_ERR_ARG);
    clcnn_tensor_free(&t);
    clcnn_tensor_free(&u);
    clcnn_backend_destroy(ref_be);
}
END_TEST

START_TEST(axpy_and_scale)
{
    ref_create(_i);
    clcnn_tensor x = ref_make_real(1, 3, 1, 1, (const float[]){1, 2, 3});
    clcnn_tensor y = ref_make_real(1, 3, 1, 1, (const float[]){10, 20, 30});
    ck_assert_int_eq(ref_be->ops->axpy(ref_be, -2.0f, &x, &y), CLCNN_OK);
    ref_expect_floats(&y, (const float[]){8, 16, 24});
    ck_assert_int_eq(ref_be->ops->scale(ref_be, 0.25f, &y), CLCNN_OK);
    ref_expect_floats(&y, (const float[]){2, 4, 6});
    clcnn_tensor_free(&x);
    clcnn_tensor_free(&y);
    clcnn_backend_destroy(ref_be);
}
END_TEST

/* ---------------- GEMM ---------------- */

START_TEST(gemm_small_known_answers)
{
    ref_create(_i);
    /* A = [1 2 3; 4 5 6], B = [1 0; 0 1; 2 -1]: A*B = [1+6 2-3; 4+12 5-6] = [7 -1; 16 -1]. */
    clcnn_tensor a = ref_make_real(1, 1, 1, 6, (const float[]){1, 2, 3, 4, 5, 6});
    clcnn_tensor b = ref_make_real(1, 1, 1, 6, (const float[]){1, 0, 0, 1, 2, -1});
    clcnn_tensor c = ref_make_real(1, 1, 1, 4, (const float[]){NAN, NAN, NAN, NAN});
    /* beta = 0 must not read C (NaN must not leak). */
    ck_assert_int_eq(ref_be->ops->gemm(ref_be, 0, 0, 2, 2, 3, 1.0f, &a, 0, 3, &b, 0, 2, 0.0f, &c, 0,
                                       2),
                     CLCNN_OK);
    ref_expect_floats(&c, (const float[]){7, -1, 16, -1});
    /* op(A) = A^T (3x2) times the first 4 elements of B read as the 2x2
     * identity: A^T = [1 4; 2 5; 3 6]; alpha 2, beta 1 over C = ones. */
    clcnn_tensor c2 = ref_make_real(1, 1, 1, 6, (const float[]){1, 1, 1, 1, 1, 1});
    ck_assert_int_eq(ref_be->ops->gemm(ref_be, 1, 0, 3, 2, 2, 2.0f, &a, 0, 3, &b, 0, 2, 1.0f, &c2,
                                       0, 2),
                     CLCNN_OK);
    ref_expect_floats(&c2, (const float[]){3, 9, 5, 11, 7, 13});
    /* op(B) = B^T with B read from offset 2 as 2x2 [0 1; 2 -1]: B^T = [0 2; 1 -1];
     * rows 1 of A from offset 3 (the row [4 5], lda 3, k = 2): [4 5] * B^T = [5 3]. */
    ck_assert_int_eq(ref_be->ops->gemm(ref_be, 0, 1, 1, 2, 2, 1.0f, &a, 3, 3, &b, 2, 2, 0.0f, &c, 2,
                                       2),
                     CLCNN_OK);
    ref_expect_floats(&c, (const float[]){7, -1, 5, 3});
    /* A matrix that does not fit its tensor is an argument error. */
    ck_assert_int_eq(ref_be->ops->gemm(ref_be, 0, 0, 2, 2, 3, 1.0f, &a, 1, 3, &b, 0, 2, 0.0f, &c, 0,
                                       2),
                     CLCNN_ERR_ARG);
    clcnn_tensor_free(&a);
    clcnn_tensor_free(&b);
    clcnn_tensor_free(&c);
    clcnn_tensor_free(&c2);
    clcnn_backend_destroy(ref_be);
}
END_TEST

/* Blocked GEMM against the textbook triple loop, at sizes just past every
 * block edge (MC 128, NC 2048, KC 256), in all four transpose cases. */
START_TEST(gemm_blocked_matches_triple_loop)
{
    ref_create(1); /* ref64: the only error is summation order, ~1e-15 */
    const int m = 131, n = 2053, k = 259;
    double *a = malloc(sizeof(double) * m * k), *b = malloc(sizeof(double) * k * n);
    double *ref = malloc(sizeof(double) * m * n);
    float *af = malloc(sizeof(float) * m * k), *bf = malloc(sizeof(float) * k * n);
    srand(7);
    for (int i = 0; i < m * k; i++)
        a[i] = af[i] = (float)(rand() % 17 - 8) / 8.0f;
    for (int i = 0; i < k * n; i++)
        b[i] = bf[i] = (float)(rand() % 13 - 6) / 4.0f;
    clcnn_tensor ta = ref_make_real(1, 1, m, k, af), tb = ref_make_real(1, 1, k, n, bf);
    clcnn_tensor tc = ref_make_real(1, 1, m, n, NULL);
    for (int trans = 0; trans < 4; trans++) {
        int ta_ = trans & 1, tb_ = trans >> 1;
        /* Read the same buffers as op(A) and op(B): the transposed reading
         * of the m x k buffer is a k x m matrix with lda = m. */
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++)
                    s += (ta_ ? a[p * m + i] : a[i * k + p]) * (tb_ ? b[j * k + p] : b[p * n + j]);
                ref[i * n + j] = s;
            }
        ck_assert_int_eq(ref_be->ops->gemm(ref_be, ta_, tb_, m, n, k, 1.0f, &ta, 0, ta_ ? m : k,
                                           &tb, 0,
                                       tb_ ? k : n, 0.0f, &tc, 0, n),
                         CLCNN_OK);
        const double *got = clcnn_tensor_host_data(&tc);
        /* The inputs are multiples of 1/8 and 1/4 with small numerators: every
         * product and partial sum is exact in double, so equality is exact. */
        for (int i = 0; i < m * n; i++)
            if (got[i] != ref[i])
                ck_abort_msg("trans %d: C[%d] = %.17g, expected %.17g", trans, i, got[i], ref[i]);
    }
    free(a); free(b); free(ref); free(af); free(bf);
    clcnn_tensor_free(&ta);
    clcnn_tensor_free(&tb);
    clcnn_tensor_free(&tc);
    clcnn_backend_destroy(ref_be);
}
END_TEST

/* ---------------- convolution blocks ---------------- */

/* im2col of the 3x3 image 1..9, window 3x3, stride 1, padding 1: row (i, j) =
 * kernel offset, column (oy, ox): x[oy+i-1][ox+j-1], 0 outside. */
static const float window3x3_col[81] = {
    0, 0, 0, 0, 1, 2, 0, 4, 5, /* (0,0) */
    0, 0, 0, 1, 2, 3, 4, 5, 6, /* (0,1) */
    0, 0, 0, 2, 3, 0, 5, 6, 0, /* (0,2) */
    0, 1, 2, 0, 4, 5, 0, 7, 8, /* (1,0) */
    1, 2, 3, 4, 5, 6, 7, 8, 9, /* (1,1) */
    2, 3, 0, 5, 6, 0, 8, 9, 0, /* (1,2) */
    0, 4, 5, 0, 7, 8, 0, 0, 0, /* (2,0) */
    4, 5, 6, 7, 8, 9, 0, 0, 0, /* (2,1) */
    5, 6, 0, 8, 9, 0, 0, 0, 0, /* (2,2) */
};

START_TEST(im2col_pad1_known_answer)
{
    ref_create(_i);
    clcnn_window win;
    ck_assert_int_eq(clcnn_window_init(&win, 1, 3, 3, 3, 3, 1, 1, 1, 1), CLCNN_OK);
    clcnn_tensor x = ref_make_real(1, 1, 3, 3, (const float[]){1, 2, 3, 4, 5, 6, 7, 8, 9});
    clcnn_tensor col = ref_make_real(1, 1, 9, 9, NULL);
    ck_assert_int_eq(ref_be->ops->im2col(ref_be, &win, &x, 0, 1, 9, &col), CLCNN_OK);
    ref_expect_floats(&col, window3x3_col);
    /* col2im of all ones counts the windows covering each pixel:
     * 4 at the corners, 6 on the edges, 9 in the middle. */
    ck_assert_int_eq(ref_be->ops->fill(ref_be, &col, 1.0f), CLCNN_OK);
    ck_assert_int_eq(ref_be->ops->col2im(ref_be, &win, &col, 0, 1, &x), CLCNN_OK);
    ref_expect_floats(&x, (const float[]){4, 6, 4, 6, 9, 6, 4, 6, 4});
    clcnn_tensor_free(&x);
    clcnn_tensor_free(&col);
    clcnn_backend_destroy(ref_be);
}
END_TEST

START_TEST(padded_im2col_and_im2row_known_answer)
{
    ref_create(_i);
    clcnn_window win;
    ck_assert_int_eq(clcnn_window_init(&win, 1, 3, 3, 3, 3, 1, 1, 1, 1), CLCNN_OK);
    clcnn_tensor x = ref_make_real(1, 1, 3, 3, (const float[]){1, 2, 3, 4, 5, 6, 7, 8, 9});
    float junk[11 * 9], expected[11 * 9];
    for (int i = 0; i < 11 * 9; i++)
        junk[i] = -7;
    /* im2col with 11 rows: the 9 of the window, then 2 rows of zeros */
    clcnn_tensor col = ref_make_real(1, 1, 11, 9, junk);
    ck_assert_int_eq(ref_be->ops->im2col(ref_be, &win, &x, 0, 1, 11, &col), CLCNN_OK);
    memset(expected, 0, sizeof expected);
    memcpy(expected, window3x3_col, sizeof window3x3_col);
    ref_expect_floats(&col, expected);
    /* im2row with rows of 11: the transpose, each row ending in 2 zeros */
    clcnn_tensor colt = ref_make_real(1, 1, 9, 11, junk);
    ck_assert_int_eq(ref_be->ops->im2row(ref_be, &win, &x, 0, 1, 11, &colt), CLCNN_OK);
    memset(expected, 0, sizeof expected);
    for (int r = 0; r < 9; r++)
        for (int q = 0; q < 9; q++)
            expected[q * 11 + r] = window3x3_col[r * 9 + q];
    ref_expect_floats(&colt, expected);
    ck_assert_int_eq(ref_be->ops->im2row(ref_be, &win, &x, 0, 1, 8, &colt), CLCNN_ERR_ARG);
    clcnn_tensor_free(&x);
    clcnn_tensor_free(&col);
    clcnn_tensor_free(&colt);
    clcnn_backend_destroy(ref_be);
}
END_TEST

/* im2row's columns are in window order (i, j, c): channel fastest. */
START_TEST(im2row_columns_in_window_order)
{
    ref_create(_i);
    clcnn_window win; /* 2 channels of 2x2, one 2x2 window */
    ck_assert_int_eq(clcnn_window_init(&win, 2, 2, 2, 2, 2, 1, 1, 0, 0), CLCNN_OK);
    clcnn_tensor x = ref_make_real(1, 2, 2, 2, (const float[]){1, 2, 3, 4, 5, 6, 7, 8});
    clcnn_tensor colt = ref_make_real(1, 1, 1, 10, NULL);
    ck_assert_int_eq(ref_be->ops->im2row(ref_be, &win, &x, 0, 1, 10, &colt), CLCNN_OK);
    ref_expect_floats(&colt, (const float[]){1, 5, 2, 6, 3, 7, 4, 8, 0, 0});
    clcnn_tensor_free(&x);
    clcnn_tensor_free(&colt);
    clcnn_backend_destroy(ref_be);
}
END_TEST

/* hwc_to_chw transposes each row's HW x C block and drops the padding. */
START_TEST(hwc_to_chw_reorders_and_crops)
{
    ref_create(_i);
    clcnn_tensor src = ref_make_real(1, 1, 2, 7, (const float[]){1, 4, 2, 5, 3, 6, 9,
                                                                  7, 10, 8, 11, 9, 12, 9});
    clcnn_tensor dst = ref_make_real(1, 1, 2, 6, NULL);
    ck_assert_int_eq(ref_be->ops->hwc_to_chw(ref_be, 2, 2, 3, &src, 7, &dst), CLCNN_OK);
    ref_expect_floats(&dst, (const float[]){1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    /* more values than a source row holds */
    ck_assert_int_eq(ref_be->ops->hwc_to_chw(ref_be, 2, 2, 4, &src, 7, &dst), CLCNN_ERR_ARG);
    clcnn_tensor_free(&src);
    clcnn_tensor_free(&dst);
    clcnn_backend_destroy(ref_be);
}
END_TEST

START_TEST(copy_columns_pads_and_crops)
{
    ref_create(_i);
    clcnn_tensor w = ref_make_real(1, 1, 2, 3, (const float[]){1, 2, 3, 4, 5, 6});
    clcnn_tensor padded = ref_make_real(1, 1, 2, 5, (const float[]){9, 9, 9, 9, 9, 9, 9, 9, 9, 9});
    ck_assert_int_eq(ref_be->ops->copy_columns(ref_be, 2, 3, &w, 3, &padded, 5), CLCNN_OK);
    ref_expect_floats(&padded, (const float[]){1, 2, 3, 0, 0, 4, 5, 6, 0, 0});
    clcnn_tensor cropped = ref_make_real(1, 1, 2, 2, NULL);
    ck_assert_int_eq(ref_be->ops->copy_columns(ref_be, 2, 2, &padded, 5, &cropped, 2), CLCNN_OK);
    ref_expect_floats(&cropped, (const float[]){1, 2, 4, 5});
    /* more columns than a destination row holds */
    ck_assert_int_eq(ref_be->ops->copy_columns(ref_be, 2, 3, &padded, 5, &cropped, 2),
                     CLCNN_ERR_ARG);
    clcnn_tensor_free(&w);
    clcnn_tensor_free(&padded);
    clcnn_tensor_free(&cropped);
    clcnn_backend_destroy(ref_be);
}
END_TEST

START_TEST(cnp_reshapes_and_bias)
{
    ref_create(_i);
    /* F = 2, P = 2 (1x2 images), images 1 and 2 of a 3-image y. */
    clcnn_tensor cnp = ref_make_real(1, 1, 2, 4, (const float[]){1, 2, 3, 4, 5, 6, 7, 8});
    clcnn_tensor bias = ref_make_real(1, 2, 1, 1, (const float[]){10, 20});
    clcnn_tensor y = ref_make_real(3, 2, 1, 2, (const float[]){-1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0,
                                   0});
    ck_assert_int_eq(ref_be->ops->cnp_to_nchw(ref_be, &cnp, &bias, 1, 2, &y), CLCNN_OK);
    /* cnp row f = [image 1 p0, p1, image 2 p0, p1]; image 0 untouched. */
    ref_expect_floats(&y, (const float[]){-1, -1, -1, -1, 11, 12, 25, 26, 13, 14, 27, 28});
    clcnn_tensor back = ref_make_real(1, 1, 2, 4, NULL);
    ck_assert_int_eq(ref_be->ops->nchw_to_cnp(ref_be, &y, 1, 2, &back), CLCNN_OK);
    ref_expect_floats(&back, (const float[]){11, 12, 13, 14, 25, 26, 27, 28});
    /* add_bias on all three images, then the bias gradient sums over n, h, w. */
    ck_assert_int_eq(ref_be->ops->add_bias(ref_be, &bias, &y), CLCNN_OK);
    ref_expect_floats(&y, (const float[]){9, 9, 19, 19, 21, 22, 45, 46, 23, 24, 47, 48});
    ck_assert_int_eq(ref_be->ops->bias_backward(ref_be, &y, &bias), CLCNN_OK);
    ref_expect_floats(&bias, (const float[]){9 + 9 + 21 + 22 + 23 + 24,
                      19 + 19 + 45 + 46 + 47 + 48});
    ck_assert_int_eq(ref_be->ops->cnp_to_nchw(ref_be, &cnp, &bias, 2, 2, &y), CLCNN_ERR_ARG);
    clcnn_tensor_free(&cnp);
    clcnn_tensor_free(&bias);
    clcnn_tensor_free(&y);
    clcnn_tensor_free(&back);
    clcnn_backend_destroy(ref_be);
}
END_TEST

/* ---------------- pooling ---------------- */

START_TEST(maxpool_ties_go_to_first)
{
    ref_create(_i);
    clcnn_window win;
    ck_assert_int_eq(clcnn_window_init(&win, 1, 4, 4, 2, 2, 2, 2, 0, 0), CLCNN_OK);
    clcnn_tensor x = ref_make_real(1, 1, 4, 4, (const float[]){1, 3, 3, 0,
                                                           2, 3, 0, 0,
                                                           5, 5, -1, -2,
                                                           5, 5, -3, -4});
    clcnn_tensor y = ref_make_real(1, 1, 2, 2, NULL);
    clcnn_tensor arg = ref_make(clcnn_shape_make(1, 1, 2, 2), CLCNN_I32, NULL);
    ck_assert_int_eq(ref_be->ops->maxpool_forward(ref_be, &win, CLCNN_ACT_NONE, 0, &x, &y, &arg), CLCNN_OK);
    ref_expect_floats(&y, (const float[]){3, 3, 5, -1});
    expect_i32(&arg, (const int32_t[]){1, 2, 8, 10}); /* first max in row-major order */
    clcnn_tensor dy = ref_make_real(1, 1, 2, 2, (const float[]){1, 2, 3, 4});
    ck_assert_int_eq(ref_be->ops->maxpool_backward(ref_be, &win, CLCNN_ACT_NONE, 0, NULL, &dy, &arg, &x), CLCNN_OK);
    ref_expect_floats(&x, (const float[]){0, 1, 2, 0, 0, 0, 0, 0, 3, 0, 4, 0, 0, 0, 0, 0});
    clcnn_tensor_free(&x); clcnn_tensor_free(&y); clcnn_tensor_free(&arg); clcnn_tensor_free(&dy);
    clcnn_backend_destroy(ref_be);
}
END_TEST

START_TEST(maxpool_padding_never_wins_and_overlaps_sum)
{
    ref_create(_i);
    /* All-negative 2x2 input, 2x2 windows, stride 2, pad 1: each window sees
     * one pixel and padding zeros; the pixel must win. */
    clcnn_window win;
    ck_assert_int_eq(clcnn_window_init(&win, 1, 2, 2, 2, 2, 2, 2, 1, 1), CLCNN_OK);
    clcnn_tensor x = ref_make_real(1, 1, 2, 2, (const float[]){-1, -2, -3, -4});
    clcnn_tensor y = ref_make_real(1, 1, 2, 2, NULL);
    clcnn_tensor arg = ref_make(clcnn_shape_make(1, 1, 2, 2), CLCNN_I32, NULL);
    ck_assert_int_eq(ref_be->ops->maxpool_forward(ref_be, &win, CLCNN_ACT_NONE, 0, &x, &y, &arg), CLCNN_OK);
    ref_expect_floats(&y, (const float[]){-1, -2, -3, -4});
    expect_i32(&arg, (const int32_t[]){0, 1, 2, 3});
    /* Overlapping 1x2 windows, stride 1, on [1 5 2]: both pick the 5, whose
     * gradient is the sum 10 + 20. */
    clcnn_window w2;
    ck_assert_int_eq(clcnn_window_init(&w2, 1, 1, 3, 1, 2, 1, 1, 0, 0), CLCNN_OK);
    clcnn_tensor x2 = ref_make_real(1, 1, 1, 3, (const float[]){1, 5, 2});
    clcnn_tensor y2 = ref_make_real(1, 1, 1, 2, NULL);
    clcnn_tensor arg2 = ref_make(clcnn_shape_make(1, 1, 1, 2), CLCNN_I32, NULL);
    clcnn_tensor dy2 = ref_make_real(1, 1, 1, 2, (const float[]){10, 20});
    ck_assert_int_eq(ref_be->ops->maxpool_forward(ref_be, &w2, CLCNN_ACT_NONE, 0, &x2, &y2, &arg2), CLCNN_OK);
    ck_assert_int_eq(ref_be->ops->maxpool_backward(ref_be, &w2, CLCNN_ACT_NONE, 0, NULL, &dy2, &arg2,
                                                   &x2), CLCNN_OK);
    ref_expect_floats(&x2, (const float[]){0, 30, 0});
    clcnn_tensor_free(&x); clcnn_tensor_free(&y); clcnn_tensor_free(&arg);
    clcnn_tensor_free(&x2); clcnn_tensor_free(&y2); clcnn_tensor_free(&arg2);
    clcnn_tensor_free(&dy2);
    clcnn_backend_destroy(ref_be);
}
END_TEST

START_TEST(avgpool_counts_padding_as_zero)
{
    ref_create(_i);
    clcnn_window win;
    clcnn_tensor x = ref_make_real(1, 1, 2, 2, (const float[]){1, 2, 3, 4});
    clcnn_tensor y1 = ref_make_real(1, 1, 1, 1, NULL);
    ck_assert_int_eq(clcnn_window_init(&win, 1, 2, 2, 2, 2, 2, 2, 0, 0), CLCNN_OK);
    ck_assert_int_eq(ref_be->ops->avgpool_forward(ref_be, &win, &x, &y1), CLCNN_OK);
    ref_expect_floats(&y1, (const float[]){2.5f});
    /* pad 1: each 2x2 window holds one pixel and three zeros: x / 4. */
    ck_assert_int_eq(clcnn_window_init(&win, 1, 2, 2, 2, 2, 2, 2, 1, 1), CLCNN_OK);
    clcnn_tensor y = ref_make_real(1, 1, 2, 2, NULL);
    ck_assert_int_eq(ref_be->ops->avgpool_forward(ref_be, &win, &x, &y), CLCNN_OK);
    ref_expect_floats(&y, (const float[]){0.25f, 0.5f, 0.75f, 1.0f});
    clcnn_tensor dy = ref_make_real(1, 1, 2, 2, (const float[]){4, 8, 12, 16});
    ck_assert_int_eq(ref_be->ops->avgpool_backward(ref_be, &win, &dy, &x), CLCNN_OK);
    ref_expect_floats(&x, (const float[]){1, 2, 3, 4});
    clcnn_tensor_free(&x); clcnn_tensor_free(&y1); clcnn_tensor_free(&y); clcnn_tensor_free(&dy);
    clcnn_backend_destroy(ref_be);
}
END_TEST

/* ---------------- activations, dropout, input ---------------- */

START_TEST(activations_known_answers)
{
    ref_create(_i);
    clcnn_tensor x = ref_make_real(1, 4, 1, 1, (const float[]){-2, 0, 3, 1000});
    clcnn_tensor y = ref_make_real(1, 4, 1, 1, NULL);
    clcnn_tensor dy = ref_make_real(1, 4, 1, 1, (const float[]){1, 1, 1, 1});
    clcnn_tensor dx = ref_make_real(1, 4, 1, 1, NULL);
    ck_assert_int_eq(ref_be->ops->activation_forward(ref_be, CLCNN_ACT_RELU, 0, &x, &y), CLCNN_OK);
    ref_expect_floats(&y, (const float[]){0, 0, 3, 1000});
    ck_assert_int_eq(ref_be->ops->activation_backward(ref_be, CLCNN_ACT_RELU, 0, &y, &dy, &dx),
                     CLCNN_OK);
    ref_expect_floats(&dx, (const float[]){0, 0, 1, 1});
    ck_assert_int_eq(ref_be->ops->activation_forward(ref_be, CLCNN_ACT_LEAKY_RELU, 0.1f, &x, &y),
                     CLCNN_OK);
    ref_expect_floats(&y, (const float[]){-0.2f, 0, 3, 1000});
    ck_assert_int_eq(ref_be->ops->activation_backward(ref_be, CLCNN_ACT_LEAKY_RELU, 0.1f, &y, &dy,
                                                      &dx),
                     CLCNN_OK);
    ref_expect_floats(&dx, (const float[]){0.1f, 0.1f, 1, 1});
    /* sigmoid(-2) = 1/(1+e^2) = 0.119202922; sigmoid(3) = 0.952574127; 1000 saturates to 1. */
    ck_assert_int_eq(ref_be->ops->activation_forward(ref_be, CLCNN_ACT_SIGMOID, 0, &x, &y),
                     CLCNN_OK);
    ref_expect_floats(&y, (const float[]){0.119202922f, 0.5f, 0.952574127f, 1.0f});
    ck_assert_int_eq(ref_be->ops->activation_backward(ref_be, CLCNN_ACT_SIGMOID, 0, &y, &dy, &dx),
                     CLCNN_OK);
    ref_expect_floats(&dx, (const float[]){0.119202922f * 0.880797078f, 0.25f,
                                     0.952574127f * 0.047425873f, 0});
    /* in place */
    ck_assert_int_eq(ref_be->ops->activation_forward(ref_be, CLCNN_ACT_RELU, 0, &x, &x), CLCNN_OK);
    ref_expect_floats(&x, (const float[]){0, 0, 3, 1000});
    clcnn_tensor_free(&x); clcnn_tensor_free(&y); clcnn_tensor_free(&dy); clcnn_tensor_free(&dx);
    clcnn_backend_destroy(ref_be);
}
END_TEST

START_TEST(dropout_mask_fraction_and_scale)
{
    ref_create(_i);
    enum { COUNT = 100000 };
    const float p = 0.3f;
    float *ones = malloc(COUNT * sizeof *ones), *out = malloc(COUNT * sizeof *out);
    for (int i = 0; i < COUNT; i++)
        ones[i] = 1.0f;
    clcnn_tensor x = ref_make_real(1, COUNT, 1, 1, ones), y = ref_make_real(1, COUNT, 1, 1, NULL);
    ck_assert_int_eq(ref_be->ops->dropout_forward(ref_be, p, 42, 7, &x, &y), CLCNN_OK);
    ck_assert_int_eq(clcnn_tensor_download(&y, 0, COUNT, out), CLCNN_OK);
    int dropped = 0;
    for (int i = 0; i < COUNT; i++) {
        if (out[i] == 0.0f)
            dropped++;
        else
            ck_assert_float_eq_tol(out[i], 1.0f / 0.7f, 1e-6f); /* kept: scaled by 1/(1-p) */
    }
    /* Dropped ~ Binomial(1e5, 0.3): sd = sqrt(1e5 * 0.3 * 0.7) = 145 elements,
     * 0.00145 of the fraction; 5 sd = 0.0073 (a 6e-7 chance for a fair hash). */
    ck_assert_double_lt(fabs(dropped / (double)COUNT - 0.3), 0.0073);
    /* Backward regenerates the same mask: dx = dy where kept, 0 where dropped. */
    clcnn_tensor dx = ref_make_real(1, COUNT, 1, 1, NULL);
    ck_assert_int_eq(ref_be->ops->dropout_backward(ref_be, p, 42, 7, &x, &dx), CLCNN_OK);
    float *back = malloc(COUNT * sizeof *back);
    ck_assert_int_eq(clcnn_tensor_download(&dx, 0, COUNT, back), CLCNN_OK);
    ck_assert_int_eq(memcmp(back, out, COUNT * sizeof *out), 0);
    /* Another step draws another mask. */
    ck_assert_int_eq(ref_be->ops->dropout_forward(ref_be, p, 42, 8, &x, &dx), CLCNN_OK);
    ck_assert_int_eq(clcnn_tensor_download(&dx, 0, COUNT, back), CLCNN_OK);
    ck_assert_int_ne(memcmp(back, out, COUNT * sizeof *out), 0);
    /* p = 0 is the identity. */
    ck_assert_int_eq(ref_be->ops->dropout_forward(ref_be, 0.0f, 42, 7, &x, &y), CLCNN_OK);
    ck_assert_int_eq(clcnn_tensor_download(&y, 0, COUNT, out), CLCNN_OK);
    ck_assert_int_eq(memcmp(ones, out, COUNT * sizeof *out), 0);
    /* p close to 1: finite (kept elements become ~1e6); p = 1 drops all. */
    ck_assert_int_eq(ref_be->ops->dropout_forward(ref_be, 0.999999f, 42, 7, &x, &y), CLCNN_OK);
    ck_assert_int_eq(clcnn_tensor_download(&y, 0, COUNT, out), CLCNN_OK);
    for (int i = 0; i < COUNT; i++)
        ck_assert(isfinite(out[i]));
    ck_assert_int_eq(ref_be->ops->dropout_forward(ref_be, 1.0f, 42, 7, &x, &y), CLCNN_OK);
    ck_assert_int_eq(clcnn_tensor_download(&y, 0, COUNT, out), CLCNN_OK);
    for (int i = 0; i < COUNT; i++)
        ck_assert(out[i] == 0.0f);
    ck_assert_int_eq(ref_be->ops->dropout_forward(ref_be, 1.5f, 42, 7, &x, &y), CLCNN_ERR_ARG);
    free(ones); free(out); free(back);
    clcnn_tensor_free(&x); clcnn_tensor_free(&y); clcnn_tensor_free(&dx);
    clcnn_backend_destroy(ref_be);
}
END_TEST

START_TEST(normalize_u8_known_answer)
{
    ref_create(_i);
    /* 1 image, 2 channels of 1x2: channel 0 scaled to 0..1, channel 1 (x-10)/5. */
    const uint8_t pixels[4] = {0, 255, 10, 20};
    clcnn_tensor x = ref_make(clcnn_shape_make(1, 2, 1, 2), CLCNN_U8, pixels);
    clcnn_tensor y = ref_make_real(1, 2, 1, 2, NULL);
    ck_assert_int_eq(ref_be->ops->normalize_u8(ref_be, &x, (const float[]){0, 10},
                                               (const float[]){255, 5},
                                           &y),
                     CLCNN_OK);
    ref_expect_floats(&y, (const float[]){0, 1, 0, 2});
    clcnn_tensor_free(&x);
    clcnn_tensor_free(&y);
    clcnn_backend_destroy(ref_be);
}
END_TEST

static Suite *ref_ops_suite(void)
{
    Suite *s = suite_create("ref_ops");
    TCase *storage = tcase_create("storage");
    tcase_add_loop_test(storage, alloc_zero_fills_and_counts_bytes, 0, 2);
    tcase_add_loop_test(storage, views_count_their_own_elements, 0, 2);
    tcase_add_loop_test(storage, alloc_failure_names_tensor, 0, 2);
    tcase_add_loop_test(storage, upload_download_convert_and_count, 0, 2);
    tcase_add_loop_test(storage, axpy_and_scale, 0, 2);
    suite_add_tcase(s, storage);

    TCase *gemm = tcase_create("gemm");
    tcase_set_timeout(gemm, 60); /* the triple loop takes ~1 s, more under sanitizers */
    tcase_add_loop_test(gemm, gemm_small_known_answers, 0, 2);
    tcase_add_test(gemm, gemm_blocked_matches_triple_loop);
    suite_add_tcase(s, gemm);

    TCase *conv = tcase_create("conv_pool");
    tcase_add_loop_test(conv, im2col_pad1_known_answer, 0, 2);
    tcase_add_loop_test(conv, padded_im2col_and_im2row_known_answer, 0, 2);
    tcase_add_loop_test(conv, im2row_columns_in_window_order, 0, 2);
    tcase_add_loop_test(conv, hwc_to_chw_reorders_and_crops, 0, 2);
    tcase_add_loop_test(conv, copy_columns_pads_and_crops, 0, 2);
    tcase_add_loop_test(conv, cnp_reshapes_and_bias, 0, 2);
    tcase_add_loop_test(conv, maxpool_ties_go_to_first, 0, 2);
    tcase_add_loop_test(conv, maxpool_padding_never_wins_and_overlaps_sum, 0, 2);
    tcase_add_loop_test(conv, avgpool_counts_padding_as_zero, 0, 2);
    suite_add_tcase(s, conv);

    TCase *elementwise = tcase_create("elementwise");
    tcase_add_loop_test(elementwise, activations_known_answers, 0, 2);
    tcase_add_loop_test(elementwise, dropout_mask_fraction_and_scale, 0, 2);
    tcase_add_loop_test(elementwise, normalize_u8_known_answer, 0, 2);
    suite_add_tcase(s, elementwise);
    return s;
}

int main(void)
{
    return test_run_suite(ref_ops_suite());
}
