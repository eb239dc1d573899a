/* Device checks (clcnn/check.h, `clcnn check`, the check before `clcnn train`):
 * the check passes on the real kernels and fails, naming the op, on kernels
 * broken on purpose; train refuses a failing device unless --no-check; the
 * outcome is recorded per device, driver, version and kernel folder. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/check.h"
#include "clcnn/op_cases.h"
#include "data_fixtures.h"
#include "test_env.h"
#include "test_files.h"
#include "train_fixtures.h"

static char out[262144];
static char kernel_dir[4096], cache_dir[4096], data_dir[4096];

/* The ReLU line of clcnn_act in kernels/common.cl (the activation forward
 * kernel, and the pooling and batchnorm kernels with a fused ReLU), and a
 * wrong version. */
#define RELU_LINE "return z > 0.0f ? z : 0.0f;"
#define BROKEN_RELU_LINE "return z < 0.0f ? z : 0.0f;"

static int clcnn(const char *env, const char *args)
{
    char line[20000];
    snprintf(line, sizeof line, "env %s CLCNN_CACHE_DIR=%s %s %s", env, cache_dir, CLCNN_EXE, args);
    return test_run(line, out, sizeof out);
}

/* The cache folder the suites share (CTest sets CLCNN_CACHE_DIR). Built
 * programs are keyed by their source, so tests that build the same kernels
 * take them from there instead of compiling them again (seconds each under
 * AddressSanitizer); check records are also keyed by CLCNN_KERNEL_DIR, so
 * each test's own kernel folder keeps its records apart. */
static void use_shared_cache(void)
{
    const char *shared = getenv("CLCNN_CACHE_DIR");
    snprintf(cache_dir, sizeof cache_dir, "%s",
             shared && *shared ? shared : test_tmp_path("kernel-cache"));
}

/* A cache folder of the test's own, without check records, holding the
 * shared folder's built programs (when there are any). */
static void use_fresh_cache(const char *name)
{
    use_shared_cache();
    char shared[4096], line[9000], log[4096];
    snprintf(shared, sizeof shared, "%s", cache_dir);
    snprintf(cache_dir, sizeof cache_dir, "%s", test_tmp_path(name));
    fixture_remove_tree(cache_dir);
    ck_assert_int_eq(fixture_mkdir(cache_dir), 0);
    snprintf(line, sizeof line, "cp %s/*.bin %s/ 2>/dev/null || true", shared, cache_dir);
    test_run(line, log, sizeof log);
}

/* The kernels/ .cl files copied to a folder of the test's own. */
static void copy_kernels(const char *name)
{
    snprintf(kernel_dir, sizeof kernel_dir, "%s", test_tmp_path(name));
    fixture_remove_tree(kernel_dir);
    ck_assert_int_eq(fixture_mkdir(kernel_dir), 0);
    char line[9000], log[4096];
    snprintf(line, sizeof line, "cp %s/kernels/*.cl %s", CLCNN_SOURCE_DIR, kernel_dir);
    ck_assert_msg(test_run(line, log, sizeof log) == 0, "%s", log);
    use_shared_cache();
}

/* Replace the ReLU comparison in the copied common.cl. */
static void break_relu(void)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/common.cl", kernel_dir);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    char *at = strstr(text, RELU_LINE);
    ck_assert_msg(at != NULL, "kernels/common.cl no longer holds '%s': update this test",
                  RELU_LINE);
    memcpy(at, BROKEN_RELU_LINE, strlen(BROKEN_RELU_LINE));
    f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, n, f), n);
    fclose(f);
}

static void expect_in_output(const char *what)
{
    ck_assert_msg(strstr(out, what) != NULL, "expected '%s' in:\n%s", what, out);
}

START_TEST(check_passes_on_the_real_kernels)
{
    copy_kernels("check-good");
    char env[4200], args[4400];
    snprintf(env, sizeof env, "CLCNN_KERNEL_DIR=%s", kernel_dir);
    snprintf(args, sizeof args, "check --quick --json %s/good.json", kernel_dir);
    int status = clcnn(env, args);
    ck_assert_msg(status == 0, "exit %d:\n%s", status, out);
    expect_in_output("PASS  ");
    expect_in_output("act_fwd relu N2 C5 7x5");
    expect_in_output("step cifar N8 grad conv1.weight");
    expect_in_output("PASS: all");
    ck_assert_ptr_null(strstr(out, "FAIL"));
    snprintf(args, sizeof args, "%s/good.json", kernel_dir);
    FILE *f = fopen(args, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(out, 1, sizeof out - 1, f);
    fclose(f);
    out[n] = '\0';
    expect_in_output("\"name\": \"act_fwd relu N2 C5 7x5\", \"error\": 0, \"tolerance\": 1e-06, "
                     "\"pass\": true");
    ck_assert_ptr_null(strstr(out, "\"pass\": false"));
}
END_TEST

/* The whole training step of the residual net (sums, shared buffers, the
 * gradient of a tensor that feeds two layers) on the device against the
 * reference. */
START_TEST(check_passes_on_resnet20)
{
    use_fresh_cache("check-resnet20");
    int status = clcnn("", "check --quick --model resnet20 --batch 4");
    ck_assert_msg(status == 0, "exit %d:\n%s", status, out);
    expect_in_output("add N2 C5 7x5");
    expect_in_output("step resnet20 N4 loss");
    expect_in_output("step resnet20 N4 grad conv21.weight"); /* the last of 21 convolutions */
    expect_in_output("PASS: all");
    ck_assert_ptr_null(strstr(out, "FAIL"));
}
END_TEST

START_TEST(check_fails_on_a_broken_relu_naming_it)
{
    copy_kernels("check-broken");
    break_relu();
    char env[4200];
    snprintf(env, sizeof env, "CLCNN_KERNEL_DIR=%s", kernel_dir);
    int status = clcnn(env, "check --quick");
    ck_assert_msg(status == 1, "exit %d, expected 1:\n%s", status, out);
    expect_in_output("FAIL  ");
    /* the summary line names the failed ops and shapes, first to last */
    expect_in_output("checks failed: maxpool_fwd relu k3 s2 p1 N2 C5 7x5; maxpool_bwd relu k3 s2 "
                     "p1 N2 C5 7x5; bn_train_fwd relu N2 C5 7x5; bn_eval_fwd relu N2 C5 7x5");
    /* ops that do not use ReLU still pass */
    expect_in_output("PASS  0         <= 1e-06   act_fwd leaky_relu N2 C5 7x5");
}
END_TEST

START_TEST(train_refuses_a_failing_device_unless_told)
{
    copy_kernels("check-train");
    break_relu();
    snprintf(data_dir, sizeof data_dir, "%s", test_tmp_path("check-train-data"));
    ck_assert_int_eq(train_fixture_write_cifar10(data_dir, 64, 16, 5), 0);
    char env[4200], args[4400];
    snprintf(env, sizeof env, "CLCNN_KERNEL_DIR=%s", kernel_dir);
    snprintf(args, sizeof args, "train --data %s --model small --iters 1 --batch 8 --val 0",
             data_dir);
    int status = clcnn(env, args);
    ck_assert_msg(status == 1, "exit %d, expected 1:\n%s", status, out);
    expect_in_output("fails its check against the CPU reference: maxpool_fwd relu k3 s2 p1 N2 C5 "
                     "7x5");
    expect_in_output("--no-check");
    ck_assert_int_eq(clcnn(env, "devices"), 0);
    expect_in_output("check: FAILED at maxpool_fwd relu k3 s2 p1 N2 C5 7x5");

    snprintf(args, sizeof args, "train --data %s --model small --iters 1 --batch 8 --val 0 "
             "--no-check", data_dir);
    status = clcnn(env, args);
    ck_assert_msg(status == 0, "exit %d with --no-check:\n%s", status, out);
    ck_assert_ptr_null(strstr(out, "checking device"));
}
END_TEST

START_TEST(train_checks_a_device_once)
{
    use_fresh_cache("check-once-cache");
    snprintf(data_dir, sizeof data_dir, "%s", test_tmp_path("check-once-data"));
    ck_assert_int_eq(train_fixture_write_cifar10(data_dir, 64, 16, 5), 0);
    char args[4400];
    snprintf(args, sizeof args, "train --data %s --model small --iters 1 --batch 8 --val 0",
             data_dir);
    int status = clcnn("", args);
    ck_assert_msg(status == 0, "exit %d:\n%s", status, out);
    expect_in_output("checking device");
    expect_in_output("with a training step of model small"); /* the model being trained */
    expect_in_output("check passed");
    status = clcnn("", args);
    ck_assert_msg(status == 0, "exit %d:\n%s", status, out);
    ck_assert_msg(strstr(out, "checking device") == NULL, "checked again:\n%s", out);
    ck_assert_int_eq(clcnn("", "devices"), 0);
    expect_in_output("check: passed (quick check");
}
END_TEST

/* ---- the library, without a device ---- */

static int results_seen;
static void count_result(const clcnn_check_result *r, void *user)
{
    (void)r;
    (void)user;
    results_seen++;
}

/* The reference against itself: every case runs, every error is 0. */
START_TEST(reference_against_itself_is_exact)
{
    clcnn_backend *a = NULL, *b = NULL;
    ck_assert_int_eq(clcnn_backend_ref_create(&a), CLCNN_OK);
    ck_assert_int_eq(clcnn_backend_ref_create(&b), CLCNN_OK);
    clcnn_model_spec spec;
    ck_assert_int_eq(clcnn_model_spec_preset("small", &spec), CLCNN_OK);
    clcnn_check_options opts = {.quick = 1, .spec = &spec, .batch = 4, .on_result = count_result};
    clcnn_check_report report;
    memset(&report, 0, sizeof report);
    results_seen = 0;
    ck_assert_int_eq(clcnn_check_device(a, b, &opts, &report), CLCNN_OK);
    ck_assert_int_gt(report.count, 30);
    ck_assert_int_eq(results_seen, report.count);
    ck_assert_int_eq(report.failures, 0);
    ck_assert_ptr_null(clcnn_check_report_first_failure(&report));
    int step_results = 0;
    for (int i = 0; i < report.count; i++) {
        ck_assert_msg(report.results[i].error == 0, "%s: %g", report.results[i].name,
                      report.results[i].error);
        step_results += strncmp(report.results[i].name, "step small N4 ", 14) == 0;
    }
    ck_assert_int_ge(step_results, 4); /* logits, loss and gradients */
    clcnn_check_report_free(&report);
    clcnn_backend_destroy(a);
    clcnn_backend_destroy(b);
}
END_TEST

/* Every op of the enum has a descriptor (a name, a tolerance) and at least
 * one case, and every case runs on the reference with a byte count: a row
 * left out of host/check/op_descs_*.c or a new op without shapes fails here. */
START_TEST(every_op_has_a_descriptor_and_cases)
{
    int cases[CLCNN_OP_COUNT] = {0};
    for (int i = 0; i < clcnn_op_case_count(); i++) {
        const clcnn_op_case *cs = clcnn_op_case_at(i);
        ck_assert_int_lt((int)cs->op, CLCNN_OP_COUNT);
        cases[cs->op]++;
        ck_assert_msg(clcnn_op_case_tolerance(cs) > 0, "case %d", i);
    }
    for (int op = 0; op < CLCNN_OP_COUNT; op++) {
        ck_assert_msg(strcmp(clcnn_op_name((clcnn_op_kind)op), "?") != 0, "op %d has no descriptor",
                      op);
        ck_assert_msg(cases[op] > 0, "op %s has no case", clcnn_op_name((clcnn_op_kind)op));
    }
    ck_assert_str_eq(clcnn_op_name(CLCNN_OP_COUNT), "?");
    /* the reductions include group norm (a hand-kept list once missed it) */
    ck_assert(clcnn_op_reduces(CLCNN_OP_GN_FWD) && clcnn_op_reduces(CLCNN_OP_GN_BWD));
    ck_assert(!clcnn_op_reduces(CLCNN_OP_FILL));
    clcnn_backend *ref = NULL;
    ck_assert_int_eq(clcnn_backend_ref_create(&ref), CLCNN_OK);
    for (int i = 0; i < clcnn_op_case_count(); i++) {
        const clcnn_op_case *cs = clcnn_op_case_at(i);
        if (!cs->quick)
            continue;
        clcnn_op_run *run = NULL;
        char name[96];
        clcnn_op_case_name(cs, name, sizeof name);
        ck_assert_msg(clcnn_op_run_create(cs, ref, 1u, &run) == CLCNN_OK, "%s: %s", name,
                      clcnn_last_error());
        ck_assert_msg(clcnn_op_run_bytes(run) > 0, "%s: no bytes moved", name);
        ck_assert_int_gt(clcnn_op_run_output_count(run), 0);
        clcnn_op_run_destroy(run);
    }
    clcnn_backend_destroy(ref);
}
END_TEST

/* Bytes moved: fill writes its tensor once; axpy reads two and writes one;
 * a chunked im2col reads only its images. */
START_TEST(op_run_bytes_count_reads_and_writes)
{
    clcnn_backend *ref = NULL;
    ck_assert_int_eq(clcnn_backend_ref_create(&ref), CLCNN_OK);
    const clcnn_op_case fill = {.op = CLCNN_OP_FILL, .n = 2, .c = 3, .h = 4, .w = 5};
    const clcnn_op_case axpy = {.op = CLCNN_OP_AXPY, .n = 2, .c = 3, .h = 4, .w = 5};
    const clcnn_op_case im2col = {.op = CLCNN_OP_IM2COL, .flags = CLCNN_OPF_CHUNK, .n = 4,
                                  .c = 1, .h = 2, .w = 2, .k = 1, .s = 1, .p = 0};
    const struct {
        const clcnn_op_case *cs;
        double bytes;
    } want[] = {{&fill, 120 * 4}, {&axpy, 3 * 120 * 4}, {&im2col, (8 + 8) * 4}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        clcnn_op_run *run = NULL;
        ck_assert_int_eq(clcnn_op_run_create(want[i].cs, ref, 1u, &run), CLCNN_OK);
        ck_assert_msg(clcnn_op_run_bytes(run) == want[i].bytes, "%s: %g bytes, expected %g",
                      clcnn_op_name(want[i].cs->op), clcnn_op_run_bytes(run), want[i].bytes);
        clcnn_op_run_destroy(run);
    }
    clcnn_backend_destroy(ref);
}
END_TEST

static clcnn_device_info fake_device(const char *driver)
{
    clcnn_device_info d;
    memset(&d, 0, sizeof d);
    snprintf(d.name, sizeof d.name, "Test Device");
    snprintf(d.vendor, sizeof d.vendor, "Test Vendor");
    snprintf(d.platform, sizeof d.platform, "Test Platform");
    snprintf(d.driver_version, sizeof d.driver_version, "%s", driver);
    return d;
}

START_TEST(records_are_kept_per_device_driver_and_shape)
{
    snprintf(cache_dir, sizeof cache_dir, "%s", test_tmp_path("check-records"));
    fixture_remove_tree(cache_dir);
    setenv("CLCNN_CACHE_DIR", cache_dir, 1);
    unsetenv("CLCNN_KERNEL_DIR");
    clcnn_device_info d1 = fake_device("1.0"), d2 = fake_device("2.0");
    clcnn_check_record r;
    clcnn_check_record_load(&d1, &r);
    ck_assert_int_eq(r.state, CLCNN_CHECK_NEVER);

    clcnn_check_report report = {0};
    clcnn_check_result results[2] = {
        {.name = "fill N1 C1 1x1", .error = 0, .tolerance = 1e-6, .passed = 1},
        {.name = "gemm NN m1 n1 k1", .error = NAN, .tolerance = 1e-6, .passed = 0}};
    report.results = results;
    report.count = 2;
    report.failures = 1;
    clcnn_check_record_save(&d1, 1, &report);
    clcnn_check_record_load(&d1, &r);
    ck_assert_int_eq(r.state, CLCNN_CHECK_FAILED);
    ck_assert_str_eq(r.failed, "gemm NN m1 n1 k1");
    ck_assert_int_eq(r.quick, 1);
    clcnn_check_record_load(&d2, &r); /* another driver: nothing recorded */
    ck_assert_int_eq(r.state, CLCNN_CHECK_NEVER);

    report.count = 1;
    report.failures = 0;
    clcnn_check_record_save(&d1, 0, &report);
    clcnn_check_record_load(&d1, &r);
    ck_assert_int_eq(r.state, CLCNN_CHECK_PASSED);
    ck_assert_int_eq(r.quick, 0);
    ck_assert_str_eq(r.failed, "");

    clcnn_device_info gpu_shaped = d1; /* the same device in the GPU kernel shape */
    gpu_shaped.gpu_shape = 1;
    clcnn_check_record_load(&gpu_shaped, &r);
    ck_assert_int_eq(r.state, CLCNN_CHECK_NEVER);
    ck_assert_int_eq(clcnn_check_record_failed(&gpu_shaped), 0);
    clcnn_check_record_save(&gpu_shaped, 1, &(clcnn_check_report){.results = results + 1,
                                                                 .count = 1, .failures = 1});
    ck_assert_int_eq(clcnn_check_record_failed(&gpu_shaped), 1); /* the ranking's lookup */
    ck_assert_int_eq(clcnn_check_record_failed(&d1), 0);         /* the CPU shape's pass stays */

    setenv("CLCNN_KERNEL_DIR", "/elsewhere", 1); /* other kernels: kept apart */
    clcnn_check_record_load(&d1, &r);
    ck_assert_int_eq(r.state, CLCNN_CHECK_NEVER);
    unsetenv("CLCNN_KERNEL_DIR");
    setenv("CLCNN_CACHE_DIR", "", 1); /* caching disabled */
    clcnn_check_record_load(&d1, &r);
    ck_assert_int_eq(r.state, CLCNN_CHECK_NEVER);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("check");
    TCase *cli = tcase_create("cli");
    tcase_set_timeout(cli, 180);
    tcase_add_test(cli, check_passes_on_the_real_kernels);
    tcase_add_test(cli, check_passes_on_resnet20);
    tcase_add_test(cli, check_fails_on_a_broken_relu_naming_it);
    tcase_add_test(cli, train_refuses_a_failing_device_unless_told);
    tcase_add_test(cli, train_checks_a_device_once);
    suite_add_tcase(s, cli);
    TCase *lib = tcase_create("library");
    tcase_set_timeout(lib, 60);
    tcase_add_test(lib, reference_against_itself_is_exact);
    tcase_add_test(lib, records_are_kept_per_device_driver_and_shape);
    tcase_add_test(lib, every_op_has_a_descriptor_and_cases);
    tcase_add_test(lib, op_run_bytes_count_reads_and_writes);
    suite_add_tcase(s, lib);
    return test_run_suite(s);
}
