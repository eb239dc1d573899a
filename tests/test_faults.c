/* Faults that must lose nothing: device memory exhaustion (the
 * CLCNN_MAX_DEVICE_MB cap) frees what was allocated and leaves the last
 * checkpoint as it was; a NaN loss stops training naming its iteration and
 * keeps the last good checkpoint; checkpoints cross between OpenCL and --cpu
 * through the tool; and every OpenCL object a backend, a net and a trainer
 * create is released when they are destroyed. */
#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cl/cl_objects.h"
#include "cl/cl_ops.h"
#include "cl/cl_runtime.h"
#include "clcnn/device.h"
#include "clcnn/train.h"
#include "data_fixtures.h"
#include "test_env.h"
#include "test_files.h"
#include "train_fixtures.h"

static char out[65536];
static char data_dir[2048], model_path[2048], deep_path[2048];

/* Linear layers only: plain SGD at a high rate makes the loss overflow within
 * a few steps. */
static const char *const deep_text = "input 3 32 32\n"
                                     "fc 256\n"
                                     "fc 256\n"
                                     "fc 256\n"
                                     "fc 10\n";

static void setup(void)
{
    snprintf(data_dir, sizeof data_dir, "%s", test_tmp_path("faults-cifar"));
    ck_assert_int_eq(train_fixture_write_cifar10(data_dir, 64, 16, 8), 0);
    snprintf(model_path, sizeof model_path, "%s", test_tmp_path("faults-model.txt"));
    test_write_text(model_path, test_small_model);
    snprintf(deep_path, sizeof deep_path, "%s", test_tmp_path("faults-deep.txt"));
    test_write_text(deep_path, deep_text);
}

/* Run "[ENV] clcnn ARGS" (printf-style); output in out, exit status returned. */
static int run(const char *fmt, ...)
{
    char line[16000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    return test_run(line, out, sizeof out);
}

/* 1 when an OpenCL device exists (else the test is skipped, saying so). */
static int have_opencl(void)
{
    clcnn_device_info *devices = NULL;
    int count = 0;
    ck_assert_int_eq(clcnn_devices_list(&devices, &count), CLCNN_OK);
    free(devices);
    if (count == 0)
        fprintf(stderr, "skipped: no OpenCL device\n");
    return count > 0;
}

/* Buffers the backend itself keeps between ops (GEMM scratch, input
 * normalization constants): they live until the backend is destroyed. */
static long backend_buffers(clcnn_backend *be)
{
    const clcnn_cl_backend *state = clcnn_cl_backend_of(be);
    return (state->gemm_scratch[0].storage != NULL) + (state->gemm_scratch[1].storage != NULL) +
           (state->input_params.storage != NULL);
}

static void assert_no_live_cl_objects(const char *when)
{
    for (int k = 0; k < CLCNN_CL_OBJ_KINDS; k++)
        ck_assert_msg(clcnn_cl_objects_live(k) == 0, "%s: %ld %s still alive", when,
                      clcnn_cl_objects_live(k), clcnn_cl_object_name(k));
}

/* -------------------------------------------------- OpenCL object counts */

START_TEST(every_opencl_object_is_released)
{
    if (!have_opencl())
        return;
    assert_no_live_cl_objects("before the backend");
    clcnn_dataset train;
    train_fixture_dataset(&train, 32, 3, 32, 10, 4);
    clcnn_model_spec spec;
    ck_assert_int_eq(clcnn_model_spec_parse(test_small_model, "faults-model", &spec), CLCNN_OK);
    clcnn_backend *be = NULL;
    ck_assert_msg(clcnn_backend_cl_create(NULL, &be) == CLCNN_OK, "%s", clcnn_last_error());
    ck_assert_int_eq(clcnn_cl_objects_live(CLCNN_CL_OBJ_CONTEXT), 1);
    ck_assert_int_eq(clcnn_cl_objects_live(CLCNN_CL_OBJ_QUEUE), 1);
    ck_assert_int_eq(clcnn_cl_objects_live(CLCNN_CL_OBJ_PROGRAM), 1);

    clcnn_train_config cfg = clcnn_train_config_default();
    cfg.optimizer.kind = CLCNN_OPT_ADAM; /* two state tensors per parameter */
    cfg.optimizer.lr = 0.001f;
    cfg.batch = 8;
    cfg.iterations = 6;
    clcnn_trainer *t = NULL;
    ck_assert_msg(clcnn_trainer_create(be, &spec, &train, &train, NULL, &cfg, &t) == CLCNN_OK,
                  "%s", clcnn_last_error());
    clcnn_train_hooks hooks = {.report_every = 2};
    ck_assert_msg(clcnn_trainer_run(t, &hooks) == CLCNN_OK, "%s", clcnn_last_error());
    ck_assert_int_gt(clcnn_cl_objects_live(CLCNN_CL_OBJ_MEM), 0);
    ck_assert_int_gt(clcnn_cl_objects_live(CLCNN_CL_OBJ_KERNEL), 0);
    clcnn_checkpoint k;
    ck_assert_int_eq(clcnn_trainer_snapshot(t, &k), CLCNN_OK);
    clcnn_trainer_destroy(t);
    ck_assert_int_eq(clcnn_cl_objects_live(CLCNN_CL_OBJ_MEM), backend_buffers(be));

    /* an inference net from the snapshot, evaluated while the bench's event
     * recording keeps every launch's event (left for the backend to release) */
    clcnn_net *net = NULL;
    ck_assert_int_eq(clcnn_checkpoint_create_net(&k, be, 16, &net), CLCNN_OK);
    clcnn_cl_set_recording(be, 1);
    clcnn_eval_result r;
    ck_assert_int_eq(clcnn_evaluate(net, k.mean, k.std, &train, cfg.loss, &r), CLCNN_OK);
    clcnn_eval_result_free(&r);
    ck_assert_int_gt(clcnn_cl_objects_live(CLCNN_CL_OBJ_EVENT), 0);
    clcnn_net_destroy(net);
    ck_assert_int_eq(clcnn_cl_objects_live(CLCNN_CL_OBJ_MEM), backend_buffers(be));
    clcnn_checkpoint_free(&k);
    clcnn_backend_destroy(be);
    assert_no_live_cl_objects("after destroying everything");
    clcnn_dataset_free(&train);
}
END_TEST

/* --------------------------------------------- device memory exhaustion */

START_TEST(device_memory_cap_fails_cleanly_in_the_library)
{
    if (!have_opencl())
        return;
    clcnn_dataset train;
    train_fixture_dataset(&train, 32, 3, 32, 10, 4);
    clcnn_model_spec spec;
    ck_assert_int_eq(clcnn_model_spec_preset("small", &spec), CLCNN_OK);
    clcnn_backend *be = NULL;
    ck_assert_msg(clcnn_backend_cl_create(NULL, &be) == CLCNN_OK, "%s", clcnn_last_error());
    const long mem_before = clcnn_cl_objects_live(CLCNN_CL_OBJ_MEM);
    clcnn_train_config cfg = clcnn_train_config_default();
    cfg.batch = 16;
    cfg.iterations = 1;
    /* the small preset needs a few MiB for a batch of 16: 1 MiB runs out
     * part way through the network's tensors */
    setenv("CLCNN_MAX_DEVICE_MB", "1", 1);
    clcnn_trainer *t = NULL;
    clcnn_status st = clcnn_trainer_create(be, &spec, &train, NULL, NULL, &cfg, &t);
    unsetenv("CLCNN_MAX_DEVICE_MB");
    ck_assert_int_eq(st, CLCNN_ERR_NOMEM);
    ck_assert_ptr_null(t);
    const char *msg = clcnn_last_error();
    ck_assert_msg(strstr(msg, "allocating tensor ") && strstr(msg, " bytes)") &&
                      strstr(msg, "CLCNN_MAX_DEVICE_MB=1"), "%s", msg);
    /* everything allocated before the failure was freed */
    ck_assert_int_eq(be->counters.bytes_in_use, 0);
    ck_assert_int_eq(clcnn_cl_objects_live(CLCNN_CL_OBJ_MEM), mem_before);
    ck_assert_int_gt(be->counters.bytes_peak, 0);
    /* and the backend is still usable without the cap */
    ck_assert_msg(clcnn_trainer_create(be, &spec, &train, NULL, NULL, &cfg, &t) == CLCNN_OK, "%s",
                  clcnn_last_error());
    ck_assert_int_eq(clcnn_trainer_run(t, NULL), CLCNN_OK);
    clcnn_trainer_destroy(t);
    clcnn_backend_destroy(be);
    assert_no_live_cl_objects("after the capped run");
    clcnn_dataset_free(&train);
}
END_TEST

START_TEST(device_memory_cap_keeps_the_checkpoint)
{
    if (!have_opencl())
        return;
    const char *ckpt = test_tmp_path("faults-oom.ckpt");
    unlink(ckpt);
    ck_assert_msg(run("%s train --cpu --quiet --data %s --model small --epochs 1 --batch 16 "
                      "--val 0 --save %s", CLCNN_EXE, data_dir, ckpt) == 0, "%s", out);
    size_t before_size, after_size;
    uint8_t *before = test_read_file(ckpt, &before_size);
    int status = run("CLCNN_MAX_DEVICE_MB=1 %s train --no-check --resume %s --epochs 2 --save %s",
                     CLCNN_EXE, ckpt, ckpt);
    ck_assert_msg(status == 1, "exit %d: %s", status, out);
    ck_assert_msg(strstr(out, "allocating tensor ") && strstr(out, " bytes)") &&
                      strstr(out, "out of device memory"), "%s", out);
    uint8_t *after = test_read_file(ckpt, &after_size);
    ck_assert_msg(after_size == before_size && memcmp(before, after, before_size) == 0,
                  "the checkpoint changed");
    free(before);
    free(after);
    /* the same resume without the cap goes on from it */
    ck_assert_msg(run("%s train --no-check --quiet --resume %s --epochs 2 --save %s", CLCNN_EXE,
                      ckpt, ckpt) == 0, "%s", out);
    clcnn_checkpoint k;
    ck_assert_int_eq(clcnn_checkpoint_read(ckpt, &k), CLCNN_OK);
    ck_assert_int_eq(k.iteration, 8); /* 64 images / 16: 4 steps an epoch */
    clcnn_checkpoint_free(&k);
}
END_TEST

/* ------------------------------------------------------------- NaN loss */

/* The iteration named by "the loss became NaN/infinite at iteration N". */
static long failing_iteration(void)
{
    const char *p = strstr(out, "at iteration ");
    ck_assert_msg(p && (strstr(out, "became NaN") || strstr(out, "became infinite")), "%s", out);
    return strtol(p + strlen("at iteration "), NULL, 10);
}

START_TEST(nan_loss_stops_and_keeps_the_last_good_checkpoint)
{
    const char *ckpt = test_tmp_path("faults-nan.ckpt");
    unlink(ckpt);
    /* 64 images, batch 32: a checkpoint every 2 steps until the loss overflows */
    int status = run("%s train --cpu --data %s --model %s --optimizer sgd --lr 1 --lr-decay none "
                     "--l2 0 --no-augment --batch 32 --val 0 --epochs 50 --save %s",
                     CLCNN_EXE, data_dir, deep_path, ckpt);
    ck_assert_msg(status == 1, "exit %d: %s", status, out);
    long bad = failing_iteration();
    ck_assert_msg(bad > 2 && bad < 100, "NaN at iteration %ld: %s", bad, out);
    clcnn_checkpoint k;
    ck_assert_msg(clcnn_checkpoint_read(ckpt, &k) == CLCNN_OK, "%s", clcnn_last_error());
    /* the last whole epoch before the bad step, with finite parameters */
    ck_assert_int_eq(k.iteration, (bad - 1) / 2 * 2);
    for (size_t i = 0; i < k.flat_count; i++)
        ck_assert_msg(isfinite(k.flat[i]), "parameter %zu is %g", i, (double)k.flat[i]);
    clcnn_checkpoint_free(&k);

    /* a fresh run that diverges before its first save leaves an existing
     * checkpoint byte for byte as it was */
    size_t before_size, after_size;
    uint8_t *before = test_read_file(ckpt, &before_size);
    status = run("%s train --cpu --data %s --model %s --optimizer sgd --lr 10 --lr-decay none "
                 "--l2 0 --batch 8 --val 0 --epochs 50 --save %s", CLCNN_EXE, data_dir, deep_path,
                 ckpt);
    ck_assert_msg(status == 1, "exit %d: %s", status, out);
    ck_assert_int_lt(failing_iteration(), 8);
    uint8_t *after = test_read_file(ckpt, &after_size);
    ck_assert(after_size == before_size && memcmp(before, after, before_size) == 0);
    free(before);
    free(after);
}
END_TEST

/* ------------------------------------------- checkpoints across backends */

START_TEST(checkpoints_cross_between_opencl_and_cpu)
{
    if (!have_opencl())
        return;
    const char *ckpt = test_tmp_path("faults-cross.ckpt");
    unlink(ckpt);
    /* 64 images / batch 16: 4 steps an epoch */
    ck_assert_msg(run("%s train --no-check --quiet --data %s --model %s --batch 16 --val 0 "
                      "--iters 4 --save %s", CLCNN_EXE, data_dir, model_path, ckpt) == 0, "%s",
                  out);
    ck_assert_msg(run("%s train --cpu --resume %s --iters 8 --save %s", CLCNN_EXE, ckpt, ckpt) == 0,
                  "%s", out);
    ck_assert_msg(strstr(out, "resuming at iteration 4") && strstr(out, "CPU reference"), "%s",
                  out);
    ck_assert_msg(run("%s train --no-check --resume %s --iters 12 --save %s", CLCNN_EXE, ckpt,
                      ckpt) == 0, "%s", out);
    ck_assert_msg(strstr(out, "resuming at iteration 8") && strstr(out, "OpenCL device"), "%s",
                  out);
    clcnn_checkpoint k;
    ck_assert_int_eq(clcnn_checkpoint_read(ckpt, &k), CLCNN_OK);
    ck_assert_int_eq(k.iteration, 12);
    clcnn_checkpoint_free(&k);
    ck_assert_msg(run("%s eval --cpu --model %s", CLCNN_EXE, ckpt) == 0, "%s", out);
    ck_assert_msg(run("%s eval --model %s", CLCNN_EXE, ckpt) == 0, "%s", out);
    ck_assert_msg(strstr(out, "(16/16)") || strstr(out, "/16)"), "%s", out);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("faults");
    TCase *tc = tcase_create("faults");
    tcase_add_unchecked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, every_opencl_object_is_released);
    tcase_add_test(tc, device_memory_cap_fails_cleanly_in_the_library);
    tcase_add_test(tc, device_memory_cap_keeps_the_checkpoint);
    tcase_add_test(tc, nan_loss_stops_and_keeps_the_last_good_checkpoint);
    tcase_add_test(tc, checkpoints_cross_between_opencl_and_cpu);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(suite());
}
