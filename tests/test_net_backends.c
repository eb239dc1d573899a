/* The same network code on the OpenCL backend (PoCL here) and on the float
 * CPU reference: same parameters from the seed, then forward (training and
 * evaluation, a partial batch) and backward agree. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/device.h"
#include "clcnn/net.h"
#include "test_env.h"
#include "test_files.h"

/* every layer type, biases on and off (not before batchnorm, where a bias
 * has a zero gradient and both sides would compare rounding noise) */
static const char *net_text = "input 3 16 16\n"
                              "conv 8 5 pad=2 bias=0\n"
                              "batchnorm\n"
                              "relu\n"
                              "maxpool 2\n"
                              "conv 8 3 pad=1\n"
                              "leakyrelu alpha=0.1\n"
                              "avgpool 2\n"
                              "fc 32 bias=0\n"
                              "batchnorm\n"
                              "sigmoid\n"
                              "dropout 0.5\n"
                              "fc 10\n";

#define BATCH 6
#define IMAGES 5 /* a partial batch */

typedef struct side {
    clcnn_backend *be;
    clcnn_net *net;
    clcnn_tensor input, dlogits;
} side;

static void side_open(side *s, int cl, const clcnn_model_spec *spec, const float *x,
                      const float *d)
{
    memset(s, 0, sizeof *s);
    clcnn_status st = cl ? clcnn_backend_cl_create(NULL, &s->be) : clcnn_backend_ref_create(&s->be);
    ck_assert_msg(st == CLCNN_OK, "%s", clcnn_last_error());
    ck_assert_msg(clcnn_net_create(s->be, spec, BATCH, 11, &s->net) == CLCNN_OK, "%s",
                  clcnn_last_error());
    ck_assert_int_eq(clcnn_tensor_alloc(s->be, &s->input,
                                        clcnn_shape_make(IMAGES, spec->c, spec->h, spec->w),
                                        CLCNN_REAL, "input"), CLCNN_OK);
    ck_assert_int_eq(clcnn_tensor_upload(&s->input, 0, s->input.count, x), CLCNN_OK);
    ck_assert_int_eq(clcnn_tensor_alloc(s->be, &s->dlogits, clcnn_shape_make(IMAGES, 10, 1, 1),
                                        CLCNN_REAL, "dlogits"), CLCNN_OK);
    ck_assert_int_eq(clcnn_tensor_upload(&s->dlogits, 0, s->dlogits.count, d), CLCNN_OK);
}

static void side_close(side *s)
{
    clcnn_tensor_free(&s->input);
    clcnn_tensor_free(&s->dlogits);
    clcnn_net_destroy(s->net);
    clcnn_backend_destroy(s->be);
}

static float *download(const clcnn_tensor *t)
{
    float *v = malloc(t->count * sizeof *v);
    ck_assert_int_eq(clcnn_tensor_download(t, 0, t->count, v), CLCNN_OK);
    return v;
}

/* max |a - b| relative to max |b| */
static double rel_diff(const float *a, const float *b, size_t n)
{
    double diff = 0.0, scale = 1e-30;
    for (size_t i = 0; i < n; i++) {
        diff = fmax(diff, fabs((double)a[i] - b[i]));
        scale = fmax(scale, fabs((double)b[i]));
    }
    return diff / scale;
}

/* Forward of the same images through nets[0] (the reference) and nets[1],
 * each on its own input tensor: the logits differ by at most tol (rel_diff
 * of nets[1]'s against nets[0]'s). */
static void expect_same_logits(clcnn_net *const nets[2], const clcnn_tensor *const inputs[2],
                               int training, uint32_t step, double tol, const char *what)
{
    float *y[2];
    for (int k = 0; k < 2; k++) {
        ck_assert_msg(clcnn_net_forward(nets[k], inputs[k], IMAGES, training, step) == CLCNN_OK,
                      "%s", clcnn_last_error());
        y[k] = download(clcnn_net_output(nets[k]));
    }
    size_t count = clcnn_net_output(nets[0])->count;
    double diff = rel_diff(y[1], y[0], count);
    ck_assert_msg(diff <= tol, "%s: %s logits differ by %.3e", what,
                  training ? "training" : "evaluation", diff);
    free(y[0]);
    free(y[1]);
}

/* Backward of both nets from their dlogits: every parameter gradient of
 * nets[1] within tol of nets[0]'s. */
static void expect_same_gradients(clcnn_net *const nets[2], const clcnn_tensor *const dlogits[2],
                                  double tol, const char *what)
{
    for (int k = 0; k < 2; k++)
        ck_assert_msg(clcnn_net_backward(nets[k], dlogits[k]) == CLCNN_OK, "%s",
                      clcnn_last_error());
    int n;
    const clcnn_param *p0 = clcnn_net_params(nets[0], &n);
    const clcnn_param *p1 = clcnn_net_params(nets[1], &n);
    for (int i = 0; i < n; i++) {
        float *g0 = download(p0[i].grad), *g1 = download(p1[i].grad);
        double diff = rel_diff(g1, g0, p0[i].grad->count);
        ck_assert_msg(diff <= tol, "%s: %s: gradients differ by %.3e", what, p0[i].name, diff);
        free(g0);
        free(g1);
    }
}

/* Both sides compute in float; only the order of the sums differs (CLBlast
 * against the reference GEMM, parallel reductions): measured up to 5e-6
 * relative on the cifar preset. The bounds leave a margin for batchnorm's
 * division by a batch standard deviation, which amplifies such differences. */
#define FORWARD_TOL 1e-4
#define GRAD_TOL 1e-4

START_TEST(cl_matches_ref)
{
    clcnn_model_spec spec;
    ck_assert_int_eq(clcnn_model_spec_parse(net_text, "backends", &spec), CLCNN_OK);
    size_t nx = (size_t)IMAGES * 3 * 16 * 16, nd = (size_t)IMAGES * 10;
    float *x = malloc(nx * sizeof *x), *d = malloc(nd * sizeof *d);
    srand(5);
    for (size_t i = 0; i < nx; i++)
        x[i] = (float)rand() / RAND_MAX - 0.5f;
    for (size_t i = 0; i < nd; i++)
        d[i] = (float)rand() / RAND_MAX - 0.5f;
    side ref, cl;
    side_open(&ref, 0, &spec, x, d);
    side_open(&cl, 1, &spec, x, d);

    size_t count = clcnn_net_flat_count(ref.net);
    float *pr = malloc(count * sizeof *pr), *pc = malloc(count * sizeof *pc);
    ck_assert_int_eq(clcnn_net_get_flat(ref.net, pr), CLCNN_OK);
    ck_assert_int_eq(clcnn_net_get_flat(cl.net, pc), CLCNN_OK);
    ck_assert_mem_eq(pr, pc, count * sizeof *pr); /* same seed, same parameters */

    clcnn_net *nets[2] = {ref.net, cl.net};
    const clcnn_tensor *inputs[2] = {&ref.input, &cl.input};
    const clcnn_tensor *dlogits[2] = {&ref.dlogits, &cl.dlogits};
    expect_same_logits(nets, inputs, 1, 7, FORWARD_TOL, "cl against ref");
    expect_same_gradients(nets, dlogits, GRAD_TOL, "cl against ref");
    /* evaluation uses the running statistics the training forward updated */
    expect_same_logits(nets, inputs, 0, 0, FORWARD_TOL, "cl against ref");

    free(pr);
    free(pc);
    free(x);
    free(d);
    side_close(&ref);
    side_close(&cl);
}
END_TEST

/* v[i] = ((i * mul) mod m) / m - 0.5: inputs that differ from test to test. */
static void fill_pattern(float *v, size_t n, size_t mul, size_t m)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (float)((i * mul) % m) / (float)m - 0.5f;
}

/* With flat_gradients every gradient is a part of one tensor: the step
 * computes the same gradients as with separate tensors, one download of the
 * flat tensor holds each at its aligned offset, and the gaps stay zero. */
static void check_flat_gradients(int cl)
{
    clcnn_model_spec spec;
    ck_assert_int_eq(clcnn_model_spec_parse(net_text, "flat", &spec), CLCNN_OK);
    size_t nx = (size_t)IMAGES * 3 * 16 * 16, nd = (size_t)IMAGES * 10;
    float *x = malloc(nx * sizeof *x), *d = malloc(nd * sizeof *d);
    fill_pattern(x, nx, 37, 101);
    fill_pattern(d, nd, 13, 7);
    side sep;
    side_open(&sep, cl, &spec, x, d);
    ck_assert_ptr_null(clcnn_net_gradients(sep.net));
    clcnn_net_options opts = {.flat_gradients = 1};
    clcnn_net *flat;
    ck_assert_msg(clcnn_net_create_ex(sep.be, &spec, BATCH, 11, &opts, &flat) == CLCNN_OK, "%s",
                  clcnn_last_error());
    clcnn_net *nets[2] = {sep.net, flat};
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(clcnn_net_forward(nets[k], &sep.input, IMAGES, 1, 7), CLCNN_OK);
        ck_assert_int_eq(clcnn_net_backward(nets[k], &sep.dlogits), CLCNN_OK);
    }
    const clcnn_tensor *all = clcnn_net_gradients(flat);
    ck_assert_ptr_nonnull(all);
    uint64_t transfers = sep.be->counters.transfers;
    float *whole = download(all);
    ck_assert_uint_eq(sep.be->counters.transfers, transfers + 1);
    int n;
    const clcnn_param *ps = clcnn_net_params(sep.net, &n);
    const clcnn_param *pf = clcnn_net_params(flat, &n);
    size_t align = sep.be->part_align, at = 0, gaps = 0;
    for (int i = 0; i < n; i++) {
        size_t start = (at + align - 1) / align * align;
        for (; at < start; at++)
            gaps += whole[at] != 0.0f;
        float *g = download(ps[i].grad), *h = download(pf[i].grad);
        ck_assert_msg(memcmp(g, h, ps[i].grad->count * sizeof *g) == 0, "%s differs", ps[i].name);
        ck_assert_msg(memcmp(g, whole + start, ps[i].grad->count * sizeof *g) == 0,
                      "%s is not at offset %zu of the flat gradients", ps[i].name, start);
        at = start + ps[i].grad->count;
        free(g);
        free(h);
    }
    ck_assert_uint_eq(at, all->count);
    ck_assert_uint_eq(gaps, 0);
    free(whole);
    clcnn_net_destroy(flat);
    free(x);
    free(d);
    side_close(&sep);
}

/* Storage a new network of spec allocates on be. */
static clcnn_net *create_counted(clcnn_backend *be, const clcnn_model_spec *spec,
                                 clcnn_net_options opts, uint64_t *bytes)
{
    uint64_t before = be->counters.bytes_in_use;
    clcnn_net *net;
    ck_assert_msg(clcnn_net_create_ex(be, spec, BATCH, 11, &opts, &net) == CLCNN_OK, "%s",
                  clcnn_last_error());
    *bytes = be->counters.bytes_in_use - before;
    return net;
}

/* Activations run inside a neighbour's op by default (nn/fusion.h): in
 * net_text relu1 after bn1 and sigmoid1 after bn2; here relu1 and leakyrelu1
 * before max pooling. */
static const char *pool_text = "input 3 16 16\n"
                               "conv 6 5 pad=2\n"
                               "relu\n"
                               "maxpool 2\n"
                               "conv 8 3 pad=1\n"
                               "leakyrelu alpha=0.1\n"
                               "maxpool 2\n"
                               "fc 10\n";

/* The fused step computes what running every layer on its own computes, and
 * keeps less. The bounds: the fused ops do the same float operations in the
 * same order, except that batchnorm recomputes z from x for the derivative
 * (the same expression as its forward), and the max is taken before the
 * activation rather than after (equal for these non-decreasing functions,
 * up to which of equal values wins: never a different gradient). A rounding
 * step at most, which batchnorm's backward may amplify by gamma/std. Loop:
 * (net_text, pool_text) x (ref, cl). */
#define FUSED_FORWARD_TOL 1e-6
#define FUSED_GRAD_TOL 1e-5

START_TEST(fused_matches_unfused)
{
    clcnn_model_spec spec;
    const char *texts[2] = {net_text, pool_text};
    ck_assert_int_eq(clcnn_model_spec_parse(texts[_i / 2], "fusion", &spec), CLCNN_OK);
    int use_cl = _i % 2;
    size_t nx = (size_t)IMAGES * 3 * 16 * 16, nd = (size_t)IMAGES * 10;
    float *x = malloc(nx * sizeof *x), *d = malloc(nd * sizeof *d);
    fill_pattern(x, nx, 29, 97);
    fill_pattern(d, nd, 11, 13);
    side s;
    side_open(&s, use_cl, &spec, x, d);
    uint64_t fused_bytes, unfused_bytes;
    clcnn_net *nets[2]; /* the reference: the unfused network */
    nets[1] = create_counted(s.be, &spec, (clcnn_net_options){0}, &fused_bytes);
    nets[0] = create_counted(s.be, &spec, (clcnn_net_options){.unfused = 1}, &unfused_bytes);
    ck_assert_msg(fused_bytes < unfused_bytes, "%s: fused %llu bytes, unfused %llu", s.be->name,
                  (unsigned long long)fused_bytes, (unsigned long long)unfused_bytes);
    const clcnn_tensor *inputs[2] = {&s.input, &s.input};
    const clcnn_tensor *dlogits[2] = {&s.dlogits, &s.dlogits};
    char what[64];
    snprintf(what, sizeof what, "%s: fused against unfused", s.be->name);
    expect_same_logits(nets, inputs, 1, 7, FUSED_FORWARD_TOL, what);
    expect_same_gradients(nets, dlogits, FUSED_GRAD_TOL, what);
    expect_same_logits(nets, inputs, 0, 0, FUSED_FORWARD_TOL, what);
    clcnn_net_destroy(nets[0]);
    clcnn_net_destroy(nets[1]);
    side_close(&s);
    free(x);
    free(d);
}
END_TEST

/* A network made for inference evaluates exactly as the training one does,
 * from less memory (no outputs kept for backward, no gradient buffers, no
 * argmax), and refuses to train. Loop: ref, cl. */
START_TEST(inference_network_evaluates_alike_from_less_memory)
{
    clcnn_model_spec spec;
    ck_assert_int_eq(clcnn_model_spec_parse(net_text, "inference", &spec), CLCNN_OK);
    size_t nx = (size_t)IMAGES * 3 * 16 * 16, nd = (size_t)IMAGES * 10;
    float *x = malloc(nx * sizeof *x), *d = malloc(nd * sizeof *d);
    fill_pattern(x, nx, 31, 89);
    fill_pattern(d, nd, 7, 11);
    side s;
    side_open(&s, _i, &spec, x, d);
    uint64_t train_bytes, eval_bytes;
    clcnn_net *train = create_counted(s.be, &spec, (clcnn_net_options){0}, &train_bytes);
    clcnn_net *eval = create_counted(s.be, &spec, (clcnn_net_options){.inference = 1}, &eval_bytes);
    ck_assert_msg(eval_bytes < train_bytes, "%s: inference %llu bytes, training %llu",
                  s.be->name, (unsigned long long)eval_bytes, (unsigned long long)train_bytes);
    float *y[2];
    clcnn_net *nets[2] = {train, eval};
    for (int k = 0; k < 2; k++) {
        ck_assert_msg(clcnn_net_forward(nets[k], &s.input, IMAGES, 0, 0) == CLCNN_OK, "%s",
                      clcnn_last_error());
        y[k] = download(clcnn_net_output(nets[k]));
    }
    ck_assert_mem_eq(y[0], y[1], nd * sizeof *y[0]);
    ck_assert_int_eq(clcnn_net_forward(eval, &s.input, IMAGES, 1, 0), CLCNN_ERR_ARG);
    ck_assert_ptr_nonnull(strstr(clcnn_last_error(), "inference"));
    free(y[0]);
    free(y[1]);
    clcnn_net_destroy(train);
    clcnn_net_destroy(eval);
    side_close(&s);
    free(x);
    free(d);
}
END_TEST

START_TEST(flat_gradients_on_ref)
{
    check_flat_gradients(0);
}
END_TEST

START_TEST(flat_gradients_on_cl)
{
    check_flat_gradients(1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("net_backends");
    TCase *tc = tcase_create("backends");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, cl_matches_ref);
    tcase_add_test(tc, flat_gradients_on_ref);
    tcase_add_test(tc, flat_gradients_on_cl);
    tcase_add_loop_test(tc, fused_matches_unfused, 0, 4);
    tcase_add_loop_test(tc, inference_network_evaluates_alike_from_less_memory, 0, 2);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
