#include "clcnn/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MESSAGE_MAX 8192 /* large enough for a kernel build log excerpt */

static _Thread_local char last_message[MESSAGE_MAX];

const char *clcnn_last_error(void) { return last_message; }

void clcnn_clear_error(void) { last_message[0] = '\0'; }

const char *clcnn_status_name(clcnn_status status)
{
    switch (status) {
    case CLCNN_OK: return "CLCNN_OK";
    case CLCNN_ERR_ARG: return "CLCNN_ERR_ARG";
    case CLCNN_ERR_IO: return "CLCNN_ERR_IO";
    case CLCNN_ERR_FORMAT: return "CLCNN_ERR_FORMAT";
    case CLCNN_ERR_NOMEM: return "CLCNN_ERR_NOMEM";
    case CLCNN_ERR_OPENCL: return "CLCNN_ERR_OPENCL";
    case CLCNN_ERR_CLBLAST: return "CLCNN_ERR_CLBLAST";
    case CLCNN_ERR_DEVICE: return "CLCNN_ERR_DEVICE";
    case CLCNN_ERR_BUILD: return "CLCNN_ERR_BUILD";
    case CLCNN_ERR_NUMERIC: return "CLCNN_ERR_NUMERIC";
    case CLCNN_ERR_INTERRUPTED: return "CLCNN_ERR_INTERRUPTED";
    case CLCNN_ERR_CHECK: return "CLCNN_ERR_CHECK";
    }
    return "CLCNN_ERR_UNKNOWN";
}

clcnn_status clcnn_fail(clcnn_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_message, sizeof last_message, fmt, ap);
    va_end(ap);
    return status;
}

clcnn_status clcnn_vfail_at_line(const char *source, int line, const char *fmt, va_list ap)
{
    char reason[512];
    vsnprintf(reason, sizeof reason, fmt, ap);
    return clcnn_fail(CLCNN_ERR_FORMAT, "%s:%d: %s", source, line, reason);
}

clcnn_status clcnn_fail_context(clcnn_status status, const char *fmt, ...)
{
    char prefix[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    if (n < 0)
        return status;
    size_t plen = strlen(prefix);
    size_t old = strnlen(last_message, sizeof last_message - 1);
    if (plen + old >= sizeof last_message)
        old = sizeof last_message - 1 - plen; /* keep the prefix, truncate the old tail */
    memmove(last_message + plen, last_message, old);
    memcpy(last_message, prefix, plen);
    last_message[plen + old] = '\0';
    return status;
}

static clcnn_warning_handler warning_handler;

void clcnn_set_warning_handler(clcnn_warning_handler handler) { warning_handler = handler; }

void clcnn_warn(const char *fmt, ...)
{
    if (!warning_handler)
        return;
    char message[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    warning_handler(message);
}
