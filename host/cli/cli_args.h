/* Strict command-line parsing shared by the commands: flags with values
 * ("--lr 0.1" or "--lr=0.1"), whole numbers and reals checked for syntax and
 * range, and the --device / --cpu backend choice. Every failure prints one
 * line "clcnn CMD: FLAG: reason (see clcnn CMD --help)" on stderr; the caller
 * then exits with status 2 (usage) or 1 (a device that cannot be opened). */
#ifndef CLCNN_CLI_ARGS_H
#define CLCNN_CLI_ARGS_H

#include <stdint.h>

#include "clcnn/backend.h"

typedef struct cli_parser {
    const char *cmd;  /* "train": for messages */
    int argc;
    char **argv;
    int i;            /* index of the argument being examined */
    int failed;       /* a message was printed */
} cli_parser;

void cli_parser_init(cli_parser *p, const char *cmd, int argc, char **argv);

/* 1 while arguments remain (and no error occurred). */
int cli_more(const cli_parser *p);

/* The current argument is the value-less flag name: consume it, return 1. */
int cli_flag(cli_parser *p, const char *name);

/* The current argument is "name VALUE" or "name=VALUE": consume it, set
 * *value, return 1. A missing value prints an error, sets failed, returns 0. */
int cli_option(cli_parser *p, const char *name, const char **value);

/* A positional argument (not starting with '-'): consume it, return 1. */
int cli_positional(cli_parser *p, const char **value);

/* Report the current argument as unknown (sets failed). */
void cli_unknown(cli_parser *p);

/* Print "clcnn CMD: message (see clcnn CMD --help)" and set failed. */
void cli_error(cli_parser *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Parse text as a whole number in [min, max] / a finite real in [min, max]
 * (min excluded when min_open); on failure print naming flag, set failed,
 * return 0. */
int cli_long(cli_parser *p, const char *flag, const char *text, long min, long max, long *out);
int cli_int(cli_parser *p, const char *flag, const char *text, int min, int max, int *out);
int cli_u64(cli_parser *p, const char *flag, const char *text, uint64_t *out);
int cli_real(cli_parser *p, const char *flag, const char *text, double min, int min_open,
             double max, double *out);
int cli_float(cli_parser *p, const char *flag, const char *text, double min, int min_open,
              double max, float *out);

/* The value of flag names a file the command will write later: fail now
 * (print, set failed, return 0) when it is a directory or its folder does not
 * exist or is not writable, rather than after hours of training. */
int cli_output_path(cli_parser *p, const char *flag, const char *path);

/* The backend of --cpu (the float CPU reference) or else of --device SPEC
 * (NULL: CLCNN_DEVICE or the default device). Prints the failure as
 * "clcnn CMD: message" and returns 0. */
int cli_open_backend(const char *cmd, int cpu, const char *device, clcnn_backend **out);

/* A one-line description of the backend: "OpenCL: NAME (PLATFORM)" or "CPU reference". */
void cli_backend_describe(const clcnn_backend *be, char *buf, unsigned long size);

/* "presets: NAME, NAME, ..." from the preset table, wrapped to 80 columns:
 * the --help of the commands that take --model. */
void cli_print_presets(void);

#endif
