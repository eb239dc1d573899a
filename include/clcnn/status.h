/* clcnn — status codes and the last error message.
 *
 * Every library function that can fail returns a clcnn_status. On failure it
 * leaves a message, readable with clcnn_last_error(), that names the operation,
 * the cause (the OpenCL error by name, or the file and byte offset / line of bad
 * input) and where in the library it happened. The library never prints and
 * never exits. Messages are kept per thread.
 */
#ifndef CLCNN_STATUS_H
#define CLCNN_STATUS_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum clcnn_status {
    CLCNN_OK = 0,
    CLCNN_ERR_ARG,        /* invalid argument or flag value */
    CLCNN_ERR_IO,         /* file cannot be opened, read or written */
    CLCNN_ERR_FORMAT,     /* malformed input file (data, model, checkpoint, image) */
    CLCNN_ERR_NOMEM,      /* host or device memory exhausted */
    CLCNN_ERR_OPENCL,     /* an OpenCL call failed */
    CLCNN_ERR_CLBLAST,    /* a CLBlast call failed */
    CLCNN_ERR_DEVICE,     /* no such device, or device unusable */
    CLCNN_ERR_BUILD,      /* kernel compilation failed (message holds the build log) */
    CLCNN_ERR_NUMERIC,    /* loss became NaN or Inf */
    CLCNN_ERR_INTERRUPTED,/* stopped by a signal */
    CLCNN_ERR_CHECK       /* a device failed its check against the CPU reference */
} clcnn_status;

/* Message of the last failure on this thread ("" if none). */
const char *clcnn_last_error(void);

/* Short name of a status code ("CLCNN_ERR_IO"). */
const char *clcnn_status_name(clcnn_status status);

/* Record a failure: formats the message, prefixed by nothing, and returns status.
 * Used by the library and available to programs that embed it. */
clcnn_status clcnn_fail(clcnn_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Prepend context to the current message ("loading model.txt: " + old message)
 * and return status unchanged. */
clcnn_status clcnn_fail_context(clcnn_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Record a malformed-text failure (CLCNN_ERR_FORMAT) as "<source>:<line>: <reason>",
 * the form every line-based parser (model files, recipes) reports. */
clcnn_status clcnn_vfail_at_line(const char *source, int line, const char *fmt, va_list ap);

/* Clear the message. */
void clcnn_clear_error(void);

/* Warnings: conditions the library recovers from on its own (a corrupt kernel
 * cache entry that it rebuilds, say). They go to the handler set here, and
 * nowhere when none is set: the library itself never prints. */
typedef void (*clcnn_warning_handler)(const char *message);
void clcnn_set_warning_handler(clcnn_warning_handler handler);
void clcnn_warn(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#ifdef __cplusplus
}
#endif
#endif
