/* clcnn bench, run as the built tool on the small preset at batch 4: the
 * JSON file holds the end-to-end keys with positive figures and a per-op
 * array with GEMM rates; the parts and paths can be left out; a tuned device
 * also gets GEMM rates with CLBlast's defaults; bad flags exit 2. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl/cl_tune.h"
#include "clcnn/device.h"
#include "test_env.h"
#include "test_files.h"

static char out[1 << 16];
static char json[1 << 18];

/* Run "clcnn ARGS" and return its exit status; output in out. */
static int clcnn(const char *args)
{
    char line[8192];
    snprintf(line, sizeof line, "%s %s", CLCNN_EXE, args);
    return test_run(line, out, sizeof out);
}

static void read_json(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s was not written", path);
    size_t n = fread(json, 1, sizeof json - 1, f);
    json[n] = '\0';
    fclose(f);
    ck_assert_msg(n > 0 && n < sizeof json - 1, "%s: %zu bytes", path, n);
}

/* The number after "key": in json; fails the test when the key is absent. */
static double json_number(const char *key)
{
    char quoted[160];
    snprintf(quoted, sizeof quoted, "\"%s\": ", key);
    const char *at = strstr(json, quoted);
    ck_assert_msg(at != NULL, "key %s missing from: %.2000s", key, json);
    char *end = NULL;
    double v = strtod(at + strlen(quoted), &end);
    ck_assert_msg(end != at + strlen(quoted), "key %s has no number", key);
    return v;
}

static int json_has(const char *key)
{
    char quoted[160];
    snprintf(quoted, sizeof quoted, "\"%s\": ", key);
    return strstr(json, quoted) != NULL;
}

static void expect_positive(const char *key)
{
    double v = json_number(key);
    ck_assert_msg(v > 0, "%s = %g, expected > 0", key, v);
}

START_TEST(json_has_every_figure)
{
    const char *path = test_tmp_path("bench.json");
    remove(path);
    char args[4200];
    snprintf(args, sizeof args, "bench --batch 4 --iters 2 --warmup 1 --model small --json %s",
             path);
    int status = clcnn(args);
    ck_assert_msg(status == 0, "exit %d: %s", status, out);
    read_json(path);

    static const char *const positive[] = {
        "train.images_per_s.ref", "train.images_per_s.cl", "eval.images_per_s.ref",
        "eval.images_per_s.cl", "train.images_per_s.cl.min", "train.images_per_s.cl.max",
        "train.launches_per_step.ref", "train.launches_per_step.cl",
        "train.transfers_per_step.ref", "train.transfers_per_step.cl",
        "memory.peak_bytes.cl"};
    for (size_t i = 0; i < sizeof positive / sizeof positive[0]; i++)
        expect_positive(positive[i]);
    ck_assert_msg(json_number("train.images_per_s.cl.min") <=
                      json_number("train.images_per_s.cl.max"),
                  "min above max");
    ck_assert_int_eq((int)json_number("batch"), 4);
    /* one upload of images, one of labels, one read of the loss per step */
    ck_assert_int_eq((int)json_number("train.transfers_per_step.cl"), 3);
    ck_assert_msg(strstr(json, "\"device\": \"") && !strstr(json, "\"device\": \"\""),
                  "no device name: %.500s", json);

    /* per op: layer rows and GEMM rows with a rate on both paths */
    /* conv1's 75 im2col rows run padded to CLCNN_CL_GEMM_MULTIPLE_MK (32): 96 */
    ck_assert_msg(strstr(json, "\"label\": \"conv1 fwd (im2col+gemm 10x4096x96)\""),
                  "no conv1 fwd row: %.3000s", json);
    ck_assert_msg(strstr(json, "\"label\": \"conv2 bwd ("), "no conv2 bwd row");
    ck_assert_msg(strstr(json, "\"label\": \"optimizer (adam, 8 tensors)\""),
                  "no optimizer row");
    const char *gemm = strstr(json, "\"gemm\": true");
    ck_assert_msg(gemm != NULL, "no GEMM row");
    double rate_cl = strtod(strstr(gemm, "\"gflops_cl\": ") + 13, NULL);
    double rate_ref = strtod(strstr(gemm, "\"gflops_ref\": ") + 14, NULL);
    ck_assert_msg(rate_cl > 0 && rate_ref > 0, "GFLOP/s cl %g ref %g", rate_cl, rate_ref);

    /* below a row with a GEMM, every op of it, the lowering with its GB/s */
    const char *im2col = strstr(json, "\"label\": \"im2col k5 s1 p2 N4 C3 32x32 pad21\"");
    ck_assert_msg(im2col != NULL, "no im2col sub-row: %.3000s", json);
    const char *im2col_end = strchr(im2col, '}');
    const char *sub = strstr(im2col, "\"sub\": true"), *gbs = strstr(im2col, "\"gbs_cl\": ");
    ck_assert_msg(sub && sub < im2col_end, "im2col row not marked as a sub-row");
    ck_assert_msg(gbs && gbs < im2col_end && strtod(gbs + 10, NULL) > 0, "im2col without GB/s");

    /* and the tables on stdout, with the step's breakdown */
    ck_assert_msg(strstr(out, "train images/s") && strstr(out, "total of the rows above"),
                  "tables missing: %s", out);
    ck_assert_msg(strstr(out, "cl step breakdown: GEMMs ") && strstr(out, "ref step breakdown: "),
                  "no breakdown: %s", out);
}
END_TEST

START_TEST(parts_and_paths_can_be_left_out)
{
    const char *path = test_tmp_path("bench-cl-e2e.json");
    remove(path);
    char args[4200];
    snprintf(args, sizeof args,
             "bench --batch 2 --iters 1 --warmup 0 --model small --e2e-only --no-ref --json %s",
             path);
    int status = clcnn(args);
    ck_assert_msg(status == 0, "exit %d: %s", status, out);
    read_json(path);
    expect_positive("train.images_per_s.cl");
    expect_positive("eval.images_per_s.cl");
    ck_assert_msg(!json_has("train.images_per_s.ref"), "ref measured despite --no-ref");
    ck_assert_msg(strstr(json, "\"ops\": []"), "ops measured despite --e2e-only");
}
END_TEST

/* A device with a tuned set (here an empty one: CLBlast's defaults won) also
 * gets its GEMMs timed with CLBlast's defaults. */
START_TEST(tuned_device_gets_default_gemm_rates)
{
    char cache[4096];
    snprintf(cache, sizeof cache, "%s", test_tmp_path("bench-tuned-cache"));
    clcnn_device_info *list = NULL;
    int count = 0, index = 0;
    ck_assert_int_eq(clcnn_devices_list(&list, &count), CLCNN_OK);
    ck_assert_int_eq(clcnn_device_select(NULL, list, count, &index), CLCNN_OK);
    clcnn_tuning empty; /* every transpose class on CLBlast's defaults */
    memset(&empty, 0, sizeof empty);
    const char *env = getenv("CLCNN_CACHE_DIR");
    char saved[4096];
    snprintf(saved, sizeof saved, "%s", env ? env : "");
    setenv("CLCNN_CACHE_DIR", cache, 1);
    ck_assert_int_eq(clcnn_tune_store(&list[index], &empty, "test_bench"), CLCNN_OK);
    ck_assert_int_eq(clcnn_device_is_tuned(&list[index]), 1);
    free(list);

    const char *path = test_tmp_path("bench-tuned.json");
    remove(path);
    char args[4200];
    snprintf(args, sizeof args,
             "bench --batch 2 --iters 1 --warmup 0 --model small --ops-only --no-ref --json %s",
             path);
    int status = clcnn(args); /* inherits CLCNN_CACHE_DIR */
    if (env) /* the next tests (CK_FORK=no) see the suite's cache again */
        setenv("CLCNN_CACHE_DIR", saved, 1);
    else
        unsetenv("CLCNN_CACHE_DIR");
    ck_assert_msg(status == 0, "exit %d: %s", status, out);
    read_json(path);
    ck_assert_msg(strstr(json, "\"device_tuned\": true"), "not tuned: %.500s", json);
    const char *gemm = strstr(json, "\"gflops_cl_untuned\": ");
    ck_assert_msg(gemm != NULL, "no rate with the defaults: %.3000s", json);
    ck_assert_msg(strtod(gemm + 22, NULL) > 0, "untuned rate not positive");
    ck_assert_msg(strstr(out, "CLBlast defaults: "), "table lacks the default rates: %s", out);
}
END_TEST

/* The per-op table follows the network: an activation run inside the
 * batchnorm before it is timed in that row, and --unfused times it alone. */
START_TEST(ops_table_shows_the_fused_activation)
{
    const char *base = "bench --batch 2 --iters 1 --warmup 0 --model cifar --ops-only --no-ref";
    int status = clcnn(base);
    ck_assert_msg(status == 0, "exit %d: %s", status, out);
    ck_assert_msg(strstr(out, "bn1+relu1 fwd (N2 C32 32x32)"), "no fused row: %s", out);
    ck_assert_msg(strstr(out, "relu1 fwd (fused into bn1)"), "no fused-away row: %s", out);
    ck_assert_msg(strstr(out, "bn1+relu1 bwd"), "no fused backward row: %s", out);
    char args[256];
    snprintf(args, sizeof args, "%s --unfused", base);
    status = clcnn(args);
    ck_assert_msg(status == 0, "exit %d: %s", status, out);
    ck_assert_msg(strstr(out, "relu1 fwd (N2 C32 32x32)"), "relu not timed alone: %s", out);
    ck_assert_msg(strstr(out, "bn1 fwd (N2 C32 32x32)"), "bn1 row: %s", out);
    ck_assert_msg(!strstr(out, "fused"), "--unfused still fuses: %s", out);
}
END_TEST

/* Under an allocation limit the network cuts its convolutions into chunks of
 * images; the bench times the chunks it runs (it once planned them from the
 * device's own limit, not the backend's, and failed on the whole-batch GEMM). */
START_TEST(ops_are_chunked_as_the_network_runs_them)
{
    char line[8192];
    snprintf(line, sizeof line,
             "CLCNN_MAX_ALLOC_MB=1 %s bench --batch 4 --iters 1 --warmup 0 --model small "
             "--ops-only --no-ref",
             CLCNN_EXE);
    int status = test_run(line, out, sizeof out);
    ck_assert_msg(status == 0, "exit %d: %s", status, out);
    ck_assert_msg(strstr(out, "conv1 fwd (im2col+gemm 10x2048x96, 2 chunks of 2)"),
                  "conv1 not in chunks: %s", out);
}
END_TEST

static void expect_usage_error(const char *args, const char *message)
{
    int status = clcnn(args);
    ck_assert_msg(status == 2, "clcnn %s: exit %d, expected 2; output: %s", args, status, out);
    ck_assert_msg(strstr(out, message) != NULL, "clcnn %s: expected '%s' in: %s", args, message,
                  out);
}

START_TEST(bad_flags_exit_2)
{
    expect_usage_error("bench --batch 0", "--batch");
    expect_usage_error("bench --iters 0", "--iters");
    expect_usage_error("bench --warmup -1", "--warmup");
    expect_usage_error("bench --batch abc", "--batch");
    expect_usage_error("bench --frobnicate", "--frobnicate");
    expect_usage_error("bench --json", "--json");
    expect_usage_error("bench --ops-only --e2e-only", "exclude each other");
    expect_usage_error("bench --model no-such-model.txt", "no-such-model.txt");
    ck_assert_int_eq(clcnn("bench --help"), 0);
    ck_assert_msg(strstr(out, "--json FILE") && strstr(out, "--no-ref"), "help: %s", out);
}
END_TEST

static Suite *bench_suite(void)
{
    Suite *s = suite_create("bench");
    TCase *tc = tcase_create("bench");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, json_has_every_figure);
    tcase_add_test(tc, parts_and_paths_can_be_left_out);
    tcase_add_test(tc, tuned_device_gets_default_gemm_rates);
    tcase_add_test(tc, ops_table_shows_the_fused_activation);
    tcase_add_test(tc, ops_are_chunked_as_the_network_runs_them);
    tcase_add_test(tc, bad_flags_exit_2);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(bench_suite());
}
