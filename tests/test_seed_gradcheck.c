/* Gradient checks (double precision, clcnn_gradcheck) of the layers the
 * notebooks add: layer norm after an fc layer and over C,H,W, group norm with
 * 1, 2 and C groups, batchnorm per activation (conv and fc), the BCE loss,
 * and the layer norm / group norm / per-activation forms together in the
 * notebook's recipe shape; and the notebook's exact check network (preset
 * "seed-gradcheck": batchnorm per activation, no dropout, batch 8) with
 * softmax and SVM, 64 evenly spaced entries of each parameter tensor (all
 * 8284 take minutes under AddressSanitizer; `clcnn gradcheck` checks them
 * all). Each at most 1e-7 (per parameter tensor, see clcnn/net.h), the
 * task's bound. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/net.h"
#include "test_files.h"

#define MAX_TENSOR_REL_ERR 1e-7

static void check(const char *name, const char *text, clcnn_loss_kind loss)
{
    clcnn_model_spec spec;
    ck_assert_msg(clcnn_model_spec_parse(text, name, &spec) == CLCNN_OK, "%s", clcnn_last_error());
    clcnn_gradcheck_result r;
    ck_assert_msg(clcnn_gradcheck(&spec, loss, 0.0f, 4, 3, &r) == CLCNN_OK, "%s",
                  clcnn_last_error());
    ck_assert_uint_eq(r.n_checked, clcnn_model_spec_param_count(&spec));
    ck_assert_msg(r.n_kinks * 50 <= r.n_checked, "%s: %zu of %zu entries at kinks", name,
                  r.n_kinks, r.n_checked);
    ck_assert_msg(r.max_rel_err <= MAX_TENSOR_REL_ERR, "%s: %s has relative error %.3e", name,
                  r.worst_tensor, r.max_rel_err);
    /* the normalization's own parameters were checked, not left out as vanishing */
    int gammas = 0;
    for (int i = 0; i < r.n_tensors; i++)
        if (strstr(r.tensors[i].name, ".gamma")) {
            ck_assert_msg(!r.tensors[i].vanishing, "%s: %s vanishes", name, r.tensors[i].name);
            gammas++;
        }
    ck_assert_int_gt(gammas, 0);
}

static const struct {
    const char *name, *text;
    clcnn_loss_kind loss;
} nets[] = {
    {"layer norm after fc", "input 3 2 2\nfc 6\nlayernorm\nrelu\nfc 4\n", CLCNN_LOSS_SOFTMAX},
    {"layer norm over C,H,W", "input 2 5 5\nconv 3 3 pad=1\nlayernorm eps=1e-3\nfc 4\n",
     CLCNN_LOSS_SOFTMAX},
    {"group norm G=1", "input 2 6 6\nconv 4 3 pad=1\ngroupnorm 1\nrelu\nmaxpool 2\nfc 4\n",
     CLCNN_LOSS_SOFTMAX},
    {"group norm G=2", "input 2 6 6\nconv 4 3 pad=1\ngroupnorm 2\nrelu\nmaxpool 2\nfc 4\n",
     CLCNN_LOSS_SOFTMAX},
    {"group norm G=C (instance norm)",
     "input 2 6 6\nconv 4 3 pad=1 bias=0\ngroupnorm 4\nrelu\nmaxpool 2\nfc 4\n",
     CLCNN_LOSS_SVM},
    {"group norm first", "input 4 3 3\ngroupnorm 2\nfc 3\n", CLCNN_LOSS_SOFTMAX},
    {"batchnorm per activation after conv",
     "input 2 5 5\nconv 3 3 bias=0\nbatchnorm per=activation\nrelu\nfc 4\n", CLCNN_LOSS_SOFTMAX},
    {"batchnorm per activation after fc (= per feature), dropout on the logits",
     "input 3 2 2\nfc 6 bias=0\nbatchnorm per=activation\nrelu\nfc 4 bias=0\nbatchnorm\n"
     "dropout 0.5\n", CLCNN_LOSS_SVM},
    {"bce on sigmoid-free logits", "input 2 5 5\nconv 3 3 pad=1\nlayernorm\nrelu\nfc 5\n",
     CLCNN_LOSS_BCE},
    {"bce through batchnorm per activation",
     "input 2 4 4\nconv 3 3 pad=1 bias=0 init=normal:0.1\nbatchnorm per=activation\nrelu\n"
     "maxpool 2\nfc 12 init=normal:0.1\ngroupnorm 3\nsigmoid\nfc 4\n", CLCNN_LOSS_BCE},
};

START_TEST(gradients_match_finite_differences)
{
    check(nets[_i].name, nets[_i].text, nets[_i].loss);
}
END_TEST

START_TEST(notebook_check_net_softmax_and_svm)
{
    clcnn_model_spec spec;
    ck_assert_int_eq(clcnn_model_spec_preset("seed-gradcheck", &spec), CLCNN_OK);
    ck_assert_uint_eq(clcnn_model_spec_param_count(&spec), 8284);
    const clcnn_loss_kind losses[] = {CLCNN_LOSS_SOFTMAX, CLCNN_LOSS_SVM};
    for (int k = 0; k < 2; k++) {
        clcnn_gradcheck_result r;
        ck_assert_msg(clcnn_gradcheck_sampled(&spec, losses[k], 0.0f, 8, 1, 64, &r) == CLCNN_OK,
                      "%s", clcnn_last_error());
        ck_assert_int_eq(r.n_tensors, 15); /* 5 weights, 5 gammas, 5 betas */
        ck_assert_uint_le(r.n_checked, 15 * 64);
        ck_assert_uint_ge(r.n_checked, 500);
        ck_assert_msg(r.n_kinks * 50 <= r.n_checked, "%zu kinks", r.n_kinks);
        ck_assert_msg(r.max_rel_err <= MAX_TENSOR_REL_ERR, "loss %d: %s has relative error %.3e",
                      (int)losses[k], r.worst_tensor, r.max_rel_err);
        ck_assert_double_le(r.global_rel_err, MAX_TENSOR_REL_ERR);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("seed_gradcheck");
    TCase *tc = tcase_create("new layers and bce");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, gradients_match_finite_differences, 0,
                        (int)(sizeof nets / sizeof nets[0]));
    suite_add_tcase(s, tc);
    TCase *notebook = tcase_create("notebook check net");
    tcase_set_timeout(notebook, 300);
    tcase_add_test(notebook, notebook_check_net_softmax_and_svm);
    suite_add_tcase(s, notebook);
    return test_run_suite(s);
}
