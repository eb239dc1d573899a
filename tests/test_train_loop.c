/* The training loop on synthetic data: reproducibility and bit-exact resume
 * on the CPU reference, the reference and OpenCL paths agreeing, stops,
 * NaN detection, evaluation. */
#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/device.h"
#include "clcnn/train.h"
#include "test_env.h"
#include "test_files.h"
#include "train_fixtures.h"

/* Small enough for many runs under AddressSanitizer: 16x16 images, batchnorm
 * (running statistics are state) and dropout (masks depend on the step). */
static const char *const tiny_model = "input 3 16 16\n"
                                      "conv 6 3 pad=1 bias=0\n"
                                      "batchnorm\n"
                                      "relu\n"
                                      "maxpool 2\n"
                                      "fc 24\n"
                                      "relu\n"
                                      "dropout 0.25\n"
                                      "fc 4\n";

/* A graph: an identity shortcut from the stem, a projection (stride-2 1x1
 * conv + batchnorm) beside a strided branch, global average pooling. */
static const char *const tiny_graph_model = "input 3 16 16\n"
                                            "conv 4 3 pad=1 bias=0\n"
                                            "batchnorm\n"
                                            "relu name=stem\n"
                                            "conv 4 3 pad=1 bias=0\n"
                                            "batchnorm\n"
                                            "add stem\n"
                                            "relu name=block\n"
                                            "conv 8 3 pad=1 stride=2 bias=0\n"
                                            "batchnorm name=main\n"
                                            "conv 8 1 stride=2 bias=0 from=block\n"
                                            "batchnorm\n"
                                            "add main\n"
                                            "relu\n"
                                            "avgpool global\n"
                                            "fc 4\n";

#define MAX_STEPS 64

typedef struct recorder {
    double loss[MAX_STEPS + 1]; /* per iteration (1-based) */
    long last_iteration;
    int epochs_reported;
    long stop_at;                     /* set *stop when this iteration is reported */
    volatile sig_atomic_t *stop;
} recorder;

static clcnn_status record(clcnn_trainer *t, const clcnn_train_progress *p, void *user)
{
    (void)t;
    recorder *r = user;
    if (p->iteration <= MAX_STEPS)
        r->loss[p->iteration] = p->last_loss;
    r->last_iteration = p->iteration;
    r->epochs_reported += p->kind == CLCNN_PROGRESS_EPOCH;
    if (r->stop && p->iteration == r->stop_at)
        *r->stop = 1;
    return CLCNN_OK;
}

static clcnn_train_hooks every_step(recorder *r)
{
    clcnn_train_hooks h;
    memset(&h, 0, sizeof h);
    h.progress = record;
    h.user = r;
    h.report_every = 1;
    return h;
}

static clcnn_dataset train_set, val_set;
static clcnn_model_spec tiny, tiny_graph;

static void setup(void)
{
    train_fixture_dataset(&train_set, 100, 3, 16, 4, 7); /* 100 / 16: 6 steps an epoch, 4 dropped */
    train_fixture_dataset(&val_set, 37, 3, 16, 4, 8);    /* not a multiple of the batch */
    ck_assert_int_eq(clcnn_model_spec_parse(tiny_model, "tiny", &tiny), CLCNN_OK);
    ck_assert_int_eq(clcnn_model_spec_parse(tiny_graph_model, "tiny graph", &tiny_graph),
                     CLCNN_OK);
}

static void teardown(void)
{
    clcnn_dataset_free(&train_set);
    clcnn_dataset_free(&val_set);
}

static clcnn_train_config tiny_config(long iterations)
{
    clcnn_train_config c = clcnn_train_config_default();
    c.batch = 16;
    c.iterations = iterations;
    c.optimizer.lr = 0.02f;
    c.crop_pad = 2;
    c.flip = 1;
    c.seed = 42;
    return c;
}

static clcnn_backend *ref_backend(void)
{
    clcnn_backend *be = NULL;
    ck_assert_int_eq(clcnn_backend_ref_create(&be), CLCNN_OK);
    return be;
}

static float *flat_of(clcnn_trainer *t)
{
    clcnn_net *net = clcnn_trainer_net(t);
    float *flat = malloc(sizeof(float) * clcnn_net_flat_count(net));
    ck_assert_int_eq(clcnn_net_get_flat(net, flat), CLCNN_OK);
    return flat;
}

/* Train cfg on backend from scratch; returns the parameters, fills r. */
static float *train_run(clcnn_backend *be, const clcnn_model_spec *spec,
                        const clcnn_dataset *train, const clcnn_dataset *val,
                        const clcnn_train_config *cfg, recorder *r, size_t *count)
{
    clcnn_trainer *t = NULL;
    ck_assert_msg(clcnn_trainer_create(be, spec, train, val, NULL, cfg, &t) == CLCNN_OK, "%s",
                  clcnn_last_error());
    clcnn_train_hooks h = every_step(r);
    ck_assert_msg(clcnn_trainer_run(t, &h) == CLCNN_OK, "%s", clcnn_last_error());
    ck_assert(clcnn_trainer_done(t));
    *count = clcnn_net_flat_count(clcnn_trainer_net(t));
    float *flat = flat_of(t);
    clcnn_trainer_destroy(t);
    return flat;
}

START_TEST(cpu_training_is_bit_reproducible)
{
    clcnn_backend *be = ref_backend();
    clcnn_train_config cfg = tiny_config(24);
    recorder a = {0}, b = {0};
    size_t n;
    float *pa = train_run(be, &tiny, &train_set, &val_set, &cfg, &a, &n);
    float *pb = train_run(be, &tiny, &train_set, &val_set, &cfg, &b, &n);
    for (int i = 1; i <= 24; i++)
        ck_assert_msg(a.loss[i] == b.loss[i], "iteration %d: %.9g vs %.9g", i, a.loss[i],
                      b.loss[i]);
    ck_assert_int_eq(memcmp(pa, pb, sizeof(float) * n), 0);
    ck_assert_int_eq(a.epochs_reported, 4); /* 24 steps of 6 */
    ck_assert(a.loss[24] < a.loss[1]); /* it learns */
    free(pa);
    free(pb);
    clcnn_backend_destroy(be);
}
END_TEST

/* _i = 0: the stack, 1: the graph (whose checkpoint must record the graph). */
START_TEST(resume_is_bit_exact_on_cpu)
{
    const clcnn_model_spec *model = _i ? &tiny_graph : &tiny;
    clcnn_backend *be = ref_backend();
    clcnn_train_config cfg = tiny_config(40);
    cfg.optimizer.kind = CLCNN_OPT_ADAM; /* two optimizer states and the step counter */
    cfg.optimizer.lr = 0.003f;
    cfg.label_smoothing = 0.1f; /* the checkpoint must carry both: the resumed trainer is */
    cfg.warmup = 30;            /* made from its config, and the stop falls in the warm-up */
    recorder whole = {0}, first = {0}, second = {0};
    size_t n;
    float *straight = train_run(be, model, &train_set, &val_set, &cfg, &whole, &n);

    /* 20 steps (mid-epoch: 20 = 3*6 + 2), checkpoint, new trainer, 20 more */
    const char *path = test_tmp_path("resume.ckpt");
    clcnn_trainer *t = NULL;
    ck_assert_int_eq(clcnn_trainer_create(be, model, &train_set, &val_set, NULL, &cfg, &t),
                     CLCNN_OK);
    clcnn_train_hooks h = every_step(&first);
    h.until_iteration = 20;
    ck_assert_int_eq(clcnn_trainer_run(t, &h), CLCNN_OK);
    ck_assert_int_eq(clcnn_trainer_iteration(t), 20);
    ck_assert_msg(clcnn_trainer_save(t, path, NULL, 0) == CLCNN_OK, "%s", clcnn_last_error());
    clcnn_trainer_destroy(t);

    clcnn_checkpoint k;
    ck_assert_msg(clcnn_checkpoint_read(path, &k) == CLCNN_OK, "%s", clcnn_last_error());
    ck_assert(clcnn_model_spec_equal(&k.spec, model)); /* sources, summands and all */
    for (int i = 0; i < model->n_layers; i++)
        ck_assert_str_eq(k.spec.layers[i].name, model->layers[i].name);
    ck_assert_int_eq(clcnn_trainer_create(be, model, &train_set, &val_set, NULL, &k.config, &t),
                     CLCNN_OK);
    ck_assert_msg(clcnn_trainer_restore(t, &k) == CLCNN_OK, "%s", clcnn_last_error());
    clcnn_checkpoint_free(&k);
    h = every_step(&second);
    ck_assert_int_eq(clcnn_trainer_run(t, &h), CLCNN_OK);
    ck_assert_int_eq(clcnn_trainer_iteration(t), 40);
    float *resumed = flat_of(t);
    clcnn_trainer_destroy(t);

    for (int i = 1; i <= 20; i++)
        ck_assert_msg(first.loss[i] == whole.loss[i], "iteration %d differs before the stop", i);
    for (int i = 21; i <= 40; i++)
        ck_assert_msg(second.loss[i] == whole.loss[i], "iteration %d: resumed %.9g, straight %.9g",
                      i, second.loss[i], whole.loss[i]);
    ck_assert_int_eq(memcmp(straight, resumed, sizeof(float) * n), 0);
    free(straight);
    free(resumed);
    clcnn_backend_destroy(be);
}
END_TEST

START_TEST(stop_flag_ends_after_the_current_step)
{
    clcnn_backend *be = ref_backend();
    clcnn_train_config cfg = tiny_config(30);
    clcnn_trainer *t = NULL;
    ck_assert_int_eq(clcnn_trainer_create(be, &tiny, &train_set, NULL, NULL, &cfg, &t), CLCNN_OK);
    volatile sig_atomic_t stop = 0;
    recorder r = {0};
    r.stop = &stop;
    r.stop_at = 5;
    clcnn_train_hooks h = every_step(&r);
    h.stop = &stop;
    ck_assert_int_eq(clcnn_trainer_run(t, &h), CLCNN_ERR_INTERRUPTED);
    ck_assert(strstr(clcnn_last_error(), "interrupted after iteration 5") != NULL);
    ck_assert_int_eq(clcnn_trainer_iteration(t), 5);
    clcnn_trainer_destroy(t);
    clcnn_backend_destroy(be);
}
END_TEST

START_TEST(exploding_loss_names_its_iteration)
{
    clcnn_backend *be = ref_backend();
    clcnn_model_spec plain; /* no batchnorm to tame the explosion */
    ck_assert_int_eq(clcnn_model_spec_parse("input 3 16 16\nfc 32\nrelu\nfc 4\n", "plain", &plain),
                     CLCNN_OK);
    clcnn_train_config cfg = tiny_config(50);
    cfg.optimizer.lr = 10.0f;
    cfg.optimizer.kind = CLCNN_OPT_SGD;
    cfg.schedule.kind = CLCNN_LR_CONSTANT;
    clcnn_trainer *t = NULL;
    ck_assert_int_eq(clcnn_trainer_create(be, &plain, &train_set, NULL, NULL, &cfg, &t), CLCNN_OK);
    clcnn_train_hooks h;
    memset(&h, 0, sizeof h);
    h.report_every = 8; /* the culprit is found inside a group of steps */
    ck_assert_int_eq(clcnn_trainer_run(t, &h), CLCNN_ERR_NUMERIC);
    const char *msg = clcnn_last_error();
    long iteration = 0;
    const char *at = strstr(msg, "at iteration ");
    ck_assert_msg(at != NULL, "%s", msg);
    iteration = strtol(at + strlen("at iteration "), NULL, 10);
    ck_assert_int_ge(iteration, 1);
    ck_assert_int_le(iteration, clcnn_trainer_iteration(t));
    clcnn_trainer_destroy(t);
    clcnn_backend_destroy(be);
}
END_TEST

START_TEST(evaluation_counts_every_image)
{
    clcnn_backend *be = ref_backend();
    clcnn_train_config cfg = tiny_config(12);
    clcnn_trainer *t = NULL;
    ck_assert_int_eq(clcnn_trainer_create(be, &tiny, &train_set, &val_set, NULL, &cfg, &t),
                     CLCNN_OK);
    ck_assert_int_eq(clcnn_trainer_run(t, NULL), CLCNN_OK);
    clcnn_eval_result r;
    ck_assert_int_eq(clcnn_trainer_evaluate_val(t, &r), CLCNN_OK);
    ck_assert_int_eq(r.count, 37); /* two full batches of 16 and one of 5 */
    long total = 0, diagonal = 0;
    int per_class[4] = {0};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            total += r.confusion[i * 4 + j];
            per_class[i] += r.confusion[i * 4 + j];
            diagonal += i == j ? r.confusion[i * 4 + j] : 0;
        }
    ck_assert_int_eq(total, 37);
    for (int i = 0; i < 37; i++)
        per_class[val_set.labels[i]]--;
    for (int k = 0; k < 4; k++)
        ck_assert_int_eq(per_class[k], 0); /* rows are the true labels */
    ck_assert_double_eq_tol(r.accuracy, diagonal / 37.0, 1e-12);
    ck_assert(isfinite(r.loss) && r.loss > 0);
    clcnn_eval_result_free(&r);
    /* No test set was given */
    ck_assert_int_eq(clcnn_trainer_evaluate_test(t, &r), CLCNN_ERR_ARG);
    clcnn_trainer_destroy(t);
    clcnn_backend_destroy(be);
}
END_TEST

/* Parameters after one SGD step, in clcnn_net_params() order, concatenated. */
static float *params_after_one_step(clcnn_backend *be, float l2, float weight_decay)
{
    clcnn_train_config cfg = tiny_config(1);
    cfg.optimizer.kind = CLCNN_OPT_SGD;
    cfg.optimizer.lr = 0.1f;
    cfg.optimizer.l2 = l2;
    cfg.optimizer.weight_decay = weight_decay;
    clcnn_trainer *t = NULL;
    ck_assert_int_eq(clcnn_trainer_create(be, &tiny, &train_set, NULL, NULL, &cfg, &t), CLCNN_OK);
    ck_assert_int_eq(clcnn_trainer_run(t, NULL), CLCNN_OK);
    int count = 0;
    const clcnn_param *p = clcnn_net_params(clcnn_trainer_net(t), &count);
    size_t total = 0;
    for (int i = 0; i < count; i++)
        total += p[i].value->count;
    float *all = malloc(sizeof(float) * total), *at = all;
    for (int i = 0; i < count; i++) {
        ck_assert_int_eq(clcnn_tensor_download(p[i].value, 0, p[i].value->count, at), CLCNN_OK);
        at += p[i].value->count;
    }
    clcnn_trainer_destroy(t);
    return all;
}

/* L2 and weight decay change conv/fc weights only: biases and batchnorm's
 * gamma and beta come out of a step exactly as without them. */
START_TEST(l2_and_weight_decay_leave_biases_and_batchnorm_alone)
{
    clcnn_backend *be = ref_backend();
    float *plain = params_after_one_step(be, 0, 0);
    float *l2 = params_after_one_step(be, 0.5f, 0);
    float *decay = params_after_one_step(be, 0, 0.5f);
    clcnn_net *net = NULL; /* only for the parameter list */
    ck_assert_int_eq(clcnn_net_create(be, &tiny, 1, 1, &net), CLCNN_OK);
    int count = 0, weights = 0, others = 0;
    const clcnn_param *p = clcnn_net_params(net, &count);
    size_t at = 0;
    for (int i = 0; i < count; i++) {
        size_t n = p[i].value->count;
        int same_l2 = memcmp(plain + at, l2 + at, sizeof(float) * n) == 0;
        int same_decay = memcmp(plain + at, decay + at, sizeof(float) * n) == 0;
        if (p[i].is_weight) {
            weights++;
            ck_assert_msg(!same_l2 && !same_decay, "%s: not regularized", p[i].name);
        } else {
            others++;
            ck_assert_msg(same_l2 && same_decay, "%s: regularized", p[i].name);
        }
        at += n;
    }
    ck_assert_int_eq(weights, 3);  /* conv, fc, fc */
    ck_assert_int_eq(others, 4);   /* bn gamma and beta, two fc biases */
    clcnn_net_destroy(net);
    free(plain);
    free(l2);
    free(decay);
    clcnn_backend_destroy(be);
}
END_TEST

START_TEST(create_rejects_mismatched_data)
{
    clcnn_backend *be = ref_backend();
    clcnn_train_config cfg = tiny_config(4);
    clcnn_trainer *t = NULL;
    clcnn_model_spec small;
    ck_assert_int_eq(clcnn_model_spec_preset("small", &small), CLCNN_OK); /* 3x32x32 input */
    ck_assert_int_eq(clcnn_trainer_create(be, &small, &train_set, NULL, NULL, &cfg, &t),
                     CLCNN_ERR_ARG);
    ck_assert(strstr(clcnn_last_error(), "3x16x16") != NULL);
    cfg.batch = 101; /* more than the 100 training images */
    ck_assert_int_eq(clcnn_trainer_create(be, &tiny, &train_set, NULL, NULL, &cfg, &t),
                     CLCNN_ERR_ARG);
    ck_assert(strstr(clcnn_last_error(), "fewer than one batch") != NULL);
    clcnn_backend_destroy(be);
}
END_TEST

/* The `small` preset, 50 iterations of plain SGD from one seed on the
 * reference and on the OpenCL device. Both start from identical parameters
 * and batches; they differ only in the rounding of float sums taken in other
 * orders (GEMM tiling, reductions), ~1e-7 relative per op: measured worst
 * loss difference ~1e-6 relative over the 50 steps, parameters ~1e-7. The
 * tolerances leave a 100x margin. (With momentum and augmentation a
 * near-tied max-pool window or ReLU can flip on one backend and route one
 * gradient elsewhere; the runs then drift apart by up to ~1e-2 over 50
 * steps, which says nothing about either backend's correctness.) */
#define LOSS_TOL 1e-4
#define PARAM_TOL 1e-5

START_TEST(reference_and_opencl_agree)
{
    clcnn_device_info *devices = NULL;
    int count = 0;
    ck_assert_int_eq(clcnn_devices_list(&devices, &count), CLCNN_OK);
    free(devices);
    if (count == 0) {
        fprintf(stderr, "skipped: no OpenCL device\n");
        return;
    }
    clcnn_backend *cl = NULL;
    ck_assert_msg(clcnn_backend_cl_create(NULL, &cl) == CLCNN_OK, "%s", clcnn_last_error());
    clcnn_backend *ref = ref_backend();
    clcnn_model_spec small;
    ck_assert_int_eq(clcnn_model_spec_preset("small", &small), CLCNN_OK);
    clcnn_dataset train32;
    train_fixture_dataset(&train32, 64, 3, 32, 10, 11);
    clcnn_train_config cfg = tiny_config(50);
    cfg.batch = 8;
    cfg.optimizer.kind = CLCNN_OPT_SGD;
    cfg.optimizer.lr = 0.01f;
    cfg.crop_pad = 0;
    cfg.flip = 0;
    recorder a = {0}, b = {0};
    size_t n;
    float *pr = train_run(ref, &small, &train32, NULL, &cfg, &a, &n);
    float *pc = train_run(cl, &small, &train32, NULL, &cfg, &b, &n);
    double worst = 0;
    for (int i = 1; i <= 50; i++) {
        double rel = fabs(a.loss[i] - b.loss[i]) / fmax(1.0, fabs(a.loss[i]));
        worst = fmax(worst, rel);
        ck_assert_msg(rel <= LOSS_TOL, "iteration %d: ref %.7g, cl %.7g", i, a.loss[i], b.loss[i]);
    }
    double param_diff = 0;
    for (size_t i = 0; i < n; i++)
        param_diff = fmax(param_diff, fabs((double)pr[i] - pc[i]));
    ck_assert_msg(param_diff <= PARAM_TOL, "parameters differ by up to %g", param_diff);
    ck_assert(a.loss[50] < 0.5 * a.loss[1]); /* and it did learn */
    fprintf(stderr, "ref vs cl, 50 iterations of small: worst relative loss difference %.3g, "
            "parameters %.3g\n", worst, param_diff);
    free(pr);
    free(pc);
    clcnn_dataset_free(&train32);
    clcnn_backend_destroy(ref);
    clcnn_backend_destroy(cl);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("train_loop");
    TCase *tc = tcase_create("cpu");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, cpu_training_is_bit_reproducible);
    tcase_add_loop_test(tc, resume_is_bit_exact_on_cpu, 0, 2);
    tcase_add_test(tc, l2_and_weight_decay_leave_biases_and_batchnorm_alone);
    tcase_add_test(tc, stop_flag_ends_after_the_current_step);
    tcase_add_test(tc, exploding_loss_names_its_iteration);
    tcase_add_test(tc, evaluation_counts_every_image);
    tcase_add_test(tc, create_rejects_mismatched_data);
    suite_add_tcase(s, tc);
    TCase *dev = tcase_create("opencl");
    tcase_add_checked_fixture(dev, setup, teardown);
    tcase_set_timeout(dev, 300);
    tcase_add_test(dev, reference_and_opencl_agree);
    suite_add_tcase(s, dev);
    return s;
}

int main(void)
{
    return test_run_suite(suite());
}
