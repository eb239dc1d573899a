/* The choice at the end of `clcnn tune` (cl_tune_choose.c), on made-up
 * timings: per class, the fastest indirect candidate for the large GEMMs,
 * the fastest direct one for the small, and the threshold between them;
 * CLBlast's defaults when they win everywhere; failed candidates ignored. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cl/cl_tune_choose.h"
#include "test_files.h"

/* Class NN: a small and a large GEMM; class TN: one medium GEMM (none
 * narrow: more than CLCNN_TUNE_NARROW_ROWS rows each). */
static const clcnn_gemm_shape SHAPES[] = {
    {0, 0, 40, 5, 5, 1},         /* volume 1e3 */
    {0, 0, 1000, 1000, 1000, 2}, /* volume 1e9, twice a step */
    {1, 0, 100, 100, 100, 1},    /* volume 1e6 */
};
#define SHAPE_COUNT 3

/* Candidate i's result: path and the seconds of each shape. */
static tune_result result(int path, double s0, double s1, double s2)
{
    tune_result r;
    memset(&r, 0, sizeof r);
    r.path = path;
    r.done = 1;
    r.shape_s[0] = s0;
    r.shape_s[1] = s1;
    r.shape_s[2] = s2;
    return r;
}

START_TEST(threshold_follows_clblast_rule)
{
    clcnn_gemm_shape cube = {0, 0, 4, 4, 4, 1}; /* volume 64 = 4^3 */
    ck_assert_int_eq(clcnn_tune_runs_direct(&cube, 4), 0);
    ck_assert_int_eq(clcnn_tune_runs_direct(&cube, 5), 1);
    ck_assert_int_eq(clcnn_tune_runs_direct(&cube, 1), 0);
    ck_assert_int_eq(clcnn_tune_shape_class(&SHAPES[2]), 2);
    clcnn_gemm_shape narrow = {1, 1, CLCNN_TUNE_NARROW_ROWS, 1000, 1000, 1};
    ck_assert_int_eq(clcnn_tune_shape_class(&narrow), CLCNN_TUNE_TRANSPOSE_CLASSES + 3);
    narrow.m++;
    ck_assert_int_eq(clcnn_tune_shape_class(&narrow), 3);
    /* a weight gradient (k = images x positions) is deep; its forward GEMM, and
     * a narrow one however deep, are not */
    clcnn_gemm_shape weight_grad = {0, 0, 64, 832, 32768, 1};
    ck_assert_int_eq(clcnn_tune_shape_class(&weight_grad),
                     CLCNN_TUNE_DEEP * CLCNN_TUNE_TRANSPOSE_CLASSES);
    weight_grad.k = CLCNN_TUNE_DEEP_RATIO * 832 - 1;
    ck_assert_int_eq(clcnn_tune_shape_class(&weight_grad), 0);
    clcnn_gemm_shape forward = {0, 0, 64, 32768, 800, 1};
    ck_assert_int_eq(clcnn_tune_shape_class(&forward), 0);
    clcnn_gemm_shape narrow_deep = {0, 0, 32, 128, 131072, 1};
    ck_assert_int_eq(clcnn_tune_shape_class(&narrow_deep),
                     CLCNN_TUNE_NARROW * CLCNN_TUNE_TRANSPOSE_CLASSES);
}
END_TEST

START_TEST(small_gemms_direct_large_ones_indirect)
{
    tune_result r[4] = {
        result(TUNE_PATH_DEFAULTS, 9, 9, 9),
        result(TUNE_PATH_INDIRECT, 5, 1, 4),  /* fast on the large GEMM */
        result(TUNE_PATH_DIRECT, 1, 6, 3),    /* fast on the small ones */
        result(TUNE_PATH_DIRECT, 2, 3, 2),    /* a failed candidate that would win */
    };
    r[3].done = 0;
    tune_choice c[CLCNN_TUNE_CLASSES];
    clcnn_tune_choose(SHAPES, SHAPE_COUNT, r, 4, c);
    /* NN: shape 0 direct (1 s), shape 1 indirect (2 x 1 s) */
    ck_assert_int_eq(c[0].indirect, 1);
    ck_assert_int_eq(c[0].direct, 2);
    ck_assert(clcnn_tune_runs_direct(&SHAPES[0], c[0].threshold));
    ck_assert(!clcnn_tune_runs_direct(&SHAPES[1], c[0].threshold));
    ck_assert(c[0].total == 3.0);
    /* TN: the one shape direct (3 s beats 4 s) */
    ck_assert_int_eq(c[2].direct, 2);
    ck_assert(clcnn_tune_runs_direct(&SHAPES[2], c[2].threshold));
    ck_assert(clcnn_tune_chosen_time(SHAPES, 2, r, c) == 3.0);
    ck_assert(clcnn_tune_chosen_time(SHAPES, 1, r, c) == 1.0);
    /* NT and TT, which no shape uses: the best split over all shapes, and a
     * set of their own (no class may stay on the defaults) */
    ck_assert_int_eq(c[1].indirect, 1);
    ck_assert_int_eq(c[3].direct, 2);
}
END_TEST

/* A narrow GEMM (32 rows, the first conv layer's) gets the set that suits it,
 * not the one its transpose class's large GEMMs want; the classes no shape
 * uses take the best set over all shapes. */
START_TEST(narrow_gemms_have_a_set_of_their_own)
{
    static const clcnn_gemm_shape shapes[] = {
        {0, 0, 32, 131072, 96, 1},  /* NN-narrow */
        {0, 0, 64, 32768, 800, 1},  /* NN */
    };
    tune_result r[3] = {
        result(TUNE_PATH_DEFAULTS, 9, 9, 0),
        result(TUNE_PATH_INDIRECT, 4, 1, 0), /* NWG = 64: fast on the wide GEMM */
        result(TUNE_PATH_INDIRECT, 1, 2, 0), /* NWG = 32: fast on the narrow one */
    };
    tune_choice c[CLCNN_TUNE_CLASSES];
    clcnn_tune_choose(shapes, 2, r, 3, c);
    ck_assert_int_eq(c[0].indirect, 1);
    ck_assert_int_eq(c[CLCNN_TUNE_TRANSPOSE_CLASSES].indirect, 2);
    ck_assert(clcnn_tune_chosen_time(shapes, 0, r, c) == 1.0);
    ck_assert(clcnn_tune_chosen_time(shapes, 1, r, c) == 1.0);
    ck_assert_int_eq(c[1].indirect, 2); /* NT: unused, the best in all (3 s against 5 s) */
}
END_TEST

START_TEST(one_threshold_per_class_takes_the_best_split)
{
    /* The large GEMM wants the direct kernel, the small one the indirect: a
     * threshold cannot give both, so both run direct (5 + 2x2 = 9 s) rather
     * than both indirect (1 + 2x10 = 21 s) or the small one direct (25 s). */
    tune_result r[3] = {
        result(TUNE_PATH_DEFAULTS, 50, 50, 50),
        result(TUNE_PATH_INDIRECT, 1, 10, 1),
        result(TUNE_PATH_DIRECT, 5, 2, 5),
    };
    tune_choice c[CLCNN_TUNE_CLASSES];
    clcnn_tune_choose(SHAPES, SHAPE_COUNT, r, 3, c);
    ck_assert(clcnn_tune_runs_direct(&SHAPES[0], c[0].threshold));
    ck_assert(clcnn_tune_runs_direct(&SHAPES[1], c[0].threshold));
    ck_assert(c[0].total == 9.0);
    ck_assert(!clcnn_tune_runs_direct(&SHAPES[2], c[2].threshold)); /* TN: indirect, 1 s */
}
END_TEST

START_TEST(defaults_kept_when_they_win_everywhere)
{
    tune_result r[3] = {
        result(TUNE_PATH_DEFAULTS, 1, 1, 1),
        result(TUNE_PATH_INDIRECT, 2, 2, 2),
        result(TUNE_PATH_DIRECT, 2, 2, 2),
    };
    tune_choice c[CLCNN_TUNE_CLASSES];
    clcnn_tune_choose(SHAPES, SHAPE_COUNT, r, 3, c);
    for (int k = 0; k < CLCNN_TUNE_CLASSES; k++)
        ck_assert_int_lt(c[k].indirect, 0);
    ck_assert(clcnn_tune_chosen_time(SHAPES, 1, r, c) == 1.0);
    /* ... but a class where a split wins makes every class take its split */
    r[1].shape_s[2] = 0.5;
    clcnn_tune_choose(SHAPES, SHAPE_COUNT, r, 3, c);
    for (int k = 0; k < CLCNN_TUNE_CLASSES; k++)
        ck_assert_int_ge(c[k].indirect, 1);
    /* no candidate finished but the defaults: no split, the defaults stay */
    r[1].done = r[2].done = 0;
    clcnn_tune_choose(SHAPES, SHAPE_COUNT, r, 3, c);
    ck_assert_int_lt(c[0].indirect, 0);
}
END_TEST

START_TEST(one_path_alone_makes_a_split)
{
    /* No direct candidate finished: the indirect one runs every shape (its own
     * XgemmDirect parameters stand in, unused), where it beats the defaults. */
    tune_result r[3] = {
        result(TUNE_PATH_DEFAULTS, 9, 9, 9),
        result(TUNE_PATH_INDIRECT, 2, 2, 2),
        result(TUNE_PATH_DIRECT, 1, 1, 1),
    };
    r[2].done = 0;
    tune_choice c[CLCNN_TUNE_CLASSES];
    clcnn_tune_choose(SHAPES, SHAPE_COUNT, r, 3, c);
    for (int k = 0; k < CLCNN_TUNE_CLASSES; k++) {
        ck_assert_int_eq(c[k].indirect, 1);
        ck_assert_int_eq(c[k].direct, 1);
        for (int q = 0; q < SHAPE_COUNT; q++)
            ck_assert(!clcnn_tune_runs_direct(&SHAPES[q], c[k].threshold));
    }
    ck_assert(clcnn_tune_chosen_time(SHAPES, 1, r, c) == 2.0);
    /* Only a direct candidate finished: it runs every shape. */
    r[1].done = 0;
    r[2].done = 1;
    clcnn_tune_choose(SHAPES, SHAPE_COUNT, r, 3, c);
    ck_assert_int_eq(c[0].direct, 2);
    ck_assert_int_eq(c[0].indirect, 2);
    for (int q = 0; q < SHAPE_COUNT; q++)
        ck_assert(clcnn_tune_runs_direct(&SHAPES[q], c[clcnn_tune_shape_class(&SHAPES[q])].threshold));
    ck_assert(clcnn_tune_chosen_time(SHAPES, 1, r, c) == 1.0);
}
END_TEST

START_TEST(chosen_set_merges_the_two_candidates)
{
    /* A made-up AVX2 CPU: its first seeds are an indirect and a direct set. */
    const clcnn_tune_device cpu = {0, 8, 8, 4096, {4096, 4096}, 65536, 1 << 20};
    clcnn_tune_set sets[3];
    int n = 0;
    clcnn_tune_seed_sets(&cpu, 1, sets, 3, &n);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(clcnn_tune_set_path(&sets[0]), TUNE_PATH_DEFAULTS);
    ck_assert_int_eq(clcnn_tune_set_path(&sets[1]), TUNE_PATH_INDIRECT);
    ck_assert_int_eq(clcnn_tune_set_path(&sets[2]), TUNE_PATH_DIRECT);
    tune_choice c = {1, 2, 700, 0};
    clcnn_tune_set merged = clcnn_tune_chosen_set(sets, &c);
    ck_assert_str_eq(merged.kernels[0].name, "Xgemm");
    ck_assert_mem_eq(&merged.kernels[0], &sets[1].kernels[0], sizeof merged.kernels[0]);
    ck_assert_str_eq(merged.kernels[1].name, "XgemmDirect");
    ck_assert_mem_eq(&merged.kernels[1], &sets[2].kernels[1], sizeof merged.kernels[1]);
    ck_assert_str_eq(merged.kernels[2].name, "GemmRoutine");
    ck_assert_uint_eq(merged.kernels[2].value[0], 700);
    ck_assert_int_eq(merged.count, sets[1].count);
    tune_choice defaults = {-1, -1, 0, 0};
    ck_assert_int_eq(clcnn_tune_chosen_set(sets, &defaults).count, 0);
}
END_TEST

/* A running candidate is held to 4 times the slowest finished one, at least
 * 20 s, never more than the limit; before any has finished, the limit. */
START_TEST(a_hanging_candidate_costs_a_few_candidates_time)
{
    ck_assert_double_eq(clcnn_tune_candidate_timeout(120, 0), 120);
    ck_assert_double_eq(clcnn_tune_candidate_timeout(120, 12), 4 * 12.0);
    ck_assert_double_eq(clcnn_tune_candidate_timeout(120, 2), TUNE_TIMEOUT_FLOOR_S);
    ck_assert_double_eq(clcnn_tune_candidate_timeout(120, 60), 120);
    ck_assert_double_eq(clcnn_tune_candidate_timeout(10, 2), 10); /* --timeout 10 */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tune_choose");
    TCase *tc = tcase_create("choose");
    tcase_add_test(tc, threshold_follows_clblast_rule);
    tcase_add_test(tc, small_gemms_direct_large_ones_indirect);
    tcase_add_test(tc, narrow_gemms_have_a_set_of_their_own);
    tcase_add_test(tc, one_threshold_per_class_takes_the_best_split);
    tcase_add_test(tc, defaults_kept_when_they_win_everywhere);
    tcase_add_test(tc, one_path_alone_makes_a_split);
    tcase_add_test(tc, chosen_set_merges_the_two_candidates);
    tcase_add_test(tc, a_hanging_candidate_costs_a_few_candidates_time);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
