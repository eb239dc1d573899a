/* Small devices, simulated on PoCL by lowering the device's limits through
 * CLCNN_MAX_WORK_GROUP and CLCNN_MAX_ALLOC_MB (read when a backend is
 * created; each Check test runs in a forked child, so each setting gets a
 * fresh process): the op table passes at any work-group size, convolutions
 * split their im2col scratch to fit the allocation limit, and a tensor that
 * cannot fit is refused with its name. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/check.h"
#include "clcnn/device.h"
#include "clcnn/op_cases.h"
#include "test_files.h"

static clcnn_backend *dev, *ref;

static void open_backends(const char *group_cap, const char *alloc_cap_mb)
{
    if (group_cap)
        setenv("CLCNN_MAX_WORK_GROUP", group_cap, 1);
    if (alloc_cap_mb)
        setenv("CLCNN_MAX_ALLOC_MB", alloc_cap_mb, 1);
    ck_assert_msg(clcnn_backend_cl_create(NULL, &dev) == CLCNN_OK, "%s", clcnn_last_error());
    ck_assert_int_eq(clcnn_backend_ref_create(&ref), CLCNN_OK);
}

static void close_backends(void)
{
    clcnn_backend_destroy(dev);
    clcnn_backend_destroy(ref);
}

static void assert_all_passed(const clcnn_check_report *report)
{
    const clcnn_check_result *bad = clcnn_check_report_first_failure(report);
    ck_assert_msg(bad == NULL, "%d of %d failed, first %s: error %g > %g %s",
                  report->failures, report->count, bad ? bad->name : "",
                  bad ? bad->error : 0.0, bad ? bad->tolerance : 0.0, bad ? bad->detail : "");
}

/* The whole op table with work-groups of at most cap items. */
static void check_table(const char *cap)
{
    open_backends(cap, NULL);
    ck_assert_uint_eq(clcnn_backend_cl_device(dev)->max_work_group_size,
                      strtoul(cap, NULL, 10));
    clcnn_check_options opts = {.quick = 0};
    clcnn_check_report report = {0};
    ck_assert_int_eq(clcnn_check_ops(dev, ref, &opts, &report), CLCNN_OK);
    ck_assert_int_gt(report.count, 0);
    assert_all_passed(&report);
    clcnn_check_report_free(&report);
    close_backends();
}

START_TEST(op_table_passes_with_work_groups_of_64)
{
    check_table("64");
}
END_TEST

/* Work-groups of one item: every reduction's tree degenerates to a loop. */
START_TEST(op_table_passes_with_work_groups_of_1)
{
    check_table("1");
}
END_TEST

/* cifar at batch 8 under a 2 MiB allocation limit. Unsplit, the im2col
 * scratch of conv2 would take 8 images x 800 rows x 256 columns x 4 bytes =
 * 6.4 MiB and be refused; the network must run conv1, conv2 and conv3 in
 * chunks of 6, 2 and 5 images (fc1.weight, 2 MiB, just fits). */
START_TEST(training_step_splits_im2col_to_fit_the_allocation_limit)
{
    open_backends(NULL, "2");
    ck_assert_uint_eq(clcnn_backend_cl_device(dev)->max_alloc_bytes, 2u << 20);
    /* the network learns the limit through the op interface */
    ck_assert_uint_eq(clcnn_backend_max_alloc_bytes(dev), 2u << 20);
    ck_assert_ptr_eq(clcnn_backend_device(dev), clcnn_backend_cl_device(dev));
    ck_assert_uint_eq(clcnn_backend_max_alloc_bytes(ref), 0);
    ck_assert_ptr_null(clcnn_backend_device(ref));
    clcnn_check_options opts = {.batch = 8};
    clcnn_check_report report = {0};
    ck_assert_msg(clcnn_check_step(dev, ref, &opts, &report) == CLCNN_OK, "%s",
                  clcnn_last_error());
    ck_assert_int_gt(report.count, 10); /* logits, loss, 14 gradients */
    assert_all_passed(&report);
    clcnn_check_report_free(&report);
    close_backends();
}
END_TEST

START_TEST(a_tensor_over_the_allocation_limit_is_refused_by_name)
{
    open_backends(NULL, "1");
    clcnn_model_spec spec;
    ck_assert_int_eq(clcnn_model_spec_preset("cifar", &spec), CLCNN_OK);
    clcnn_net *net = NULL;
    ck_assert_int_eq(clcnn_net_create(dev, &spec, 8, 1, &net), CLCNN_ERR_NOMEM);
    ck_assert_ptr_null(net);
    const char *msg = clcnn_last_error();
    /* fc1's 256 x 2048 weight, 2 MiB, is the first tensor over 1 MiB */
    ck_assert_msg(strstr(msg, "fc1.weight") && strstr(msg, "2097152 bytes") &&
                      strstr(msg, "CL_DEVICE_MAX_MEM_ALLOC_SIZE"),
                  "%s", msg);
    close_backends();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("device limits");
    TCase *groups = tcase_create("work-group size");
    tcase_set_timeout(groups, 120);
    tcase_add_test(groups, op_table_passes_with_work_groups_of_64);
    tcase_add_test(groups, op_table_passes_with_work_groups_of_1);
    suite_add_tcase(s, groups);
    TCase *alloc = tcase_create("allocation size");
    tcase_set_timeout(alloc, 60);
    tcase_add_test(alloc, training_step_splits_im2col_to_fit_the_allocation_limit);
    tcase_add_test(alloc, a_tensor_over_the_allocation_limit_is_refused_by_name);
    suite_add_tcase(s, alloc);
    return test_run_suite(s);
}
