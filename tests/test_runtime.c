/* Foundation: device enumeration and selection, kernel build errors, transfers,
 * OpenCL error names. Runs on PoCL with two devices (POCL_DEVICES="pthread basic"). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cl/cl_runtime.h"
#include "clcnn/device.h"
#include "test_env.h"
#include "test_files.h"

static clcnn_device_info *devices;
static int device_count;

static void list_devices(void)
{
    ck_assert_int_eq(clcnn_devices_list(&devices, &device_count), CLCNN_OK);
    ck_assert_int_ge(device_count, 2); /* pthread + basic */
}

static void free_devices(void) { free(devices); }

START_TEST(lists_pocl_devices)
{
    for (int i = 0; i < device_count; i++) {
        ck_assert_int_eq(devices[i].index, i);
        ck_assert_str_ne(devices[i].name, "");
        ck_assert_uint_gt(devices[i].max_work_group_size, 0);
        ck_assert_uint_gt(devices[i].global_mem_bytes, 0);
    }
    ck_assert(strstr(devices[0].platform, "Portable Computing Language") != NULL);
}
END_TEST

START_TEST(selects_by_index)
{
    int index = -1;
    ck_assert_int_eq(clcnn_device_select("1", devices, device_count, &index), CLCNN_OK);
    ck_assert_int_eq(index, 1);
}
END_TEST

START_TEST(selects_by_name_substring_ignoring_case)
{
    int index = -1;
    ck_assert_int_eq(clcnn_device_select("BASIC", devices, device_count, &index), CLCNN_OK);
    ck_assert(strstr(devices[index].name, "basic") != NULL);
    ck_assert_int_eq(clcnn_device_select("portable computing", devices, device_count, &index),
                     CLCNN_OK);
    ck_assert_int_eq(index, 0); /* platform name matches the first device */
}
END_TEST

START_TEST(selects_from_environment)
{
    int index = -1;
    setenv("CLCNN_DEVICE", "1", 1);
    ck_assert_int_eq(clcnn_device_select(NULL, devices, device_count, &index), CLCNN_OK);
    ck_assert_int_eq(index, 1);
    /* An explicit spec wins over the environment. */
    ck_assert_int_eq(clcnn_device_select("0", devices, device_count, &index), CLCNN_OK);
    ck_assert_int_eq(index, 0);
    unsetenv("CLCNN_DEVICE");
    ck_assert_int_eq(clcnn_device_select("", devices, device_count, &index), CLCNN_OK);
    ck_assert_int_eq(index, clcnn_device_default(devices, device_count));
}
END_TEST

START_TEST(bad_index_and_unknown_name_fail_clearly)
{
    int index = -1;
    ck_assert_int_eq(clcnn_device_select("7", devices, device_count, &index), CLCNN_ERR_DEVICE);
    ck_assert(strstr(clcnn_last_error(), "no device with that index") != NULL);
    ck_assert_int_eq(clcnn_device_select("radeon-xyz", devices, device_count, &index),
                     CLCNN_ERR_DEVICE);
    ck_assert(strstr(clcnn_last_error(), "radeon-xyz") != NULL);
    clcnn_backend *be = NULL;
    ck_assert_int_eq(clcnn_backend_cl_create("radeon-xyz", &be), CLCNN_ERR_DEVICE);
    ck_assert_ptr_null(be);
}
END_TEST

START_TEST(error_names)
{
    ck_assert_str_eq(clcnn_cl_error_name(CL_OUT_OF_RESOURCES), "CL_OUT_OF_RESOURCES");
    ck_assert_str_eq(clcnn_cl_error_name(-5), "CL_OUT_OF_RESOURCES");
    ck_assert_str_eq(clcnn_cl_error_name(CL_INVALID_KERNEL_NAME), "CL_INVALID_KERNEL_NAME");
    ck_assert_str_eq(clcnn_cl_error_name(CL_MEM_OBJECT_ALLOCATION_FAILURE),
                     "CL_MEM_OBJECT_ALLOCATION_FAILURE");
    ck_assert_str_eq(clcnn_cl_error_name(-9999), "CL_UNKNOWN_ERROR(-9999)");
    ck_assert_int_eq(clcnn_cl_fail(CL_OUT_OF_RESOURCES, "clEnqueueNDRangeKernel(x)", "f.c", 12),
                     CLCNN_ERR_OPENCL);
    ck_assert_str_eq(clcnn_last_error(), "clEnqueueNDRangeKernel(x): CL_OUT_OF_RESOURCES (f.c:12)");
}
END_TEST

START_TEST(build_failure_carries_build_log)
{
    const char *dir = test_tmp_path("broken-kernels");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "mkdir -p %s && rm -f %s/*.cl", dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s/broken.cl", dir);
    FILE *f = fopen(cmd, "w");
    ck_assert_ptr_nonnull(f);
    fputs("__kernel void broken(__global float *x) { x[0] = undefined_thing_42; }\n", f);
    fclose(f);
    setenv("CLCNN_KERNEL_DIR", dir, 1);
    clcnn_backend *be = NULL;
    ck_assert_int_eq(clcnn_backend_cl_create("0", &be), CLCNN_ERR_BUILD);
    unsetenv("CLCNN_KERNEL_DIR");
    ck_assert(strstr(clcnn_last_error(), "undefined_thing_42") != NULL);
    ck_assert(strstr(clcnn_last_error(), "CL_BUILD_PROGRAM_FAILURE") != NULL);
}
END_TEST

/* clcnn_cl_set_args counts its list; a list that does not match the
 * kernel's parameters fails naming the kernel and both counts. */
START_TEST(kernel_argument_lists_are_counted_and_checked)
{
    clcnn_backend *be = NULL;
    ck_assert_msg(clcnn_backend_cl_create("0", &be) == CLCNN_OK, "%s", clcnn_last_error());
    cl_kernel k;
    ck_assert_int_eq(clcnn_cl_kernel(clcnn_cl_of(be), "scale_kernel", &k), CLCNN_OK);
    float alpha = 2.0f;
    int total = 1;
    ck_assert_int_eq(clcnn_cl_set_args(k, "scale_kernel", CLCNN_ARG(alpha), CLCNN_ARG(total)),
                     CLCNN_ERR_ARG);
    ck_assert_str_eq(clcnn_last_error(), "scale_kernel takes 3 arguments, 2 given");
    clcnn_tensor y;
    ck_assert_int_eq(clcnn_tensor_alloc(be, &y, clcnn_shape_make(1, 1, 1, 1), CLCNN_REAL, "y"),
                     CLCNN_OK);
    cl_mem ym = clcnn_cl_mem(&y);
    ck_assert_int_eq(clcnn_cl_set_args(k, "scale_kernel", CLCNN_ARG(alpha), CLCNN_ARG(ym),
                                       CLCNN_ARG(total)),
                     CLCNN_OK);
    clcnn_tensor_free(&y);
    clcnn_backend_destroy(be);
}
END_TEST

/* Upload then download must return every bit unchanged, for REAL, U8 and I32. */
START_TEST(transfers_round_trip_bit_exactly)
{
    clcnn_backend *be = NULL;
    ck_assert_msg(clcnn_backend_cl_create("0", &be) == CLCNN_OK, "%s", clcnn_last_error());
    static const size_t sizes[] = {1, 2, 3, 1000, 65537, 10000000};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        float *in = malloc(n * sizeof *in), *out = malloc(n * sizeof *out);
        ck_assert(in && out);
        uint32_t x = 12345u + (uint32_t)n;
        for (size_t i = 0; i < n; i++) {
            x = x * 1664525u + 1013904223u;
            memcpy(&in[i], &x, sizeof x); /* arbitrary bit patterns, NaNs included */
        }
        clcnn_tensor t;
        ck_assert_int_eq(clcnn_tensor_alloc(be, &t, clcnn_shape_make((int)n, 1, 1, 1), CLCNN_I32,
                                            "round-trip"), CLCNN_OK);
        ck_assert_int_eq(clcnn_tensor_upload(&t, 0, n, in), CLCNN_OK);
        ck_assert_int_eq(clcnn_tensor_download(&t, 0, n, out), CLCNN_OK);
        ck_assert_int_eq(memcmp(in, out, n * sizeof *in), 0);
        clcnn_tensor_free(&t);
        ck_assert_int_eq(clcnn_tensor_alloc(be, &t, clcnn_shape_make((int)n, 1, 1, 1), CLCNN_REAL,
                                            "round-trip"), CLCNN_OK);
        for (size_t i = 0; i < n; i++)
            in[i] = (float)i * 0.37f - 5.0f;
        ck_assert_int_eq(clcnn_tensor_upload(&t, 0, n, in), CLCNN_OK);
        ck_assert_int_eq(clcnn_tensor_download(&t, 0, n, out), CLCNN_OK);
        ck_assert_int_eq(memcmp(in, out, n * sizeof *in), 0);
        if (n > 2) { /* partial ranges */
            float mid = 42.5f, back = 0;
            ck_assert_int_eq(clcnn_tensor_upload(&t, n / 2, 1, &mid), CLCNN_OK);
            ck_assert_int_eq(clcnn_tensor_download(&t, n / 2, 1, &back), CLCNN_OK);
            ck_assert(back == mid);
        }
        ck_assert_int_eq(clcnn_tensor_download(&t, n, 1, out), CLCNN_ERR_ARG);
        clcnn_tensor_free(&t);
        free(in);
        free(out);
    }
    ck_assert_uint_eq(be->counters.bytes_in_use, 0);
    clcnn_backend_destroy(be);
}
END_TEST

/* The device `clcnn devices` marks with '*' is PoCL's pthread device. */
static void expect_pthread_default(const char *out)
{
    const char *star = strstr(out, " * ");
    ck_assert_msg(star != NULL, "no default marked:\n%s", out);
    ck_assert_msg(strncmp(strchr(star, ':') + 2, "pthread", 7) == 0,
                  "the default is not PoCL's pthread device:\n%s", out);
}

START_TEST(devices_command_shows_pocl)
{
    char out[16384];
    ck_assert_int_eq(test_run(CLCNN_EXE " devices", out, sizeof out), 0);
    ck_assert(strstr(out, "Portable Computing Language") != NULL);
    /* basic and pthread alike but for their compute units */
    expect_pthread_default(out);
    ck_assert_msg(strstr(out, "default: most compute units x clock") != NULL, "%s", out);
    ck_assert_int_ne(test_run(CLCNN_EXE " devices --bogus", out, sizeof out), 0);
}
END_TEST

/* Runs `clcnn ARGS` with PoCL and the ICDs listed ("name:library" each)
 * registered through a vendors folder of this run only (OCL_ICD_VENDORS);
 * returns its exit status, its output in out. */
static int clcnn_beside_pocl(const char *folder, const char *const *icds, int count,
                             const char *env, const char *args, char *out, size_t size)
{
    char vendors[4096], command[16384];
    snprintf(vendors, sizeof vendors, "%s", test_tmp_path(folder));
    snprintf(command, sizeof command, "mkdir -p %s && cp /etc/OpenCL/vendors/pocl.icd %s/",
             vendors, vendors);
    ck_assert_int_eq(test_run(command, out, size), 0);
    for (int i = 0; i < count; i++) {
        const char *colon = strchr(icds[i], ':');
        snprintf(command, sizeof command, "echo %s > %s/%.*s.icd", colon + 1, vendors,
                 (int)(colon - icds[i]), icds[i]);
        ck_assert_int_eq(test_run(command, out, size), 0);
    }
    snprintf(command, sizeof command, "env -u RUSTICL_ENABLE POCL_DEVICES=pthread "
             "OCL_ICD_VENDORS=%s %s " CLCNN_EXE " %s", vendors, env, args);
    return test_run(command, out, (unsigned long)size);
}

/* The first of paths that exists, or NULL. */
static const char *first_present(const char *const *paths, int count)
{
    for (int i = 0; i < count; i++)
        if (access(paths[i], R_OK) == 0)
            return paths[i];
    return NULL;
}

/* Oclgrind's simulator calls itself a GPU, yet PoCL is the default. Where
 * Debian's oclgrind is not installed there is nothing to rank. */
START_TEST(pocl_is_default_beside_oclgrind)
{
    const char *candidates[] = {"/usr/lib/oclgrind/liboclgrind-rt-icd.so",
                                "/usr/lib/x86_64-linux-gnu/oclgrind/liboclgrind-rt-icd.so"};
    const char *oclgrind = first_present(candidates, 2);
    if (!oclgrind) {
        printf("oclgrind is not installed: PoCL beside Oclgrind not tried\n");
        return;
    }
    char icd[4200], out[16384];
    snprintf(icd, sizeof icd, "oclgrind:%s", oclgrind);
    const char *icds[] = {icd};
    ck_assert_int_eq(clcnn_beside_pocl("vendors-pocl-oclgrind", icds, 1, "", "devices", out,
                                       sizeof out), 0);
    ck_assert_msg(strstr(out, "Oclgrind Simulator") != NULL, "Oclgrind not listed:\n%s", out);
    expect_pthread_default(out);
    ck_assert_msg(strstr(out, "default: a hardware device, before a software device") != NULL,
                  "no reason given:\n%s", out);
}
END_TEST

/* Mesa's Clover lists no device without a GPU, nor rusticl without
 * RUSTICL_ENABLE: platforms with no device are skipped, by listing and by
 * every command that opens a device. */
START_TEST(platforms_without_devices_are_named)
{
    const char *clover_paths[] = {"/usr/lib/x86_64-linux-gnu/libMesaOpenCL.so.1"};
    const char *rusticl_paths[] = {"/usr/lib/x86_64-linux-gnu/libRusticlOpenCL.so.1"};
    const char *clover = first_present(clover_paths, 1);
    const char *rusticl = first_present(rusticl_paths, 1);
    if (!clover || !rusticl) {
        printf("mesa-opencl-icd is not installed: platforms without devices not tried\n");
        return;
    }
    char clover_icd[4200], rusticl_icd[4200], out[65536];
    snprintf(clover_icd, sizeof clover_icd, "mesa:%s", clover);
    snprintf(rusticl_icd, sizeof rusticl_icd, "rusticl:%s", rusticl);
    const char *icds[] = {clover_icd, rusticl_icd};
    ck_assert_int_eq(clcnn_beside_pocl("vendors-pocl-mesa", icds, 2, "", "devices", out,
                                       sizeof out), 0);
    expect_pthread_default(out);
    ck_assert_msg(strstr(out, "default: the only device") != NULL, "%s", out);
    ck_assert_msg(strstr(out, ": Clover: no device\n") != NULL, "Clover not named:\n%s", out);
    ck_assert_msg(strstr(out, ": rusticl: no device\n") != NULL, "rusticl not named:\n%s", out);
    int status = clcnn_beside_pocl("vendors-pocl-mesa", icds, 2, "CLCNN_CACHE_DIR=",
                                   "check --quick --model small --batch 2", out, sizeof out);
    ck_assert_msg(status == 0, "clcnn check beside Mesa's empty platforms: exit %d\n%s", status,
                  out);
}
END_TEST

int main(void)
{
    setenv("POCL_DEVICES", "pthread basic", 1);
    Suite *s = suite_create("runtime");
    TCase *tc = tcase_create("devices");
    tcase_add_checked_fixture(tc, list_devices, free_devices);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, lists_pocl_devices);
    tcase_add_test(tc, selects_by_index);
    tcase_add_test(tc, selects_by_name_substring_ignoring_case);
    tcase_add_test(tc, selects_from_environment);
    tcase_add_test(tc, bad_index_and_unknown_name_fail_clearly);
    tcase_add_test(tc, error_names);
    tcase_add_test(tc, build_failure_carries_build_log);
    tcase_add_test(tc, transfers_round_trip_bit_exactly);
    tcase_add_test(tc, kernel_argument_lists_are_counted_and_checked);
    tcase_add_test(tc, devices_command_shows_pocl);
    tcase_add_test(tc, pocl_is_default_beside_oclgrind);
    tcase_add_test(tc, platforms_without_devices_are_named);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
