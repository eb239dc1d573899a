/* The default device on made-up device lists: hardware before simulators and
 * software devices, a discrete GPU before an integrated one, then compute
 * units x clock, and never a device whose last check failed while another
 * exists; the reason `clcnn devices` prints; CLCNN_DEVICE still overrides. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/device.h"
#include "test_files.h"

static clcnn_device_info list[4];

static clcnn_device_info *add(int i, const char *name, const char *vendor, int gpu,
                              unsigned units, unsigned mhz)
{
    clcnn_device_info *d = &list[i];
    memset(d, 0, sizeof *d);
    d->index = i;
    snprintf(d->name, sizeof d->name, "%s", name);
    snprintf(d->vendor, sizeof d->vendor, "%s", vendor);
    snprintf(d->platform, sizeof d->platform, "%s platform", vendor);
    d->is_gpu = gpu;
    d->compute_units = units;
    d->clock_mhz = mhz;
    return d;
}

static void expect_reason(int count, const char *words)
{
    char why[256];
    clcnn_device_default_reason(list, count, why, sizeof why);
    ck_assert_msg(strstr(why, words) != NULL, "reason \"%s\" lacks \"%s\"", why, words);
}

/* Oclgrind calls its simulator a GPU; PoCL's CPU still wins. */
START_TEST(simulator_never_beats_hardware)
{
    add(0, "Oclgrind Simulator", "Oclgrind", 1, 1, 1);
    add(1, "pthread-skylake-avx512", "AuthenticAMD", 0, 2, 2596);
    ck_assert_int_eq(clcnn_device_default(list, 2), 1);
    expect_reason(2, "a hardware device, before a software device (device 0)");
    ck_assert(clcnn_device_is_software(&list[0]));
    ck_assert(!clcnn_device_is_software(&list[1]));
}
END_TEST

/* llvmpipe reports more compute units than PoCL on the same CPU. */
START_TEST(software_device_never_beats_hardware)
{
    add(0, "llvmpipe (LLVM 15.0.6, 256 bits)", "Mesa/X.org", 0, 8, 2596);
    add(1, "pthread-skylake-avx512", "AuthenticAMD", 0, 2, 2596);
    ck_assert_int_eq(clcnn_device_default(list, 2), 1);
    /* alone, a software device is the default */
    ck_assert_int_eq(clcnn_device_default(list, 1), 0);
    expect_reason(1, "the only device");
}
END_TEST

START_TEST(discrete_gpu_before_integrated_and_cpu)
{
    add(0, "pthread-skylake-avx512", "AuthenticAMD", 0, 64, 3000);
    add(1, "Intel(R) UHD Graphics 770", "Intel(R) Corporation", 1, 96, 1550)
        ->host_unified_memory = 1;
    add(2, "NVIDIA GeForce GTX 1650", "NVIDIA Corporation", 1, 14, 1590);
    ck_assert_int_eq(clcnn_device_default(list, 3), 2);
    expect_reason(3, "a discrete GPU, before an integrated GPU (device 1)");
    ck_assert_int_eq(clcnn_device_default(list, 2), 1); /* integrated GPU before the CPU */
    expect_reason(2, "an integrated GPU, before a hardware device (device 0)");
}
END_TEST

START_TEST(most_compute_units_times_clock_among_equals)
{
    add(0, "NVIDIA GeForce RTX 3060", "NVIDIA Corporation", 1, 28, 1777);
    add(1, "NVIDIA H200", "NVIDIA Corporation", 1, 132, 1980);
    add(2, "NVIDIA T4", "NVIDIA Corporation", 1, 40, 1590);
    ck_assert_int_eq(clcnn_device_default(list, 3), 1);
    expect_reason(3, "most compute units x clock: 132 x 1980 MHz (device 2: 40 x 1590 MHz)");
    /* two identical devices: the first listed */
    add(2, "NVIDIA H200", "NVIDIA Corporation", 1, 132, 1980);
    ck_assert_int_eq(clcnn_device_default(list, 3), 1);
    expect_reason(3, "listed first among equals");
}
END_TEST

START_TEST(failed_check_is_never_the_default)
{
    add(0, "NVIDIA H200", "NVIDIA Corporation", 1, 132, 1980)->check_failed = 1;
    add(1, "pthread-skylake-avx512", "AuthenticAMD", 0, 2, 2596);
    add(2, "Oclgrind Simulator", "Oclgrind", 1, 1, 1);
    ck_assert_int_eq(clcnn_device_default(list, 3), 1);
    expect_reason(3, "a hardware device, before a software device (device 2)");
    list[2].check_failed = 0;
    list[1].check_failed = 1;
    ck_assert_int_eq(clcnn_device_default(list, 3), 2); /* the simulator, the only one left */
    expect_reason(3, "failed its last check");
    list[2].check_failed = 1;
    ck_assert_int_eq(clcnn_device_default(list, 3), 0); /* all failed: the best of them */
    expect_reason(3, "every device failed its last check");
}
END_TEST

START_TEST(spec_and_environment_override_the_ranking)
{
    add(0, "Oclgrind Simulator", "Oclgrind", 1, 1, 1);
    add(1, "pthread-skylake-avx512", "AuthenticAMD", 0, 2, 2596);
    int index = -1;
    unsetenv("CLCNN_DEVICE");
    ck_assert_int_eq(clcnn_device_select(NULL, list, 2, &index), CLCNN_OK);
    ck_assert_int_eq(index, 1);
    setenv("CLCNN_DEVICE", "oclgrind", 1);
    ck_assert_int_eq(clcnn_device_select(NULL, list, 2, &index), CLCNN_OK);
    ck_assert_int_eq(index, 0);
    ck_assert_int_eq(clcnn_device_select("0", list, 2, &index), CLCNN_OK);
    ck_assert_int_eq(index, 0);
    unsetenv("CLCNN_DEVICE");
    ck_assert_int_eq(clcnn_device_default(list, 0), -1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("device_rank");
    TCase *tc = tcase_create("ranking");
    tcase_add_test(tc, simulator_never_beats_hardware);
    tcase_add_test(tc, software_device_never_beats_hardware);
    tcase_add_test(tc, discrete_gpu_before_integrated_and_cpu);
    tcase_add_test(tc, most_compute_units_times_clock_among_equals);
    tcase_add_test(tc, failed_check_is_never_the_default);
    tcase_add_test(tc, spec_and_environment_override_the_ranking);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
