/* `clcnn tune`: the tuning file's format, the GEMM shapes of a model, a quick
 * tuning run whose file the next backend applies (its GEMMs still agree with
 * the reference), and a corrupt file that is ignored with a warning.
 *
 * Tuning forks workers that open the device, so a test that tunes opens no
 * device itself before clcnn_tune_run (every test runs in its own process). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl/cl_ops.h"
#include "cl/cl_tune.h"
#include "cl/cl_tune_worker.h"
#include "clcnn/op_cases.h"
#include "test_env.h"
#include "test_files.h"

/* A fresh, empty cache folder for this test. */
static void use_fresh_cache(const char *name)
{
    char cmd[4400];
    const char *dir = test_tmp_path(name);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    setenv("CLCNN_CACHE_DIR", dir, 1);
}

static char warnings[4096];
static void keep_warning(const char *message)
{
    size_t used = strlen(warnings);
    snprintf(warnings + used, sizeof warnings - used, "%s\n", message);
}

/* Every GEMM case of the op table (all transpose and padding variants) on be
 * agrees with the reference within the case's stated tolerance. */
static void assert_gemm_cases_pass(clcnn_backend *be)
{
    clcnn_backend *ref = NULL;
    ck_assert_int_eq(clcnn_backend_ref_create(&ref), CLCNN_OK);
    int checked = 0;
    for (int i = 0; i < clcnn_op_case_count(); i++) {
        const clcnn_op_case *cs = clcnn_op_case_at(i);
        if (cs->op != CLCNN_OP_GEMM)
            continue;
        double err = 1.0;
        char name[128];
        clcnn_op_case_name(cs, name, sizeof name);
        ck_assert_msg(clcnn_op_case_check(cs, be, ref, 7u, &err) == CLCNN_OK, "%s: %s", name,
                      clcnn_last_error());
        ck_assert_msg(err <= clcnn_op_case_tolerance(cs), "%s: error %g > tolerance %g", name, err,
                      clcnn_op_case_tolerance(cs));
        checked++;
    }
    ck_assert_int_ge(checked, 4);
    clcnn_backend_destroy(ref);
}

static const clcnn_device_info *device_of(clcnn_backend *be)
{
    const clcnn_device_info *info = clcnn_backend_cl_device(be);
    ck_assert_ptr_nonnull(info);
    return info;
}

START_TEST(shapes_of_the_cifar_net)
{
    clcnn_model_spec spec;
    ck_assert_int_eq(clcnn_model_spec_preset("cifar", &spec), CLCNN_OK);
    clcnn_gemm_shape s[CLCNN_TUNE_MAX_SHAPES];
    int n = 0;
    ck_assert_int_eq(clcnn_tune_model_shapes(&spec, 128, 0, s, CLCNN_TUNE_MAX_SHAPES, &n),
                     CLCNN_OK);
    /* conv1: forward and dW only (no input gradient); conv2, conv3, fc1: all
     * three; fc2: all three. C*KH*KW is padded to CLCNN_CL_GEMM_MULTIPLE_MK
     * (32) as a k or m, to CLCNN_CL_GEMM_MULTIPLE_N (64) as an n: conv1's 75
     * to 96 and 128, conv2's 800 to 800 and 832. */
    ck_assert_int_eq(n, 2 + 3 + 3 + 3 + 3);
    ck_assert(s[0].trans_a == 0 && s[0].trans_b == 0 && s[0].m == 32 && s[0].n == 131072 &&
              s[0].k == 96 && s[0].calls == 1);
    /* dW = cnp * colt: both operands stored along the image positions */
    ck_assert(s[1].trans_a == 0 && s[1].trans_b == 0 && s[1].m == 32 && s[1].n == 128 &&
              s[1].k == 131072);
    ck_assert(s[2].m == 64 && s[2].n == 32768 && s[2].k == 800);
    ck_assert(s[3].m == 64 && s[3].n == 832 && s[3].k == 32768);
    ck_assert(s[4].trans_a == 1 && s[4].trans_b == 0 && s[4].m == 800 && s[4].n == 32768 &&
              s[4].k == 64);
    ck_assert(s[5].m == 128 && s[5].n == 8192 && s[5].k == 1600);
    ck_assert(s[8].trans_a == 0 && s[8].trans_b == 1 && s[8].m == 128 && s[8].n == 256 &&
              s[8].k == 2048);
    /* An im2col budget of 5 conv2 images (the larger of its 800 x 256 im2col
     * and 256 x 832 im2row floats each) splits conv2 into 25 full chunks and
     * one of 3. */
    ck_assert_int_eq(clcnn_tune_model_shapes(&spec, 128, 5ull * 832 * 256 * 4, s,
                                             CLCNN_TUNE_MAX_SHAPES, &n), CLCNN_OK);
    int found = 0;
    for (int i = 0; i < n; i++) {
        if (s[i].trans_a == 0 && s[i].trans_b == 0 && s[i].m == 64 && s[i].k == 800)
            found |= (s[i].n == 5 * 256 && s[i].calls == 25) ? 1 : (s[i].n == 3 * 256) ? 2 : 4;
    }
    ck_assert_int_eq(found, 3);
}
END_TEST

static const char KEY[] = "device D\ndriver 1\nplatform P\nclblast 1.5.3\n";

/* Each class of the family holds the set of its transpose class among the wide ones. */
static void expect_wide_sets(const clcnn_tuning *t, int family)
{
    for (int c = 0; c < CLCNN_TUNE_TRANSPOSE_CLASSES; c++)
        ck_assert_mem_eq(&t->sets[family * CLCNN_TUNE_TRANSPOSE_CLASSES + c], &t->sets[c],
                         sizeof t->sets[c]);
}

START_TEST(parses_and_rejects_tuning_text)
{
    clcnn_tuning t;
    const char *good = "clcnn-tuning 2\ndevice D\ndriver 1\nplatform P\nclblast 1.5.3\n"
                       "# any comment\n"
                       "kernel NN Xgemm MWG=64 NWG=32\nkernel NT Xgemm MWG=32 NWG=32\n"
                       "kernel TN GemmRoutine XGEMM_MIN_INDIRECT_SIZE=1\n"
                       "kernel TT Xgemm MWG=16 NWG=16\n";
    ck_assert_int_eq(clcnn_tune_parse(good, "t.txt", KEY, &t), CLCNN_OK);
    ck_assert_int_eq(t.sets[0].count, 1);
    ck_assert_str_eq(t.sets[0].kernels[0].name, "Xgemm");
    ck_assert_str_eq(t.sets[0].kernels[0].param[1], "NWG");
    ck_assert_uint_eq(t.sets[0].kernels[0].value[0], 64);
    ck_assert_uint_eq(t.sets[2].kernels[0].value[0], 1);
    /* written before the narrow classes: each takes its transpose class's set */
    expect_wide_sets(&t, CLCNN_TUNE_NARROW);
    char with_narrow[1024];
    snprintf(with_narrow, sizeof with_narrow, "%skernel NN-narrow Xgemm MWG=64 NWG=16\n"
             "kernel NT-narrow Xgemm NWG=16\nkernel TN-narrow Xgemm NWG=16\n"
             "kernel TT-narrow Xgemm NWG=16\n", good);
    ck_assert_int_eq(clcnn_tune_parse(with_narrow, "t.txt", KEY, &t), CLCNN_OK);
    ck_assert_uint_eq(t.sets[CLCNN_TUNE_TRANSPOSE_CLASSES].kernels[0].value[1], 16);
    ck_assert_uint_eq(t.sets[0].kernels[0].value[1], 32);
    /* written before the deep classes: they take the wide sets, not the narrow ones */
    expect_wide_sets(&t, CLCNN_TUNE_DEEP);
    int deep = CLCNN_TUNE_DEEP * CLCNN_TUNE_TRANSPOSE_CLASSES;
    char with_deep[2048];
    snprintf(with_deep, sizeof with_deep, "%skernel NN-deep Xgemm MWG=128 NWG=8\n"
             "kernel NT-deep Xgemm NWG=8\nkernel TN-deep Xgemm NWG=8\n"
             "kernel TT-deep Xgemm NWG=8\n", with_narrow);
    ck_assert_int_eq(clcnn_tune_parse(with_deep, "t.txt", KEY, &t), CLCNN_OK);
    ck_assert_uint_eq(t.sets[deep].kernels[0].value[0], 128);
    ck_assert_uint_eq(t.sets[deep + 3].kernels[0].value[0], 8);
    ck_assert_uint_eq(t.sets[CLCNN_TUNE_TRANSPOSE_CLASSES].kernels[0].value[1], 16);

    static const struct { const char *text, *message; } bad[] = {
        {"clcnn-tuning 1\n", "t.txt:1:"},
        {"clcnn-tuning 2\ndevice D\nkernel XX Xgemm A=1\n", "t.txt:3: expected a GEMM class"},
        {"clcnn-tuning 2\ndevice D\nkernel NN Xgemm A=-1\n", "t.txt:3: parameter value"},
        {"clcnn-tuning 2\ndevice D\nkernel NN Xgemm A\n", "t.txt:3: expected NAME=VALUE"},
        {"clcnn-tuning 2\ndevice D\nbogus\n", "t.txt:3: unknown line"},
        {"clcnn-tuning 2\ndevice X\ndriver 1\nplatform P\nclblast 1.5.3\n", "another device"},
        {"clcnn-tuning 2\ndevice D\ndriver 1\nplatform P\nclblast 1.5.3\nkernel NN Xgemm A=1\n",
         "names 1 of the 12 GEMM classes"},
        {"clcnn-tuning 2\ndevice D\ndriver 1\nplatform P\nclblast 1.5.3\nkernel NN Xgemm A=1\n"
         "kernel NT Xgemm A=1\nkernel TN Xgemm A=1\nkernel TT Xgemm A=1\n"
         "kernel TT-narrow Xgemm A=1\n", "names 9 of the 12 GEMM classes"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(clcnn_tune_parse(bad[i].text, "t.txt", KEY, &t), CLCNN_ERR_FORMAT);
        ck_assert_msg(strstr(clcnn_last_error(), bad[i].message), "case %zu: '%s'", i,
                      clcnn_last_error());
    }
}
END_TEST

START_TEST(stores_and_loads_a_tuning)
{
    use_fresh_cache("tune-store");
    clcnn_device_info info;
    memset(&info, 0, sizeof info);
    strcpy(info.name, "Test Device");
    strcpy(info.driver_version, "9.9");
    strcpy(info.platform, "Test Platform");
    ck_assert_int_eq(clcnn_device_is_tuned(&info), 0);
    clcnn_tuning t, back;
    memset(&t, 0, sizeof t);
    for (int c = 0; c < CLCNN_TUNE_CLASSES; c++) {
        clcnn_tune_kernel *k = &t.sets[c].kernels[t.sets[c].count++];
        strcpy(k->name, "Xgemm");
        strcpy(k->param[k->count], "MWG");
        k->value[k->count++] = (size_t)(16 << c);
    }
    ck_assert_int_eq(clcnn_tune_store(&info, &t, "line one\nline two"), CLCNN_OK);
    ck_assert_int_eq(clcnn_device_is_tuned(&info), 1);
    ck_assert_int_eq(clcnn_tune_load(&info, &back), 1);
    ck_assert_mem_eq(&back, &t, sizeof t);
    /* Another driver version is another key: not tuned. */
    strcpy(info.driver_version, "10.0");
    ck_assert_int_eq(clcnn_device_is_tuned(&info), 0);
}
END_TEST

/* Tiny shapes of every class the network layers use. */
static const clcnn_gemm_shape TINY[] = {
    {0, 0, 24, 96, 40, 1}, {0, 1, 24, 40, 96, 1}, {1, 0, 40, 96, 24, 1}};

START_TEST(quick_tuning_is_applied_by_the_next_backend)
{
    use_fresh_cache("tune-quick");
    /* The first two quick candidates and CLBlast's defaults: each new set
     * costs a CLBlast build (seconds on PoCL, more on a cold kernel cache). */
    clcnn_tune_options opts = {NULL, TINY, 3, 1, 3, 60.0, NULL, NULL, 0};
    clcnn_tune_report report;
    ck_assert_msg(clcnn_tune_run(&opts, &report) == CLCNN_OK, "%s", clcnn_last_error());
    ck_assert_int_eq(report.tried, 3);
    ck_assert_int_lt(report.failed, report.tried);
    FILE *f = fopen(report.path, "r");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    for (int q = 0; q < 3; q++)
        ck_assert(report.tuned_s[q] > 0);
    ck_assert_int_eq(clcnn_device_is_tuned(&report.device), 1);
    /* On shapes this small CLBlast's defaults may win, and then nothing is
     * overridden; store the quick grid's reference set instead so that the
     * backend's switching of sets is exercised either way. */
    int tuned = report.best.sets[0].count > 0;
    if (!tuned) {
        /* the seeds of an AVX2 CPU, as good as any for this */
        const clcnn_tune_device cpu = {0, 8, 8, 4096, {4096, 4096}, 65536, 1 << 20};
        clcnn_tune_set grid[8];
        int n = 0;
        clcnn_tune_seed_sets(&cpu, 1, grid, 8, &n);
        ck_assert_int_ge(n, 2);
        for (int c = 0; c < CLCNN_TUNE_CLASSES; c++)
            report.best.sets[c] = grid[1 + c % (n - 1)];
        ck_assert_int_eq(clcnn_tune_store(&report.device, &report.best, NULL), CLCNN_OK);
    }
    clcnn_backend *be = NULL;
    ck_assert_int_eq(clcnn_backend_cl_create(NULL, &be), CLCNN_OK);
    clcnn_cl_gemm_tuning *gt = &clcnn_cl_backend_of(be)->gemm_tuning;
    ck_assert_int_eq(gt->loaded, 1);
    ck_assert_mem_eq(&gt->tuning, &report.best, sizeof report.best);
    assert_gemm_cases_pass(be);
    ck_assert_int_ge(gt->applied_class, 0); /* a set was applied for the GEMMs */
    /* Each GEMM runs its class's set: narrow (at most 32 result rows) or not. */
    for (int q = 0; q < 3; q++) {
        const clcnn_gemm_shape *s = &TINY[q];
        clcnn_tensor a, b, c;
        ck_assert_int_eq(clcnn_tensor_alloc(be, &a, clcnn_shape_make(1, 1, s->m, s->k), CLCNN_REAL,
                                            "a"), CLCNN_OK);
        ck_assert_int_eq(clcnn_tensor_alloc(be, &b, clcnn_shape_make(1, 1, s->k, s->n), CLCNN_REAL,
                                            "b"), CLCNN_OK);
        ck_assert_int_eq(clcnn_tensor_alloc(be, &c, clcnn_shape_make(1, 1, s->m, s->n), CLCNN_REAL,
                                            "c"), CLCNN_OK);
        ck_assert_int_eq(be->ops->gemm(be, s->trans_a, s->trans_b, s->m, s->n, s->k, 1.0f, &a, 0,
                                       s->trans_a ? s->m : s->k, &b, 0, s->trans_b ? s->k : s->n,
                                       0.0f, &c, 0, s->n), CLCNN_OK);
        int want = (s->m <= CLCNN_TUNE_NARROW_ROWS ? CLCNN_TUNE_TRANSPOSE_CLASSES : 0) +
                   2 * s->trans_a + s->trans_b;
        ck_assert_int_eq(gt->applied_class, want);
        clcnn_tensor_free(&a);
        clcnn_tensor_free(&b);
        clcnn_tensor_free(&c);
    }
    clcnn_backend_destroy(be);
}
END_TEST

START_TEST(corrupt_tuning_file_is_ignored_with_a_warning)
{
    use_fresh_cache("tune-corrupt");
    clcnn_backend *be = NULL;
    ck_assert_int_eq(clcnn_backend_cl_create(NULL, &be), CLCNN_OK);
    clcnn_device_info info = *device_of(be);
    clcnn_backend_destroy(be);
    char path[4200], cmd[8600];
    ck_assert_int_eq(clcnn_tune_path(&info, path, sizeof path), CLCNN_OK);
    snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\" && printf 'clcnn-tuning 2\\n"
             "kernel NN Xgemm MWG=\\n' > '%s'", path, path);
    ck_assert_int_eq(system(cmd), 0);
    warnings[0] = '\0';
    clcnn_set_warning_handler(keep_warning);
    ck_assert_int_eq(clcnn_device_is_tuned(&info), 0);
    ck_assert_msg(strstr(warnings, "tuning file ignored") && strstr(warnings, path) &&
                  strstr(warnings, ":2:"), "warnings: %s", warnings);
    warnings[0] = '\0';
    ck_assert_int_eq(clcnn_backend_cl_create(NULL, &be), CLCNN_OK);
    ck_assert_msg(strstr(warnings, "tuning file ignored"), "warnings: %s", warnings);
    ck_assert_int_eq(clcnn_cl_backend_of(be)->gemm_tuning.loaded, 0);
    assert_gemm_cases_pass(be);
    clcnn_backend_destroy(be);
    clcnn_set_warning_handler(NULL);
}
END_TEST

/* `clcnn tune --shape`: a malformed shape is refused naming it; a given one
 * is tuned alone, within the budget. */
START_TEST(tune_cli_takes_given_shapes)
{
    static char out[65536];
    char line[8192];
    snprintf(line, sizeof line, "%s tune --shape 'NQ 24x96x40'", CLCNN_EXE);
    int status = test_run(line, out, sizeof out);
    ck_assert_msg(status == 2 && strstr(out, "--shape 'NQ 24x96x40'"), "exit %d: %s", status,
                  out);
    snprintf(line, sizeof line, "%s tune --shape 'NN 24x96x0'", CLCNN_EXE);
    ck_assert_int_eq(test_run(line, out, sizeof out), 2);
    snprintf(line, sizeof line, "CLCNN_CACHE_DIR='%s' %s tune --quick --budget 2 --shape "
             "'TN 40x96x24'", test_tmp_path("tune-cli-cache"), CLCNN_EXE);
    status = test_run(line, out, sizeof out);
    ck_assert_msg(status == 0 && strstr(out, "1 given GEMM shapes") &&
                  strstr(out, "\nTN 40x96x24 ") && strstr(out, "time budget 2 s"),
                  "exit %d: %s", status, out);
}
END_TEST

static Suite *tune_suite(void)
{
    Suite *s = suite_create("tune");
    TCase *format = tcase_create("format");
    tcase_add_test(format, shapes_of_the_cifar_net);
    tcase_add_test(format, parses_and_rejects_tuning_text);
    tcase_add_test(format, stores_and_loads_a_tuning);
    suite_add_tcase(s, format);
    TCase *device = tcase_create("device");
    tcase_set_timeout(device, 240);
    tcase_add_test(device, quick_tuning_is_applied_by_the_next_backend);
    tcase_add_test(device, corrupt_tuning_file_is_ignored_with_a_warning);
    tcase_add_test(device, tune_cli_takes_given_shapes);
    suite_add_tcase(s, device);
    return s;
}

int main(void)
{
    return test_run_suite(tune_suite());
}
