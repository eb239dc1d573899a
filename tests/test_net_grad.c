/* Gradient checks on the double reference backend: the notebook's check
 * network with softmax and SVM losses, and every layer type alone in a tiny
 * network. See clcnn/net.h for the error figure: per parameter tensor
 * ||a - n|| / ||a + n||, maximum over the tensors. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "clcnn/net.h"
#include "test_env.h"
#include "test_files.h"

/* The target of the task (the notebook reached 2.2e-9 and 3.9e-10 with its
 * norm over all entries). */
#define MAX_TENSOR_REL_ERR 1e-7
/* Single entries carry the central differences' absolute noise (about 1e-10
 * at h = 1e-5 in double); with the entry floor of 1e-5 that keeps a correct
 * gradient's entries near or below 1e-6 (worst seen: 4.8e-7). A wrong entry
 * is off by orders of magnitude more. */
#define MAX_ENTRY_REL_ERR 1e-5

static void check_spec(const clcnn_model_spec *spec, clcnn_loss_kind loss, float smoothing,
                       int batch, uint32_t seed)
{
    clcnn_gradcheck_result r;
    ck_assert_msg(clcnn_gradcheck(spec, loss, smoothing, batch, seed, &r) == CLCNN_OK, "%s",
                  clcnn_last_error());
    ck_assert_uint_eq(r.n_checked, clcnn_model_spec_param_count(spec));
    /* entries skipped at a ReLU/max-pool kink: a handful at most, or the
     * check would be checking little */
    ck_assert_msg(r.n_kinks * 50 <= r.n_checked, "%s: %zu of %zu entries skipped as kinks",
                  spec->source, r.n_kinks, r.n_checked);
    ck_assert_msg(r.max_rel_err <= MAX_TENSOR_REL_ERR, "%s, loss %d: %s has relative error %.3e",
                  spec->source, (int)loss, r.worst_tensor, r.max_rel_err);
    ck_assert_msg(r.max_entry_rel_err <= MAX_ENTRY_REL_ERR,
                  "%s, loss %d: entry %s: analytic %.10e numerical %.10e (%.3e)", spec->source,
                  (int)loss, r.worst_entry, r.worst_analytic, r.worst_numeric, r.max_entry_rel_err);
    ck_assert_double_le(r.global_rel_err, MAX_TENSOR_REL_ERR);
    ck_assert(r.loss > 0.0);
}

static void check_text(const char *name, const char *text, clcnn_loss_kind loss,
                       float smoothing)
{
    clcnn_model_spec spec;
    ck_assert_msg(clcnn_model_spec_parse(text, name, &spec) == CLCNN_OK, "%s", clcnn_last_error());
    check_spec(&spec, loss, smoothing, 3, 3); /* 3: 1/N is not exact in binary */
}

START_TEST(check_net_softmax)
{
    clcnn_model_spec spec;
    ck_assert_int_eq(clcnn_model_spec_preset("gradcheck", &spec), CLCNN_OK);
    check_spec(&spec, CLCNN_LOSS_SOFTMAX, 0.0f, 8, 1);
}
END_TEST

START_TEST(check_net_svm)
{
    clcnn_model_spec spec;
    ck_assert_int_eq(clcnn_model_spec_preset("gradcheck", &spec), CLCNN_OK);
    check_spec(&spec, CLCNN_LOSS_SVM, 0.0f, 8, 1);
}
END_TEST

/* Each layer type, with a layer before it (so its input gradient is used)
 * and an fc layer after it (to make class scores). */
static const struct {
    const char *name, *text;
} layer_nets[] = {
    {"conv first, rectangular, strided, bias", "input 2 7 6\nconv 3 3x2 pad=1x0 stride=2x1\nfc 4\n"},
    {"conv after conv", "input 2 6 6\nconv 2 3 pad=1\nconv 3 3 stride=2 pad=1\nfc 3\n"},
    {"fc after fc, flattening", "input 3 2 2\nfc 5\nfc 3\n"},
    {"fc without bias", "input 3 2 2\nfc 5 bias=0\nfc 3 bias=0\n"},
    {"maxpool overlapping, padded", "input 2 6 6\nconv 3 3 pad=1\nmaxpool 3 stride=2 pad=1\nfc 3\n"},
    {"maxpool 2x2", "input 2 6 6\nconv 3 3 pad=1\nmaxpool 2\nfc 3\n"},
    {"avgpool 2x2", "input 2 6 6\nconv 3 3 pad=1\navgpool 2\nfc 3\n"},
    {"avgpool overlapping, padded", "input 2 6 6\nconv 3 3 pad=1\navgpool 3 stride=2 pad=1\nfc 3\n"},
    {"batchnorm spatial", "input 2 5 5\nconv 3 3 bias=0\nbatchnorm\nfc 3\n"},
    {"batchnorm per feature", "input 4 1 1\nfc 6 bias=0\nbatchnorm eps=1e-3\nfc 3\n"},
    {"batchnorm first", "input 4 2 2\nbatchnorm\nfc 3\n"},
    {"relu", "input 2 5 5\nconv 3 3\nrelu\nfc 3\n"},
    {"leakyrelu", "input 2 5 5\nconv 3 3\nleakyrelu alpha=0.1\nfc 3\n"},
    {"sigmoid", "input 2 5 5\nconv 3 3\nsigmoid\nfc 3\n"},
    {"dropout (one fixed mask)", "input 3 4 4\nconv 3 3 pad=1\ndropout 0.5\nfc 3\n"},
    {"pool first", "input 2 4 4\nmaxpool 2\nfc 3\n"},
};

START_TEST(each_layer_type)
{
    check_text(layer_nets[_i].name, layer_nets[_i].text, CLCNN_LOSS_SOFTMAX, 0.0f);
}
END_TEST

START_TEST(each_loss_on_a_small_net)
{
    const char *text = "input 2 6 6\nconv 3 3 pad=1\nbatchnorm\nrelu\nmaxpool 2\nfc 5\n";
    check_text("svm", text, CLCNN_LOSS_SVM, 0.0f);
    check_text("bce", text, CLCNN_LOSS_BCE, 0.0f);
    check_text("softmax, label smoothing 0.1", text, CLCNN_LOSS_SOFTMAX, 0.1f);
}
END_TEST

START_TEST(rejects_bad_arguments)
{
    clcnn_model_spec spec;
    clcnn_gradcheck_result r;
    ck_assert_int_eq(clcnn_model_spec_preset("gradcheck", &spec), CLCNN_OK);
    ck_assert_int_eq(clcnn_gradcheck(&spec, CLCNN_LOSS_SOFTMAX, 0.0f, 0, 1, &r), CLCNN_ERR_ARG);
    /* label smoothing is for the softmax loss only */
    ck_assert_int_eq(clcnn_gradcheck(&spec, CLCNN_LOSS_SVM, 0.1f, 2, 1, &r), CLCNN_ERR_ARG);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("net_grad");
    TCase *whole = tcase_create("check_net");
    tcase_set_timeout(whole, 300);
    tcase_add_test(whole, check_net_softmax);
    tcase_add_test(whole, check_net_svm);
    suite_add_tcase(s, whole);
    TCase *layers = tcase_create("layers");
    tcase_set_timeout(layers, 120);
    tcase_add_loop_test(layers, each_layer_type, 0, (int)(sizeof layer_nets / sizeof layer_nets[0]));
    tcase_add_test(layers, each_loss_on_a_small_net);
    tcase_add_test(layers, rejects_bad_arguments);
    suite_add_tcase(s, layers);
    return test_run_suite(s);
}
