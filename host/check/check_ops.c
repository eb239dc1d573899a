/* clcnn_check_device and the op-case part of a device check (see clcnn/check.h);
 * the training step is check_step.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_internal.h"
#include "clcnn/op_cases.h"

clcnn_status check_report_add(clcnn_check_report *report, const clcnn_check_options *opts,
                              const char *name, double error, double tolerance,
                              const char *detail)
{
    if (report->count == report->capacity) {
        int capacity = report->capacity ? 2 * report->capacity : 128;
        clcnn_check_result *r = realloc(report->results, (size_t)capacity * sizeof *r);
        if (!r)
            return clcnn_fail(CLCNN_ERR_NOMEM, "check: out of host memory");
        report->results = r;
        report->capacity = capacity;
    }
    clcnn_check_result *r = &report->results[report->count++];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    r->error = isnan(error) ? INFINITY : error;
    r->tolerance = tolerance;
    /* Written so that a NaN error can never pass. */
    r->passed = detail == NULL && r->error <= tolerance;
    if (detail)
        snprintf(r->detail, sizeof r->detail, "%s", detail);
    report->failures += !r->passed;
    if (opts && opts->on_result)
        opts->on_result(r, opts->user);
    return CLCNN_OK;
}

clcnn_status clcnn_check_ops(clcnn_backend *dev, clcnn_backend *ref,
                             const clcnn_check_options *opts, clcnn_check_report *report)
{
    uint32_t seed = opts->seed ? opts->seed : CLCNN_CHECK_SEED;
    for (int i = 0; i < clcnn_op_case_count(); i++) {
        const clcnn_op_case *cs = clcnn_op_case_at(i);
        if (opts->quick && !cs->quick)
            continue;
        char name[CLCNN_CHECK_NAME_MAX];
        clcnn_op_case_name(cs, name, sizeof name);
        double error = INFINITY;
        clcnn_status st = clcnn_op_case_check(cs, dev, ref, seed + (uint32_t)i, &error);
        clcnn_status added =
            check_report_add(report, opts, name, error, clcnn_op_case_tolerance(cs),
                             st == CLCNN_OK ? NULL : clcnn_last_error());
        if (added != CLCNN_OK)
            return added;
    }
    return CLCNN_OK;
}

clcnn_status clcnn_check_device(clcnn_backend *dev, clcnn_backend *ref,
                                const clcnn_check_options *opts, clcnn_check_report *report)
{
    clcnn_check_options defaults;
    memset(&defaults, 0, sizeof defaults);
    if (!opts)
        opts = &defaults;
    clcnn_status st = clcnn_check_ops(dev, ref, opts, report);
    return st == CLCNN_OK ? clcnn_check_step(dev, ref, opts, report) : st;
}

const clcnn_check_result *clcnn_check_report_first_failure(const clcnn_check_report *report)
{
    for (int i = 0; i < report->count; i++)
        if (!report->results[i].passed)
            return &report->results[i];
    return NULL;
}

void clcnn_check_report_free(clcnn_check_report *report)
{
    free(report->results);
    memset(report, 0, sizeof *report);
}
