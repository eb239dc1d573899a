/* Checkpoints: round trip, every kind of corruption rejected with its
 * message, architecture mismatch, atomic writing, cross-backend loading. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "clcnn/device.h"
#include "clcnn/train.h"
#include "test_env.h"
#include "test_files.h"
#include "train_fixtures.h"

static const char *const model_text = "input 3 16 16\n"
                                      "conv 4 3 pad=1 bias=0\n"
                                      "batchnorm\n"
                                      "relu\n"
                                      "maxpool 2\n"
                                      "fc 5\n";

static clcnn_dataset train_set;
static clcnn_model_spec spec;
static clcnn_backend *ref;

static void setup(void)
{
    train_fixture_dataset(&train_set, 40, 3, 16, 5, 3);
    ck_assert_int_eq(clcnn_model_spec_parse(model_text, "ckpt-model", &spec), CLCNN_OK);
    ck_assert_int_eq(clcnn_backend_ref_create(&ref), CLCNN_OK);
}

static void teardown(void)
{
    clcnn_dataset_free(&train_set);
    clcnn_backend_destroy(ref);
}

static clcnn_train_config config(void)
{
    clcnn_train_config c = clcnn_train_config_default();
    c.optimizer.kind = CLCNN_OPT_ADAM;
    c.optimizer.lr = 0.001f;
    c.batch = 8;
    c.iterations = 7;
    c.seed = 5;
    c.label_smoothing = 0.1f;
    c.warmup = 3;
    c.tta = CLCNN_TTA_FLIP;
    return c;
}

/* A trainer on backend after 7 steps, saved to name; returns the trainer. */
static clcnn_trainer *trained(clcnn_backend *be, const char *name)
{
    clcnn_train_config c = config();
    clcnn_trainer *t = NULL;
    ck_assert_msg(clcnn_trainer_create(be, &spec, &train_set, NULL, NULL, &c, &t) == CLCNN_OK,
                  "%s", clcnn_last_error());
    ck_assert_int_eq(clcnn_trainer_run(t, NULL), CLCNN_OK);
    ck_assert_msg(clcnn_trainer_save(t, test_tmp_path(name), "/some/data", CLCNN_DATA_CIFAR10) ==
                      CLCNN_OK, "%s", clcnn_last_error());
    return t;
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

/* Copy src to dst, XOR-ing the byte at offset with mask (offset < 0: none)
 * and keeping only keep bytes (keep < 0: all). */
static void copy_modified(const char *src, const char *dst, long offset, int mask, long keep)
{
    long n = file_size(src);
    unsigned char *buf = malloc((size_t)n);
    FILE *f = fopen(src, "rb");
    ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    if (offset >= 0)
        buf[offset] ^= (unsigned char)mask;
    f = fopen(dst, "wb");
    fwrite(buf, 1, (size_t)(keep >= 0 ? keep : n), f);
    fclose(f);
    free(buf);
}

/* Reading path fails with CLCNN_ERR_FORMAT and a message holding both parts. */
static void assert_rejected(const char *path, const char *part1, const char *part2)
{
    clcnn_checkpoint k;
    ck_assert_int_eq(clcnn_checkpoint_read(path, &k), CLCNN_ERR_FORMAT);
    const char *msg = clcnn_last_error();
    ck_assert_msg(strstr(msg, path) != NULL, "message does not name the file: %s", msg);
    ck_assert_msg(strstr(msg, part1) != NULL, "expected '%s' in: %s", part1, msg);
    ck_assert_msg(strstr(msg, part2) != NULL, "expected '%s' in: %s", part2, msg);
}

START_TEST(round_trip_keeps_everything)
{
    clcnn_trainer *t = trained(ref, "round.ckpt");
    clcnn_checkpoint k;
    ck_assert_msg(clcnn_checkpoint_read(test_tmp_path("round.ckpt"), &k) == CLCNN_OK, "%s",
                  clcnn_last_error());
    ck_assert(clcnn_model_spec_equal(&k.spec, &spec));
    ck_assert_int_eq(k.iteration, 7);
    ck_assert_int_eq(k.total_iterations, 7);
    ck_assert_int_eq(k.config.optimizer.kind, CLCNN_OPT_ADAM);
    ck_assert_float_eq(k.config.optimizer.lr, 0.001f);
    ck_assert_int_eq(k.config.batch, 8);
    ck_assert_uint_eq(k.config.seed, 5);
    ck_assert_float_eq(k.config.label_smoothing, 0.1f);
    ck_assert_int_eq(k.config.warmup, 3);
    ck_assert_int_eq(k.config.tta, CLCNN_TTA_FLIP);
    ck_assert_str_eq(k.data_dir, "/some/data");
    ck_assert_int_eq(k.data_format, CLCNN_DATA_CIFAR10);
    ck_assert_int_eq(k.train_count, 40);
    ck_assert_int_eq(k.classes, 5);
    ck_assert_str_eq(k.class_names[4], "c4");
    ck_assert_int_eq(k.channels, 3);
    for (int c = 0; c < 3; c++) {
        ck_assert_float_eq(k.mean[c], clcnn_trainer_mean(t)[c]);
        ck_assert_float_eq(k.std[c], clcnn_trainer_std(t)[c]);
    }
    ck_assert_int_eq(k.optimizer_states, 2);
    ck_assert_uint_eq(k.optimizer_count, clcnn_model_spec_param_count(&spec));
    clcnn_net *net = clcnn_trainer_net(t);
    ck_assert_uint_eq(k.flat_count, clcnn_net_flat_count(net));
    float *flat = malloc(sizeof(float) * k.flat_count);
    ck_assert_int_eq(clcnn_net_get_flat(net, flat), CLCNN_OK);
    ck_assert_int_eq(memcmp(flat, k.flat, sizeof(float) * k.flat_count), 0);
    /* Adam's moments moved off zero */
    int moved = 0;
    for (size_t i = 0; i < k.optimizer_count; i++)
        moved += k.optimizer_m[i] != 0.0f && k.optimizer_v[i] > 0.0f;
    ck_assert_int_gt(moved, 0);
    /* an inference network gives the trainer's outputs */
    clcnn_net *copy = NULL;
    ck_assert_int_eq(clcnn_checkpoint_create_net(&k, ref, 8, &copy), CLCNN_OK);
    float *flat2 = malloc(sizeof(float) * k.flat_count);
    ck_assert_int_eq(clcnn_net_get_flat(copy, flat2), CLCNN_OK);
    ck_assert_int_eq(memcmp(flat, flat2, sizeof(float) * k.flat_count), 0);
    clcnn_net_destroy(copy);
    free(flat);
    free(flat2);
    clcnn_checkpoint_free(&k);
    clcnn_trainer_destroy(t);
}
END_TEST

static void put_u32(unsigned char *at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        at[i] = (unsigned char)(v >> (8 * i));
}

/* A version-1 file (written before label smoothing, warm-up and tta joined
 * the config) loads with all 0. It is made here from a version-2 one: the 16
 * bytes after the config's seed (f32 smoothing, i64 warm-up, u32 tta) cut out, the
 * header's version, size and CRC rewritten. The config holds 100 bytes
 * before them (train.h's field order), after the model text. */
START_TEST(version_1_files_load_without_smoothing_or_warmup)
{
    clcnn_trainer_destroy(trained(ref, "v2.ckpt"));
    const char *v2 = test_tmp_path("v2.ckpt");
    long n = file_size(v2);
    unsigned char *buf = malloc((size_t)n);
    FILE *f = fopen(v2, "rb");
    ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    uint32_t text_len = buf[24] | buf[25] << 8 | buf[26] << 16 | (uint32_t)buf[27] << 24;
    size_t cut = 24 + 4 + text_len + 100;
    float smoothing;
    memcpy(&smoothing, buf + cut, 4); /* little-endian host, as the format */
    ck_assert_float_eq(smoothing, 0.1f); /* the offset is right */
    memmove(buf + cut, buf + cut + 16, (size_t)n - cut - 16);
    n -= 16;
    put_u32(buf + 8, 1);
    put_u32(buf + 16, (uint32_t)(n - 24));
    put_u32(buf + 12, (uint32_t)crc32(0L, buf + 24, (uInt)(n - 24)));
    char v1[4096];
    snprintf(v1, sizeof v1, "%s", test_tmp_path("v1.ckpt"));
    f = fopen(v1, "wb");
    fwrite(buf, 1, (size_t)n, f);
    fclose(f);
    free(buf);
    clcnn_checkpoint k;
    ck_assert_msg(clcnn_checkpoint_read(v1, &k) == CLCNN_OK, "%s", clcnn_last_error());
    ck_assert_float_eq(k.config.label_smoothing, 0.0f);
    ck_assert_int_eq(k.config.warmup, 0);
    ck_assert_int_eq(k.config.tta, CLCNN_TTA_NONE);
    ck_assert_uint_eq(k.config.seed, 5);
    ck_assert_int_eq(k.iteration, 7);
    clcnn_checkpoint_free(&k);
}
END_TEST

START_TEST(write_is_atomic_and_leaves_no_temporary)
{
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s", test_tmp_path("atomic"));
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/one.ckpt", dir);
    clcnn_trainer *t = trained(ref, "atomic-unused.ckpt");
    ck_assert_int_eq(clcnn_trainer_save(t, path, NULL, 0), CLCNN_OK);
    ck_assert_int_eq(clcnn_trainer_save(t, path, NULL, 0), CLCNN_OK); /* replaces it */
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int entries = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.') {
            ck_assert_str_eq(e->d_name, "one.ckpt"); /* no leftover temporary file */
            entries++;
        }
    closedir(d);
    ck_assert_int_eq(entries, 1);
    /* a folder that does not exist: an I/O error naming the path, nothing written */
    snprintf(path, sizeof path, "%s/missing/one.ckpt", dir);
    ck_assert_int_eq(clcnn_trainer_save(t, path, NULL, 0), CLCNN_ERR_IO);
    ck_assert(strstr(clcnn_last_error(), "missing/one.ckpt") != NULL);
    clcnn_trainer_destroy(t);
}
END_TEST

START_TEST(each_corruption_is_rejected_with_its_message)
{
    clcnn_trainer *t = trained(ref, "good.ckpt");
    clcnn_trainer_destroy(t);
    char good[4096], bad[4096];
    snprintf(good, sizeof good, "%s", test_tmp_path("good.ckpt"));
    snprintf(bad, sizeof bad, "%s", test_tmp_path("bad.ckpt"));
    long n = file_size(good);

    copy_modified(good, bad, 0, 0xFF, -1);
    assert_rejected(bad, "offset 0", "wrong magic");
    copy_modified(good, bad, 8, 2 ^ 99, -1); /* version 2 -> 99 (little-endian low byte) */
    assert_rejected(bad, "offset 8", "unsupported checkpoint version 99");
    copy_modified(good, bad, n / 2, 0x10, -1); /* one bit of the payload */
    assert_rejected(bad, "offset 12", "checksum mismatch");
    copy_modified(good, bad, -1, 0, n - 10);
    assert_rejected(bad, "truncated", "payload bytes");
    copy_modified(good, bad, -1, 0, 12); /* inside the header */
    assert_rejected(bad, "truncated at offset 12", "payload checksum");
    copy_modified(good, bad, -1, 0, 3);
    assert_rejected(bad, "offset 0", "wrong magic");

    clcnn_checkpoint k;
    ck_assert_int_eq(clcnn_checkpoint_read(test_tmp_path("no-such.ckpt"), &k), CLCNN_ERR_IO);
    ck_assert(strstr(clcnn_last_error(), "no-such.ckpt") != NULL);
}
END_TEST

START_TEST(resume_into_another_architecture_is_refused)
{
    clcnn_trainer *t = trained(ref, "arch.ckpt");
    clcnn_trainer_destroy(t);
    clcnn_checkpoint k;
    ck_assert_int_eq(clcnn_checkpoint_read(test_tmp_path("arch.ckpt"), &k), CLCNN_OK);
    clcnn_model_spec other;
    ck_assert_int_eq(clcnn_model_spec_parse("input 3 16 16\nconv 6 3 pad=1 bias=0\nbatchnorm\n"
                                            "relu\nmaxpool 2\nfc 5\n", "other", &other),
                     CLCNN_OK);
    clcnn_train_config c = config();
    ck_assert_int_eq(clcnn_trainer_create(ref, &other, &train_set, NULL, NULL, &c, &t), CLCNN_OK);
    ck_assert_int_eq(clcnn_trainer_restore(t, &k), CLCNN_ERR_ARG);
    const char *msg = clcnn_last_error();
    ck_assert_msg(strstr(msg, "architecture mismatch") && strstr(msg, "conv 6"), "%s", msg);
    clcnn_trainer_destroy(t);
    /* same architecture, other optimizer */
    c.optimizer.kind = CLCNN_OPT_SGD;
    ck_assert_int_eq(clcnn_trainer_create(ref, &spec, &train_set, NULL, NULL, &c, &t), CLCNN_OK);
    ck_assert_int_eq(clcnn_trainer_restore(t, &k), CLCNN_ERR_ARG);
    ck_assert(strstr(clcnn_last_error(), "optimizer adam") != NULL);
    clcnn_trainer_destroy(t);
    clcnn_checkpoint_free(&k);
}
END_TEST

/* The default OpenCL device, or NULL (test skipped) when there is none; a
 * device that exists but fails to open fails the test. */
static clcnn_backend *open_opencl(void)
{
    clcnn_device_info *devices = NULL;
    int count = 0;
    ck_assert_int_eq(clcnn_devices_list(&devices, &count), CLCNN_OK);
    free(devices);
    if (count == 0) {
        fprintf(stderr, "skipped: no OpenCL device\n");
        return NULL;
    }
    clcnn_backend *cl = NULL;
    ck_assert_msg(clcnn_backend_cl_create(NULL, &cl) == CLCNN_OK, "%s", clcnn_last_error());
    return cl;
}

START_TEST(checkpoint_from_opencl_resumes_on_cpu)
{
    clcnn_backend *cl = open_opencl();
    if (!cl)
        return;
    clcnn_trainer *t = trained(cl, "cl.ckpt");
    float *cl_flat = malloc(sizeof(float) * clcnn_net_flat_count(clcnn_trainer_net(t)));
    ck_assert_int_eq(clcnn_net_get_flat(clcnn_trainer_net(t), cl_flat), CLCNN_OK);
    clcnn_trainer_destroy(t);

    clcnn_checkpoint k;
    ck_assert_int_eq(clcnn_checkpoint_read(test_tmp_path("cl.ckpt"), &k), CLCNN_OK);
    clcnn_train_config c = k.config;
    c.iterations = 10;
    ck_assert_int_eq(clcnn_trainer_create(ref, &spec, &train_set, NULL, NULL, &c, &t), CLCNN_OK);
    ck_assert_msg(clcnn_trainer_restore(t, &k) == CLCNN_OK, "%s", clcnn_last_error());
    size_t n = clcnn_net_flat_count(clcnn_trainer_net(t));
    float *ref_flat = malloc(sizeof(float) * n);
    ck_assert_int_eq(clcnn_net_get_flat(clcnn_trainer_net(t), ref_flat), CLCNN_OK);
    ck_assert_int_eq(memcmp(cl_flat, ref_flat, sizeof(float) * n), 0); /* floats, bit for bit */
    ck_assert_int_eq(clcnn_trainer_run(t, NULL), CLCNN_OK);
    ck_assert_int_eq(clcnn_trainer_iteration(t), 10);
    free(cl_flat);
    free(ref_flat);
    clcnn_trainer_destroy(t);
    clcnn_checkpoint_free(&k);
    clcnn_backend_destroy(cl);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("train_checkpoint");
    TCase *tc = tcase_create("checkpoint");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, round_trip_keeps_everything);
    tcase_add_test(tc, version_1_files_load_without_smoothing_or_warmup);
    tcase_add_test(tc, write_is_atomic_and_leaves_no_temporary);
    tcase_add_test(tc, each_corruption_is_rejected_with_its_message);
    tcase_add_test(tc, resume_into_another_architecture_is_refused);
    tcase_add_test(tc, checkpoint_from_opencl_resumes_on_cpu);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(suite());
}
