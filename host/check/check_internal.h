/* Shared by the files of host/check (not installed). */
#ifndef CLCNN_CHECK_INTERNAL_H
#define CLCNN_CHECK_INTERNAL_H

#include "clcnn/check.h"

/* Append a result (passed when detail is NULL and error <= tolerance; a NaN
 * error counts as infinite) and call opts->on_result (opts may be NULL). */
clcnn_status check_report_add(clcnn_check_report *report, const clcnn_check_options *opts,
                              const char *name, double error, double tolerance,
                              const char *detail);

#endif
