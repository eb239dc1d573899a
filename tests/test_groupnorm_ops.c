/* Group normalization (layer norm = one group) on the "cl" backend against
 * the "ref" backend, beyond the op-case table (which tests/test_ops.c runs at
 * every shape, also with work-groups capped at 1 and 64 items): the edge
 * cases random inputs never hit (a constant group, groups that do not divide
 * C, in-place use); and a whole training step of networks with group norm, layer norm and
 * per-activation batchnorm on both backends (clcnn_check_step, tolerance
 * stated there). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/check.h"
#include "clcnn/device.h"
#include "clcnn/net.h"
#include "clcnn/op_cases.h"
#include "test_files.h"

#define OK(expr) ck_assert_msg((expr) == CLCNN_OK, "%s: %s", #expr, clcnn_last_error())

static clcnn_backend *cl, *ref;

static void open_backends(void)
{
    OK(clcnn_backend_cl_create(NULL, &cl));
    OK(clcnn_backend_ref_create(&ref));
}

static void close_backends(void)
{
    clcnn_backend_destroy(cl);
    clcnn_backend_destroy(ref);
    cl = ref = NULL;
}

static clcnn_tensor make(clcnn_backend *be, clcnn_shape shape, const float *values)
{
    clcnn_tensor t;
    OK(clcnn_tensor_alloc(be, &t, shape, CLCNN_REAL, "test tensor"));
    if (values)
        OK(clcnn_tensor_upload(&t, 0, t.count, values));
    return t;
}

/* A group whose values are all equal has variance 0: eps keeps it finite and
 * y = beta there (xhat = 0), on both backends; dx (in place over dy) is
 * finite and the same on both (within TOL_REDUCE's 2e-6, normalized). */
START_TEST(constant_group_gives_beta)
{
    open_backends();
    clcnn_backend *bes[] = {cl, ref};
    float x[2 * 4 * 3] = {0}, gamma[4] = {2, 3, 4, 5}, beta[4] = {-1, 0.5f, 2, 7}, dy[24];
    float dx[2][24];
    for (int i = 0; i < 24; i++) {
        x[i] = i < 12 ? 3.25f : (float)i; /* image 0: constant; image 1: not */
        dy[i] = (float)(i % 5) - 2.0f;
    }
    for (int b = 0; b < 2; b++) {
        clcnn_backend *be = bes[b];
        clcnn_tensor tx = make(be, clcnn_shape_make(2, 4, 1, 3), x);
        clcnn_tensor tg = make(be, clcnn_shape_make(1, 4, 1, 1), gamma);
        clcnn_tensor tb = make(be, clcnn_shape_make(1, 4, 1, 1), beta);
        clcnn_tensor mean = make(be, clcnn_shape_make(2, 2, 1, 1), NULL);
        clcnn_tensor inv = make(be, clcnn_shape_make(2, 2, 1, 1), NULL);
        clcnn_tensor ty = make(be, clcnn_shape_make(2, 4, 1, 3), NULL);
        clcnn_tensor tdy = make(be, clcnn_shape_make(2, 4, 1, 3), dy);
        clcnn_tensor dg = make(be, clcnn_shape_make(1, 4, 1, 1), NULL);
        clcnn_tensor db = make(be, clcnn_shape_make(1, 4, 1, 1), NULL);
        OK(be->ops->groupnorm_forward(be, 2, 1e-5f, &tx, &tg, &tb, &mean, &inv, &ty));
        /* backward in place: dx == dy */
        OK(be->ops->groupnorm_backward(be, 2, &tdy, &tx, &tg, &mean, &inv, &tdy, &dg, &db));
        float y[24];
        OK(clcnn_tensor_download(&ty, 0, 24, y));
        OK(clcnn_tensor_download(&tdy, 0, 24, dx[b]));
        for (int i = 0; i < 12; i++)
            ck_assert_msg(fabsf(y[i] - beta[i / 3]) <= 1e-6f, "%s: y[%d] = %g, beta %g",
                          be->name, i, y[i], beta[i / 3]);
        for (int i = 0; i < 24; i++)
            ck_assert(isfinite(y[i]) && isfinite(dx[b][i]));
        clcnn_tensor *all[] = {&tx, &tg, &tb, &mean, &inv, &ty, &tdy, &dg, &db};
        for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
            clcnn_tensor_free(all[k]);
    }
    double error = clcnn_normalized_error(dx[0], dx[1], 24);
    ck_assert_msg(error <= 2e-6, "dx of cl against ref: %.3g", error);
    close_backends();
}
END_TEST

/* Groups must divide the channels: CLCNN_ERR_ARG naming the counts. */
START_TEST(groups_must_divide_the_channels)
{
    open_backends();
    clcnn_backend *bes[] = {cl, ref};
    for (int b = 0; b < 2; b++) {
        clcnn_backend *be = bes[b];
        clcnn_tensor x = make(be, clcnn_shape_make(2, 6, 2, 2), NULL);
        clcnn_tensor g = make(be, clcnn_shape_make(1, 6, 1, 1), NULL);
        clcnn_tensor s = make(be, clcnn_shape_make(2, 4, 1, 1), NULL);
        ck_assert_int_eq(be->ops->groupnorm_forward(be, 4, 1e-5f, &x, &g, &g, &s, &s, &x),
                         CLCNN_ERR_ARG);
        ck_assert_msg(strstr(clcnn_last_error(), "4 groups do not divide the 6 channels"), "%s",
                      clcnn_last_error());
        ck_assert_int_eq(be->ops->groupnorm_forward(be, 0, 1e-5f, &x, &g, &g, &s, &s, &x),
                         CLCNN_ERR_ARG);
        clcnn_tensor_free(&x);
        clcnn_tensor_free(&g);
        clcnn_tensor_free(&s);
    }
    close_backends();
}
END_TEST

/* A training step (forward, loss, backward) of networks with the new layers
 * on cl and ref from the same parameters and batch. */
static const char *const step_nets[] = {
    /* conv2 has no bias: instance norm (6 groups of 6 channels) cancels it */
    "input 3 8 8\nconv 4 3 pad=1\ngroupnorm 2\nrelu\nmaxpool 2\nconv 6 3 pad=1 bias=0\n"
    "groupnorm 6\n"
    "relu\nfc 8\nlayernorm\nrelu\nfc 5\n",
    "input 3 8 8\nconv 4 3 pad=1 bias=0 init=normal:0.1\nbatchnorm per=activation\nrelu\n"
    "maxpool 2\nfc 8 bias=0 init=normal:0.1\nbatchnorm\ndropout 0.5\nrelu\nfc 5 bias=0\n"
    "batchnorm\ndropout 0.5\n",
};

START_TEST(training_step_matches_the_reference)
{
    open_backends();
    clcnn_model_spec spec;
    OK(clcnn_model_spec_parse(step_nets[_i], "step net", &spec));
    clcnn_check_options opts = {0};
    opts.spec = &spec;
    opts.batch = 6;
    clcnn_check_report report = {0};
    OK(clcnn_check_step(cl, ref, &opts, &report));
    const clcnn_check_result *bad = clcnn_check_report_first_failure(&report);
    ck_assert_msg(!bad, "%s: error %.3g > %.3g %s", bad ? bad->name : "", bad ? bad->error : 0,
                  bad ? bad->tolerance : 0, bad ? bad->detail : "");
    ck_assert_int_ge(report.count, 4);
    clcnn_check_report_free(&report);
    close_backends();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("groupnorm_ops");
    TCase *edges = tcase_create("edges and steps");
    tcase_set_timeout(edges, 120);
    tcase_add_test(edges, constant_group_gives_beta);
    tcase_add_test(edges, groups_must_divide_the_channels);
    tcase_add_loop_test(edges, training_step_matches_the_reference, 0,
                        (int)(sizeof step_nets / sizeof step_nets[0]));
    suite_add_tcase(s, edges);
    return test_run_suite(s);
}
