/* clcnn_export_onnx(): what it refuses, and that a refusal writes nothing.
 * The exported models themselves are checked by runtimes clcnn did not write
 * (tests/onnx_export_check.py, CTest onnx_export). */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "clcnn/export.h"
#include "clcnn/train.h"
#include "test_env.h"
#include "train_fixtures.h"
#include "test_files.h"

static const char *const model_text = "input 3 8 8\n"
                                      "conv 4 3 pad=1\n"
                                      "batchnorm\n"
                                      "relu\n"
                                      "fc 3\n";

static clcnn_checkpoint ckpt;

static void setup(void)
{
    clcnn_dataset train_set;
    clcnn_model_spec spec;
    clcnn_backend *ref = NULL;
    train_fixture_dataset(&train_set, 16, 3, 8, 3, 1);
    ck_assert_int_eq(clcnn_model_spec_parse(model_text, "export-model", &spec), CLCNN_OK);
    ck_assert_int_eq(clcnn_backend_ref_create(&ref), CLCNN_OK);
    clcnn_train_config c = clcnn_train_config_default();
    c.batch = 8;
    c.iterations = 2;
    clcnn_trainer *t = NULL;
    ck_assert_msg(clcnn_trainer_create(ref, &spec, &train_set, NULL, NULL, &c, &t) == CLCNN_OK,
                  "%s", clcnn_last_error());
    ck_assert_int_eq(clcnn_trainer_run(t, NULL), CLCNN_OK);
    ck_assert_int_eq(clcnn_trainer_snapshot(t, &ckpt), CLCNN_OK);
    clcnn_trainer_destroy(t);
    clcnn_backend_destroy(ref);
    clcnn_dataset_free(&train_set);
}

static void teardown(void)
{
    clcnn_checkpoint_free(&ckpt);
}

/* path holds exactly text. */
static void assert_file_holds(const char *path, const char *text)
{
    char buf[64] = {0};
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    ck_assert_uint_eq(n, strlen(text));
    ck_assert_str_eq(buf, text);
}

/* Files in dir, "." and ".." excluded. */
static int files_in(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* Export to a folder holding only an old file at the target path: it fails
 * with status and a message holding part, and the old file stays as it was,
 * with nothing else beside it. */
static void assert_refused(const char *folder, clcnn_status status, const char *part)
{
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s", test_tmp_path(folder));
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs("old", f);
    fclose(f);
    ck_assert_int_eq(clcnn_export_onnx(&ckpt, path), status);
    const char *msg = clcnn_last_error();
    ck_assert_msg(strstr(msg, part) != NULL, "expected '%s' in: %s", part, msg);
    assert_file_holds(path, "old");
    ck_assert_int_eq(files_in(dir), 1);
}

START_TEST(exports_a_trained_network)
{
    const char *path = test_tmp_path("export-ok.onnx");
    remove(path);
    ck_assert_msg(clcnn_export_onnx(&ckpt, path) == CLCNN_OK, "%s", clcnn_last_error());
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0644); /* readable by others, as any output file */
    /* at least the parameters as float32: 4*3*3*3 + 4 + 4*4 + 3*256 + 3 */
    ck_assert_int_gt(st.st_size, 4 * (108 + 4 + 16 + 768 + 3));
}
END_TEST

START_TEST(a_layer_without_exporter_is_named_and_nothing_is_written)
{
    ckpt.spec.layers[2].kind = CLCNN_LAYER_KIND_COUNT;
    assert_refused("export-refused", CLCNN_ERR_ARG, "layer 3 (unknown kind, export-model line 4)");
}
END_TEST

START_TEST(a_checkpoint_short_of_values_is_refused)
{
    ckpt.flat_count -= 1; /* the last running variance is missing */
    assert_refused("export-short", CLCNN_ERR_FORMAT, "fewer batchnorm statistics");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("export");
    TCase *tc = tcase_create("onnx");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, exports_a_trained_network);
    tcase_add_test(tc, a_layer_without_exporter_is_named_and_nothing_is_written);
    tcase_add_test(tc, a_checkpoint_short_of_values_is_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(suite());
}
