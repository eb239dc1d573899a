/* Test-time augmentation (clcnn_evaluate_tta, flip): on the reference, the
 * result equals the average worked out here from two separate forward passes
 * (each image as is, and mirrored by this test's own loop); on OpenCL it
 * equals the reference's within the tolerance of a whole forward pass. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/device.h"
#include "clcnn/train.h"
#include "test_files.h"
#include "train_fixtures.h"

#define OK(expr) ck_assert_msg((expr) == CLCNN_OK, "%s: %s", #expr, clcnn_last_error())

static const char *const model = "input 3 16 16\n"
                                 "conv 6 3 pad=1\n"
                                 "batchnorm\n"
                                 "relu\n"
                                 "maxpool 2\n"
                                 "fc 5\n";
#define COUNT 37 /* two batches of 16 and one of 5 */
#define BATCH 16
#define K 5

static const float mean[3] = {120, 110, 100}, std[3] = {60, 65, 70};
static clcnn_dataset data;
static clcnn_model_spec spec;

static void setup(void)
{
    train_fixture_dataset(&data, COUNT, 3, 16, K, 11);
    OK(clcnn_model_spec_parse(model, "tta-model", &spec));
}

static void teardown(void) { clcnn_dataset_free(&data); }

/* Logits (COUNT x K) of every image, mirrored left-right first when mirror. */
static void logits_of(clcnn_net *net, int mirror, double *out)
{
    clcnn_backend *be = clcnn_net_backend(net);
    const int C = 3, H = 16, W = 16, image = C * H * W;
    uint8_t *pixels = malloc((size_t)COUNT * image);
    for (int i = 0; i < COUNT; i++)
        for (int c = 0; c < C; c++)
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++) {
                    int from = mirror ? W - 1 - x : x;
                    pixels[(size_t)i * image + (c * H + y) * W + x] =
                        data.images[(size_t)i * image + (c * H + y) * W + from];
                }
    clcnn_tensor u8, input;
    OK(clcnn_tensor_alloc(be, &u8, clcnn_shape_make(1, C, H, W), CLCNN_U8, "u8"));
    OK(clcnn_tensor_alloc(be, &input, clcnn_shape_make(1, C, H, W), CLCNN_REAL, "input"));
    for (int i = 0; i < COUNT; i++) { /* one image per pass: no batching shared with the code */
        float z[K];
        OK(clcnn_tensor_upload(&u8, 0, (size_t)image, pixels + (size_t)i * image));
        OK(be->ops->normalize_u8(be, &u8, mean, std, &input));
        OK(clcnn_net_forward(net, &input, 1, 0, 0));
        OK(clcnn_tensor_download(clcnn_net_output(net), 0, K, z));
        for (int j = 0; j < K; j++)
            out[i * K + j] = z[j];
    }
    clcnn_tensor_free(&u8);
    clcnn_tensor_free(&input);
    free(pixels);
}

/* The expected result by the definitions: probabilities of both passes
 * (softmax, or sigmoids for bce), their mean, its first maximum, and the
 * loss of the mean. */
static void expected_by_hand(clcnn_net *net, clcnn_loss_kind loss, double *mean_loss,
                             int *confusion)
{
    double *a = malloc(sizeof(double) * COUNT * K), *b = malloc(sizeof(double) * COUNT * K);
    logits_of(net, 0, a);
    logits_of(net, 1, b);
    double total = 0;
    memset(confusion, 0, sizeof(int) * K * K);
    for (int i = 0; i < COUNT; i++) {
        double pa[K], pb[K], sa = 0, sb = 0, p[K];
        for (int j = 0; j < K; j++) {
            if (loss == CLCNN_LOSS_SOFTMAX) {
                sa += pa[j] = exp(a[i * K + j]);
                sb += pb[j] = exp(b[i * K + j]);
            } else {
                pa[j] = 1 / (1 + exp(-a[i * K + j]));
                pb[j] = 1 / (1 + exp(-b[i * K + j]));
            }
        }
        int best = 0, y = data.labels[i];
        for (int j = 0; j < K; j++) {
            p[j] = loss == CLCNN_LOSS_SOFTMAX ? (pa[j] / sa + pb[j] / sb) / 2 : (pa[j] + pb[j]) / 2;
            if (p[j] > p[best])
                best = j;
            if (loss == CLCNN_LOSS_SOFTMAX)
                total -= j == y ? log(p[j]) : 0;
            else
                total -= j == y ? log(p[j]) : log(1 - p[j]);
        }
        confusion[y * K + best]++;
    }
    *mean_loss = total / COUNT;
    free(a);
    free(b);
}

static void check_against_hand(clcnn_loss_kind loss)
{
    clcnn_backend *be = NULL;
    OK(clcnn_backend_ref_create(&be));
    clcnn_net *net = NULL;
    OK(clcnn_net_create(be, &spec, BATCH, 7, &net));
    clcnn_eval_result r, plain;
    OK(clcnn_evaluate_tta(net, mean, std, &data, loss, CLCNN_TTA_FLIP, &r));
    OK(clcnn_evaluate(net, mean, std, &data, loss, &plain));
    double expected_loss;
    int confusion[K * K];
    expected_by_hand(net, loss, &expected_loss, confusion);
    ck_assert_int_eq(r.count, COUNT);
    ck_assert_msg(fabs(r.loss - expected_loss) <= 1e-6 * expected_loss,
                  "loss %d: tta loss %.9g, by hand %.9g", (int)loss, r.loss, expected_loss);
    long correct = 0;
    for (int i = 0; i < K * K; i++) {
        ck_assert_msg(r.confusion[i] == confusion[i], "confusion[%d]: %d, by hand %d", i,
                      r.confusion[i], confusion[i]);
        correct += i % (K + 1) == 0 ? confusion[i] : 0;
    }
    ck_assert_double_eq_tol(r.accuracy, (double)correct / COUNT, 1e-12);
    /* the mirror changed something: the plain evaluation's loss differs */
    ck_assert_msg(fabs(plain.loss - r.loss) > 1e-4, "tta %.9g = plain %.9g", r.loss, plain.loss);
    clcnn_eval_result_free(&r);
    clcnn_eval_result_free(&plain);
    clcnn_net_destroy(net);
    clcnn_backend_destroy(be);
}

START_TEST(softmax_flip_is_the_mean_of_two_passes) { check_against_hand(CLCNN_LOSS_SOFTMAX); }
END_TEST

START_TEST(bce_flip_is_the_mean_of_two_passes) { check_against_hand(CLCNN_LOSS_BCE); }
END_TEST

START_TEST(svm_is_refused)
{
    clcnn_backend *be = NULL;
    OK(clcnn_backend_ref_create(&be));
    clcnn_net *net = NULL;
    OK(clcnn_net_create(be, &spec, BATCH, 7, &net));
    clcnn_eval_result r;
    ck_assert_int_eq(clcnn_evaluate_tta(net, mean, std, &data, CLCNN_LOSS_SVM, CLCNN_TTA_FLIP,
                                        &r), CLCNN_ERR_ARG);
    ck_assert(strstr(clcnn_last_error(), "not svm") != NULL);
    clcnn_net_destroy(net);
    clcnn_backend_destroy(be);
}
END_TEST

/* OpenCL against the reference, same parameters (one seed gives the same on
 * every backend): a forward pass agrees to ~1e-6 relative (op-case
 * tolerances), so the losses to 1e-4 and the predictions exactly. */
START_TEST(opencl_equals_reference)
{
    clcnn_backend *ref = NULL, *cl = NULL;
    OK(clcnn_backend_ref_create(&ref));
    OK(clcnn_backend_cl_create(NULL, &cl));
    clcnn_net *nr = NULL, *nc = NULL;
    OK(clcnn_net_create(ref, &spec, BATCH, 7, &nr));
    OK(clcnn_net_create(cl, &spec, BATCH, 7, &nc));
    clcnn_eval_result a, b;
    OK(clcnn_evaluate_tta(nr, mean, std, &data, CLCNN_LOSS_SOFTMAX, CLCNN_TTA_FLIP, &a));
    OK(clcnn_evaluate_tta(nc, mean, std, &data, CLCNN_LOSS_SOFTMAX, CLCNN_TTA_FLIP, &b));
    ck_assert_msg(fabs(a.loss - b.loss) <= 1e-4 * a.loss, "ref %.9g cl %.9g", a.loss, b.loss);
    ck_assert_int_eq(memcmp(a.confusion, b.confusion, sizeof(int) * K * K), 0);
    clcnn_eval_result_free(&a);
    clcnn_eval_result_free(&b);
    clcnn_net_destroy(nr);
    clcnn_net_destroy(nc);
    clcnn_backend_destroy(ref);
    clcnn_backend_destroy(cl);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("eval_tta");
    TCase *tc = tcase_create("tta");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, softmax_flip_is_the_mean_of_two_passes);
    tcase_add_test(tc, bce_flip_is_the_mean_of_two_passes);
    tcase_add_test(tc, svm_is_refused);
    tcase_add_test(tc, opencl_equals_reference);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
