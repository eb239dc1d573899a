/* The network on the CPU reference backends: partial batches, im2col
 * chunking, initialization, parameter lists and the flat form, ref against
 * ref64, dropout masks, argument errors. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/net.h"
#include "test_env.h"
#include "test_files.h"

/* conv with bias, batchnorm, relu, pool, fc, dropout: every kind of state */
static const char *mixed_text = "input 3 12 12\n"
                                "conv 4 3 pad=1\n"
                                "batchnorm\n"
                                "relu\n"
                                "maxpool 2\n"
                                "fc 6\n"
                                "dropout 0.3\n"
                                "fc 5\n";

typedef struct fixture {
    clcnn_backend *be;
    clcnn_model_spec spec;
    clcnn_net *net;
    clcnn_tensor input, dlogits;
} fixture;

static float *random_floats(size_t count, unsigned seed)
{
    float *v = malloc(count * sizeof *v);
    ck_assert_ptr_nonnull(v);
    srand(seed);
    for (size_t i = 0; i < count; i++)
        v[i] = (float)rand() / RAND_MAX * 2.0f - 1.0f;
    return v;
}

/* A net of spec on a new backend (ref or ref64) with the GEMM multiples its
 * convolutions pad to (clcnn/backend.h), a random input batch of `images`
 * and a random dlogits of as many rows. */
static void fixture_open_padded(fixture *f, int use_ref64, const char *text, int batch,
                                int images, const clcnn_net_options *opts, int multiple_mk,
                                int multiple_n)
{
    memset(f, 0, sizeof *f);
    ck_assert_int_eq(use_ref64 ? clcnn_backend_ref64_create(&f->be) : clcnn_backend_ref_create(&f->be),
                     CLCNN_OK);
    f->be->gemm_multiple_mk = multiple_mk;
    f->be->gemm_multiple_n = multiple_n;
    ck_assert_msg(clcnn_model_spec_parse(text, "test", &f->spec) == CLCNN_OK, "%s",
                  clcnn_last_error());
    ck_assert_msg(clcnn_net_create_ex(f->be, &f->spec, batch, 42, opts, &f->net) == CLCNN_OK, "%s",
                  clcnn_last_error());
    clcnn_shape in = clcnn_shape_make(images, f->spec.c, f->spec.h, f->spec.w);
    ck_assert_int_eq(clcnn_tensor_alloc(f->be, &f->input, in, CLCNN_REAL, "input"), CLCNN_OK);
    float *x = random_floats(f->input.count, 1);
    ck_assert_int_eq(clcnn_tensor_upload(&f->input, 0, f->input.count, x), CLCNN_OK);
    free(x);
    clcnn_shape out = clcnn_shape_make(images, f->spec.layers[f->spec.n_layers - 1].outputs, 1, 1);
    ck_assert_int_eq(clcnn_tensor_alloc(f->be, &f->dlogits, out, CLCNN_REAL, "dlogits"), CLCNN_OK);
    float *d = random_floats(f->dlogits.count, 2);
    ck_assert_int_eq(clcnn_tensor_upload(&f->dlogits, 0, f->dlogits.count, d), CLCNN_OK);
    free(d);
}

/* The same with the backend's own padding. */
static void fixture_open(fixture *f, int use_ref64, const char *text, int batch, int images,
                         const clcnn_net_options *opts)
{
    fixture_open_padded(f, use_ref64, text, batch, images, opts, 1, 1);
}

static void fixture_close(fixture *f)
{
    clcnn_tensor_free(&f->input);
    clcnn_tensor_free(&f->dlogits);
    clcnn_net_destroy(f->net);
    clcnn_backend_destroy(f->be);
}

static float *download(const clcnn_tensor *t)
{
    float *v = malloc(t->count * sizeof *v);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(clcnn_tensor_download(t, 0, t->count, v), CLCNN_OK);
    return v;
}

/* The first n rows of dlogits as a tensor of its own shape n x K. */
static clcnn_tensor first_rows(const clcnn_tensor *t, int n)
{
    clcnn_tensor v = *t;
    v.shape.n = n;
    v.count = clcnn_shape_count(v.shape);
    return v;
}

/* max |a - b| / max(max |b|, 1e-30) over count elements */
static double max_rel_diff(const float *a, const float *b, size_t count)
{
    double diff = 0.0, scale = 1e-30;
    for (size_t i = 0; i < count; i++) {
        diff = fmax(diff, fabs((double)a[i] - b[i]));
        scale = fmax(scale, fabs((double)b[i]));
    }
    return diff / scale;
}

/* Gradients of every parameter, concatenated. */
static float *all_grads(const clcnn_net *net, size_t *count)
{
    int n;
    const clcnn_param *p = clcnn_net_params(net, &n);
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += p[i].grad->count;
    float *g = malloc(total * sizeof *g), *at = g;
    for (int i = 0; i < n; i++) {
        ck_assert_int_eq(clcnn_tensor_download(p[i].grad, 0, p[i].grad->count, at), CLCNN_OK);
        at += p[i].grad->count;
    }
    *count = total;
    return g;
}

/* Forward (training) and backward of n images on two fixtures of the same
 * network: outputs and every gradient agree to tol relative; closes both. */
static void expect_same_training_pass(fixture *a, fixture *b, int n, double tol)
{
    fixture *fs[2] = {a, b};
    float *y[2], *g[2];
    size_t count[2];
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(clcnn_net_forward(fs[k]->net, &fs[k]->input, n, 1, 0), CLCNN_OK);
        y[k] = download(clcnn_net_output(fs[k]->net));
        ck_assert_int_eq(clcnn_net_backward(fs[k]->net, &fs[k]->dlogits), CLCNN_OK);
        g[k] = all_grads(fs[k]->net, &count[k]);
    }
    ck_assert_double_le(max_rel_diff(y[1], y[0], clcnn_net_output(a->net)->count), tol);
    ck_assert_uint_eq(count[0], count[1]);
    ck_assert_double_le(max_rel_diff(g[1], g[0], count[0]), tol);
    for (int k = 0; k < 2; k++) {
        free(y[k]);
        free(g[k]);
        fixture_close(fs[k]);
    }
}

START_TEST(partial_batch_matches_a_net_of_that_size)
{
    /* A net for 8 images run on 3 must compute what a net for 3 computes:
     * bit for bit, since the same operations run on the same values. */
    fixture big, small;
    fixture_open(&big, 0, mixed_text, 8, 8, NULL);
    fixture_open(&small, 0, mixed_text, 3, 8, NULL);
    for (int training = 1; training >= 0; training--) {
        ck_assert_int_eq(clcnn_net_forward(big.net, &big.input, 3, training, 5), CLCNN_OK);
        ck_assert_int_eq(clcnn_net_forward(small.net, &small.input, 3, training, 5), CLCNN_OK);
        const clcnn_tensor *yb = clcnn_net_output(big.net), *ys = clcnn_net_output(small.net);
        ck_assert_int_eq(yb->shape.n, 3);
        ck_assert_int_eq(yb->shape.c, 5);
        ck_assert_uint_eq(yb->count, 15);
        float *a = download(yb), *b = download(ys);
        ck_assert_mem_eq(a, b, 15 * sizeof(float));
        free(a);
        free(b);
        if (!training)
            break;
        clcnn_tensor db = first_rows(&big.dlogits, 3), ds = first_rows(&small.dlogits, 3);
        ck_assert_int_eq(clcnn_net_backward(big.net, &db), CLCNN_OK);
        ck_assert_int_eq(clcnn_net_backward(small.net, &ds), CLCNN_OK);
        size_t nb, ns;
        float *gb = all_grads(big.net, &nb), *gs = all_grads(small.net, &ns);
        ck_assert_uint_eq(nb, ns);
        ck_assert_mem_eq(gb, gs, nb * sizeof(float));
        free(gb);
        free(gs);
    }
    fixture_close(&big);
    fixture_close(&small);
}
END_TEST

/* Two convolutions (C*KH*KW = 18 and 27), the second with stride 2. */
static const char *two_convs_text = "input 2 9 9\nconv 3 3 pad=1\nrelu\nconv 4 3 stride=2\nfc 4\n";

START_TEST(chunked_convolution_matches_one_chunk)
{
    /* A 1-byte budget forces one image per im2col chunk, so the weight
     * gradient accumulates over 6 GEMMs. Only the order of the sums
     * differs: in double, agreement to 1e-12 relative. */
    clcnn_net_options one_image = {.col_budget_bytes = 1};
    fixture whole, chunked;
    fixture_open(&whole, 1, two_convs_text, 6, 6, NULL);
    fixture_open(&chunked, 1, two_convs_text, 6, 6, &one_image);
    expect_same_training_pass(&whole, &chunked, 6, 1e-12);
}
END_TEST

START_TEST(padded_convolution_matches_unpadded)
{
    /* The OpenCL backend pads C*KH*KW (im2col rows, weight columns) to a
     * multiple of 32 and the im2row rows to one of 64; here the reference
     * runs the same code with multiples of 8 (18 -> 24, 27 -> 32) and 16
     * (-> 32), in chunks of one image so that the padded weight gradient
     * accumulates over GEMMs before it is cropped. Padding adds only zero
     * terms: in double, agreement to 1e-12 relative. */
    clcnn_net_options one_image = {.col_budget_bytes = 1};
    fixture plain, padded;
    fixture_open(&plain, 1, two_convs_text, 6, 6, NULL);
    fixture_open_padded(&padded, 1, two_convs_text, 6, 6, &one_image, 8, 16);
    expect_same_training_pass(&plain, &padded, 6, 1e-12);
}
END_TEST

START_TEST(ref_and_ref64_agree)
{
    /* Same seed: the very same float parameters. Then the float forward
     * through three conv + batchnorm layers stays within 1e-4 of the double
     * one (relative to the largest logit; float rounding is ~1e-7 per op). */
    fixture f32, f64;
    fixture_open(&f32, 0, clcnn_model_preset_text("cifar"), 4, 4, NULL);
    fixture_open(&f64, 1, clcnn_model_preset_text("cifar"), 4, 4, NULL);
    size_t count = clcnn_net_flat_count(f32.net);
    ck_assert_uint_eq(count, clcnn_net_flat_count(f64.net));
    float *p32 = malloc(count * sizeof *p32), *p64 = malloc(count * sizeof *p64);
    ck_assert_int_eq(clcnn_net_get_flat(f32.net, p32), CLCNN_OK);
    ck_assert_int_eq(clcnn_net_get_flat(f64.net, p64), CLCNN_OK);
    ck_assert_mem_eq(p32, p64, count * sizeof *p32);
    free(p32);
    free(p64);
    for (int training = 1; training >= 0; training--) {
        ck_assert_int_eq(clcnn_net_forward(f32.net, &f32.input, 4, training, 3), CLCNN_OK);
        ck_assert_int_eq(clcnn_net_forward(f64.net, &f64.input, 4, training, 3), CLCNN_OK);
        float *a = download(clcnn_net_output(f32.net)), *b = download(clcnn_net_output(f64.net));
        ck_assert_double_le(max_rel_diff(a, b, 40), 1e-4);
        free(a);
        free(b);
    }
    fixture_close(&f32);
    fixture_close(&f64);
}
END_TEST

static double sample_std(const float *v, size_t n)
{
    double s = 0.0, s2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        s += v[i];
        s2 += (double)v[i] * v[i];
    }
    double mean = s / n;
    return sqrt(s2 / n - mean * mean);
}

START_TEST(initialization_follows_the_rules)
{
    fixture f;
    fixture_open(&f, 0, clcnn_model_preset_text("cifar"), 2, 2, NULL);
    int n;
    const clcnn_param *p = clcnn_net_params(f.net, &n);
    /* conv1, bn1 (gamma, beta), conv2, bn2, conv3, bn3, fc1, bn4, fc2 (weight, bias) */
    ck_assert_int_eq(n, 14);
    ck_assert_str_eq(p[0].name, "conv1.weight");
    ck_assert_str_eq(p[1].name, "bn1.gamma");
    ck_assert_str_eq(p[2].name, "bn1.beta");
    ck_assert_str_eq(p[3].name, "conv2.weight");
    ck_assert_str_eq(p[9].name, "fc1.weight");
    ck_assert_str_eq(p[12].name, "fc2.weight");
    ck_assert_str_eq(p[13].name, "fc2.bias");
    ck_assert(p[0].is_weight && !p[1].is_weight && p[12].is_weight && !p[13].is_weight);
    ck_assert_ptr_null(p[0].m);

    /* conv2 feeds batchnorm then relu: He, std sqrt(2 / (32*25)) = 0.05.
     * 51200 samples: the sample std is within 2% (its own std is ~0.3%). */
    float *w = download(p[3].value);
    ck_assert_double_eq_tol(sample_std(w, p[3].value->count), sqrt(2.0 / 800), 0.02 * 0.05);
    free(w);
    /* fc2 feeds nothing: Xavier, std sqrt(2 / (256 + 10)); 2560 samples, 5% */
    double xavier = sqrt(2.0 / 266);
    w = download(p[12].value);
    ck_assert_double_eq_tol(sample_std(w, p[12].value->count), xavier, 0.05 * xavier);
    free(w);
    float *gamma = download(p[1].value), *bias = download(p[13].value);
    for (int i = 0; i < 32; i++)
        ck_assert_float_eq(gamma[i], 1.0f);
    for (int i = 0; i < 10; i++)
        ck_assert_float_eq(bias[i], 0.0f);
    free(gamma);
    free(bias);

    int ns;
    const clcnn_state *s = clcnn_net_states(f.net, &ns);
    ck_assert_int_eq(ns, 8);
    ck_assert_str_eq(s[1].name, "bn1.running_var");
    float *var = download(s[1].value);
    ck_assert_float_eq(var[0], 1.0f);
    free(var);
    fixture_close(&f);
}
END_TEST

START_TEST(flat_form_and_optimizer_state)
{
    fixture f;
    fixture_open(&f, 0, clcnn_model_preset_text("cifar"), 2, 2, NULL);
    /* 786218 parameters + running mean and variance of 32+64+128+256 channels */
    size_t count = clcnn_net_flat_count(f.net);
    ck_assert_uint_eq(count, 786218 + 2 * 480);
    float *v = random_floats(count, 9), *back = malloc(count * sizeof *back);
    ck_assert_int_eq(clcnn_net_set_flat(f.net, v), CLCNN_OK);
    ck_assert_int_eq(clcnn_net_get_flat(f.net, back), CLCNN_OK);
    ck_assert_mem_eq(v, back, count * sizeof *v);
    free(v);
    free(back);

    ck_assert_int_eq(clcnn_net_alloc_optimizer_state(f.net, 3), CLCNN_ERR_ARG);
    ck_assert_int_eq(clcnn_net_alloc_optimizer_state(f.net, 1), CLCNN_OK);
    int n;
    const clcnn_param *p = clcnn_net_params(f.net, &n);
    ck_assert_ptr_nonnull(p[0].m);
    ck_assert_ptr_null(p[0].v);
    const clcnn_tensor *m_before = p[0].m;
    ck_assert_int_eq(clcnn_net_alloc_optimizer_state(f.net, 2), CLCNN_OK);
    ck_assert_ptr_eq(p[0].m, m_before); /* kept, not reallocated */
    for (int i = 0; i < n; i++) {
        ck_assert_ptr_nonnull(p[i].v);
        ck_assert_uint_eq(p[i].v->count, p[i].value->count);
    }
    float *m = download(p[13].m);
    ck_assert_float_eq(m[0], 0.0f);
    free(m);

    char text[8192];
    ck_assert_uint_lt(clcnn_net_summary(f.net, text, sizeof text), sizeof text);
    ck_assert_ptr_nonnull(strstr(text, "total parameters: 786218"));
    ck_assert_ptr_nonnull(strstr(text, "batch 2 on backend ref"));
    fixture_close(&f);
}
END_TEST

START_TEST(dropout_masks_follow_the_step)
{
    const char *text = "input 1 1 1\nfc 64\ndropout 0.5\nfc 64\n";
    fixture f;
    fixture_open(&f, 0, text, 2, 2, NULL);
    float *y[4];
    uint32_t steps[3] = {1, 1, 2};
    for (int k = 0; k < 3; k++) {
        ck_assert_int_eq(clcnn_net_forward(f.net, &f.input, 2, 1, steps[k]), CLCNN_OK);
        y[k] = download(clcnn_net_output(f.net));
    }
    ck_assert_int_eq(clcnn_net_forward(f.net, &f.input, 2, 0, 1), CLCNN_OK);
    y[3] = download(clcnn_net_output(f.net));
    ck_assert_mem_eq(y[0], y[1], 128 * sizeof(float));     /* same step, same mask */
    ck_assert(memcmp(y[0], y[2], 128 * sizeof(float)) != 0); /* another step, another mask */
    ck_assert(memcmp(y[0], y[3], 128 * sizeof(float)) != 0); /* evaluation keeps everything */
    for (int k = 0; k < 4; k++)
        free(y[k]);
    fixture_close(&f);
}
END_TEST

START_TEST(rejects_bad_calls)
{
    fixture f;
    fixture_open(&f, 0, mixed_text, 4, 4, NULL);
    ck_assert_int_eq(clcnn_net_backward(f.net, &f.dlogits), CLCNN_ERR_ARG); /* no forward yet */
    ck_assert_ptr_null(clcnn_net_output(f.net));
    ck_assert_int_eq(clcnn_net_forward(f.net, &f.input, 5, 1, 0), CLCNN_ERR_ARG);
    ck_assert_int_eq(clcnn_net_forward(f.net, &f.input, 0, 1, 0), CLCNN_ERR_ARG);
    clcnn_tensor wrong = f.input;
    wrong.shape = clcnn_shape_make(4, 12, 3, 12);
    ck_assert_int_eq(clcnn_net_forward(f.net, &wrong, 4, 1, 0), CLCNN_ERR_ARG);
    ck_assert_int_eq(clcnn_net_forward(f.net, &f.input, 2, 0, 0), CLCNN_OK);
    ck_assert_int_eq(clcnn_net_backward(f.net, &f.dlogits), CLCNN_ERR_ARG); /* evaluation forward */
    ck_assert_int_eq(clcnn_net_forward(f.net, &f.input, 2, 1, 0), CLCNN_OK);
    ck_assert_int_eq(clcnn_net_backward(f.net, &f.dlogits), CLCNN_ERR_ARG); /* 4 rows, not 2 */
    clcnn_net *net = NULL;
    ck_assert_int_eq(clcnn_net_create(f.be, &f.spec, 0, 1, &net), CLCNN_ERR_ARG);
    ck_assert_ptr_null(net);
    fixture_close(&f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("net_forward");
    TCase *tc = tcase_create("forward");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, partial_batch_matches_a_net_of_that_size);
    tcase_add_test(tc, chunked_convolution_matches_one_chunk);
    tcase_add_test(tc, padded_convolution_matches_unpadded);
    tcase_add_test(tc, ref_and_ref64_agree);
    tcase_add_test(tc, initialization_follows_the_rules);
    tcase_add_test(tc, flat_form_and_optimizer_state);
    tcase_add_test(tc, dropout_masks_follow_the_step);
    tcase_add_test(tc, rejects_bad_calls);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
