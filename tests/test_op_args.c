/* Bad arguments to the ops: each case calls one op with one wrong argument
 * on the "ref" and the "cl" backend. Both must refuse it with CLCNN_ERR_ARG
 * and the same message (the checks live once, in host/core/op_args.c), the
 * message naming the op and what is wrong. And the cl backend's own limit:
 * a tensor over the INT_MAX elements its kernels index is refused before
 * any kernel runs. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/device.h"
#include "test_files.h"

static clcnn_backend *be;

static clcnn_tensor make(clcnn_shape shape, clcnn_dtype dtype)
{
    clcnn_tensor t;
    ck_assert_msg(clcnn_tensor_alloc(be, &t, shape, dtype, "t") == CLCNN_OK, "%s",
                  clcnn_last_error());
    return t;
}

static clcnn_tensor real(int n, int c, int h, int w)
{
    return make(clcnn_shape_make(n, c, h, w), CLCNN_REAL);
}

#define MAX_TENSORS 8

/* One bad call: it returns the op's status; tensors it allocates go in t. */
typedef struct bad_call {
    const char *what;     /* the test's own words */
    const char *message;  /* a part of the message both backends must give */
    clcnn_status (*call)(clcnn_tensor *t);
} bad_call;

/* 2x2 pooling, stride 2, over 1 x 4 x 4 planes. */
static clcnn_window pool_window(void)
{
    clcnn_window win;
    ck_assert_int_eq(clcnn_window_init(&win, 1, 4, 4, 2, 2, 2, 2, 0, 0), CLCNN_OK);
    return win;
}

static clcnn_status pool_wrong_output_plane(clcnn_tensor *t)
{
    clcnn_window win = pool_window();
    t[0] = real(2, 1, 4, 4);
    t[1] = real(2, 1, 3, 3); /* 2x2 expected */
    t[2] = make(clcnn_shape_make(2, 1, 3, 3), CLCNN_I32);
    return be->ops->maxpool_forward(be, &win, CLCNN_ACT_NONE, 0, &t[0], &t[1], &t[2]);
}

static clcnn_status pool_image_counts_differ(clcnn_tensor *t)
{
    clcnn_window win = pool_window();
    t[0] = real(2, 1, 4, 4);
    t[1] = real(3, 1, 2, 2);
    return be->ops->avgpool_forward(be, &win, &t[0], &t[1]);
}

static clcnn_status maxpool_argmax_count(clcnn_tensor *t)
{
    clcnn_window win = pool_window();
    t[0] = real(2, 1, 4, 4);
    t[1] = real(2, 1, 2, 2);
    t[2] = make(clcnn_shape_make(1, 1, 2, 2), CLCNN_I32); /* 8 expected */
    return be->ops->maxpool_backward(be, &win, CLCNN_ACT_NONE, 0, NULL, &t[1], &t[2],
                                     &t[0]);
}

static clcnn_status batchnorm_gamma_count(clcnn_tensor *t)
{
    t[0] = real(2, 3, 2, 2);
    t[1] = real(1, 4, 1, 1); /* 3 channels */
    t[2] = real(1, 3, 1, 1);
    return be->ops->batchnorm_forward_eval(be, &t[0], &t[1], &t[2], &t[2], &t[2], 1e-5f,
                                           CLCNN_ACT_NONE, 0, &t[0]);
}

static clcnn_status batchnorm_dx_count(clcnn_tensor *t)
{
    t[0] = real(2, 3, 2, 2);
    t[1] = real(1, 3, 1, 1);
    t[2] = real(2, 3, 2, 1);
    return be->ops->batchnorm_backward(be, &t[0], &t[0], &t[1], &t[1], &t[1], &t[1],
                                       CLCNN_ACT_NONE, 0, &t[2], &t[1], &t[1]);
}

static clcnn_status groupnorm_groups(clcnn_tensor *t)
{
    t[0] = real(2, 6, 2, 2);
    t[1] = real(1, 6, 1, 1);
    t[2] = real(2, 4, 1, 1);
    return be->ops->groupnorm_forward(be, 4, 1e-5f, &t[0], &t[1], &t[1], &t[2], &t[2], &t[0]);
}

static clcnn_status groupnorm_saved_count(clcnn_tensor *t)
{
    t[0] = real(2, 6, 2, 2);
    t[1] = real(1, 6, 1, 1);
    t[2] = real(1, 3, 1, 1); /* N*groups = 6 expected */
    return be->ops->groupnorm_backward(be, 3, &t[0], &t[0], &t[1], &t[2], &t[2], &t[0], &t[1],
                                       &t[1]);
}

static clcnn_status im2col_short_rows(clcnn_tensor *t)
{
    clcnn_window win;
    ck_assert_int_eq(clcnn_window_init(&win, 2, 3, 3, 2, 2, 1, 1, 0, 0), CLCNN_OK);
    t[0] = real(1, 2, 3, 3);
    t[1] = real(1, 1, 1, 64);
    return be->ops->im2col(be, &win, &t[0], 0, 1, 7, &t[1]); /* C*KH*KW = 8 */
}

static clcnn_status col2im_images_outside(clcnn_tensor *t)
{
    clcnn_window win;
    ck_assert_int_eq(clcnn_window_init(&win, 1, 3, 3, 2, 2, 1, 1, 0, 0), CLCNN_OK);
    t[0] = real(2, 1, 3, 3);
    t[1] = real(1, 1, 1, 64);
    return be->ops->col2im(be, &win, &t[1], 1, 2, &t[0]);
}

static clcnn_status cnp_bias_count(clcnn_tensor *t)
{
    t[0] = real(1, 1, 1, 24);
    t[1] = real(1, 2, 1, 1); /* 3 channels */
    t[2] = real(2, 3, 2, 2);
    return be->ops->cnp_to_nchw(be, &t[0], &t[1], 0, 2, &t[2]);
}

static clcnn_status activation_kind(clcnn_tensor *t)
{
    t[0] = real(1, 1, 1, 4);
    return be->ops->activation_forward(be, (clcnn_activation)7, 0, &t[0], &t[0]);
}

static clcnn_status activation_negative_slope(clcnn_tensor *t)
{
    t[0] = real(1, 1, 1, 4);
    return be->ops->activation_backward(be, CLCNN_ACT_LEAKY_RELU, -0.5f, &t[0], &t[0], &t[0]);
}

static clcnn_status optimizer_adam_step(clcnn_tensor *t)
{
    t[0] = real(1, 1, 1, 4);
    clcnn_optimizer_step hp = {.kind = CLCNN_OPT_ADAM, .lr = 0.1f, .step = 0};
    return be->ops->optimizer_step(be, &hp, &t[0], &t[0], &t[0], &t[0]);
}

static clcnn_status optimizer_state_count(clcnn_tensor *t)
{
    t[0] = real(1, 1, 1, 4);
    t[1] = real(1, 1, 1, 3);
    clcnn_optimizer_step hp = {.kind = CLCNN_OPT_MOMENTUM, .lr = 0.1f, .momentum = 0.9f};
    return be->ops->optimizer_step(be, &hp, &t[0], &t[0], &t[1], NULL);
}

static const bad_call calls[] = {
    {"maxpool output plane", "maxpool_forward: tensor t is 2x1x3x3, expected Nx1x2x2",
     pool_wrong_output_plane},
    {"pool image counts", "avgpool_forward: input has 2 images, output 3",
     pool_image_counts_differ},
    {"maxpool argmax count", "maxpool_backward: tensor t has 4 elements, expected 8",
     maxpool_argmax_count},
    {"batchnorm gamma", "batchnorm_forward_eval: tensor t has 4 elements, expected 3",
     batchnorm_gamma_count},
    {"batchnorm dx", "batchnorm_backward: tensor t has 12 elements, expected 24",
     batchnorm_dx_count},
    {"groupnorm groups", "groupnorm_forward: 4 groups do not divide the 6 channels",
     groupnorm_groups},
    {"groupnorm saved statistics", "groupnorm_backward: tensor t has 3 elements, expected 6",
     groupnorm_saved_count},
    {"im2col rows", "im2col: 7 rows for a 8-row column matrix", im2col_short_rows},
    {"col2im images", "col2im: images 1..2 outside tensor t of 2 images",
     col2im_images_outside},
    {"cnp bias", "cnp_to_nchw: tensor t has 2 elements, expected 3", cnp_bias_count},
    {"activation kind", "activation_forward: unknown activation 7", activation_kind},
    {"leaky slope", "activation_backward: leaky ReLU slope -0.5 must be >= 0",
     activation_negative_slope},
    {"adam step", "optimizer_step: Adam step 0 must be >= 1", optimizer_adam_step},
    {"momentum state", "optimizer_step: tensor t has 3 elements, expected 4",
     optimizer_state_count},
};

enum { N_CALLS = sizeof calls / sizeof calls[0] };

/* Run calls[i] on the backend create makes; its message into message. */
static void run_call(int i, clcnn_status (*create)(clcnn_backend **), char *message,
                     size_t size)
{
    ck_assert_msg(create(&be) == CLCNN_OK, "%s", clcnn_last_error());
    clcnn_tensor t[MAX_TENSORS];
    memset(t, 0, sizeof t);
    clcnn_status st = calls[i].call(t);
    snprintf(message, size, "%s", clcnn_last_error());
    ck_assert_msg(st == CLCNN_ERR_ARG, "%s on %s: status %d (%s)", calls[i].what, be->name,
                  (int)st, message);
    ck_assert_msg(strstr(message, calls[i].message), "%s on %s: message '%s' lacks '%s'",
                  calls[i].what, be->name, message, calls[i].message);
    for (int k = 0; k < MAX_TENSORS; k++)
        clcnn_tensor_free(&t[k]);
    clcnn_backend_destroy(be);
    be = NULL;
}

static clcnn_status create_cl(clcnn_backend **out) { return clcnn_backend_cl_create(NULL, out); }

START_TEST(both_backends_refuse_with_the_same_message)
{
    char on_ref[512], on_cl[512];
    run_call(_i, clcnn_backend_ref_create, on_ref, sizeof on_ref);
    run_call(_i, create_cl, on_cl, sizeof on_cl);
    ck_assert_str_eq(on_ref, on_cl);
}
END_TEST

/* A tensor of more than INT_MAX elements (its count raised by hand on a
 * small allocation: nothing reads past it, the check refuses first). */
START_TEST(cl_refuses_a_tensor_its_kernels_cannot_index)
{
    ck_assert_int_eq(clcnn_backend_cl_create(NULL, &be), CLCNN_OK);
    ck_assert_uint_eq(be->max_elements, (size_t)INT_MAX);
    clcnn_tensor t = real(1, 1, 1, 4);
    clcnn_tensor huge = t;
    huge.count = (size_t)INT_MAX + 1;
    huge.shape = clcnn_shape_make(2, 1, 1, 1073741824);
    ck_assert_int_eq(be->ops->scale(be, 2.0f, &huge), CLCNN_ERR_ARG);
    ck_assert_msg(strstr(clcnn_last_error(), "scale: tensor t has 2147483648 elements, more "
                                             "than the 2147483647 that the cl backend can index"),
                  "%s", clcnn_last_error());
    ck_assert_int_eq(be->ops->scale(be, 2.0f, &t), CLCNN_OK); /* the real one is fine */
    clcnn_tensor_free(&t);
    clcnn_backend_destroy(be);
    be = NULL;
    /* The reference has no such limit. */
    ck_assert_int_eq(clcnn_backend_ref_create(&be), CLCNN_OK);
    ck_assert_uint_eq(be->max_elements, 0);
    clcnn_backend_destroy(be);
    be = NULL;
}
END_TEST

int main(void)
{
    Suite *s = suite_create("op_args");
    TCase *tc = tcase_create("bad arguments");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, both_backends_refuse_with_the_same_message, 0, N_CALLS);
    tcase_add_test(tc, cl_refuses_a_tensor_its_kernels_cannot_index);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
