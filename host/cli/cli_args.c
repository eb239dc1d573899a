/* Strict command-line parsing shared by the commands (see cli_args.h). */
#include "cli/cli_args.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clcnn/device.h"
#include "clcnn/net.h"

void cli_parser_init(cli_parser *p, const char *cmd, int argc, char **argv)
{
    p->cmd = cmd;
    p->argc = argc;
    p->argv = argv;
    p->i = 1; /* argv[0] is the command name */
    p->failed = 0;
}

int cli_more(const cli_parser *p) { return !p->failed && p->i < p->argc; }

void cli_error(cli_parser *p, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "clcnn %s: %s (see clcnn %s --help)\n", p->cmd, msg, p->cmd);
    p->failed = 1;
}

int cli_flag(cli_parser *p, const char *name)
{
    if (!cli_more(p) || strcmp(p->argv[p->i], name) != 0)
        return 0;
    p->i++;
    return 1;
}

int cli_option(cli_parser *p, const char *name, const char **value)
{
    if (!cli_more(p))
        return 0;
    const char *arg = p->argv[p->i];
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0)
        return 0;
    if (arg[n] == '=') {
        *value = arg + n + 1;
        p->i++;
        return 1;
    }
    if (arg[n] != '\0')
        return 0;
    if (p->i + 1 >= p->argc) {
        cli_error(p, "%s needs a value", name);
        return 0;
    }
    *value = p->argv[p->i + 1];
    p->i += 2;
    return 1;
}

int cli_positional(cli_parser *p, const char **value)
{
    if (!cli_more(p) || p->argv[p->i][0] == '-')
        return 0;
    *value = p->argv[p->i++];
    return 1;
}

void cli_unknown(cli_parser *p)
{
    if (!cli_more(p))
        return;
    const char *arg = p->argv[p->i];
    if (arg[0] == '-')
        cli_error(p, "unknown option '%s'", arg);
    else
        cli_error(p, "unexpected argument '%s'", arg);
}

int cli_long(cli_parser *p, const char *flag, const char *text, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || text[0] == ' ') {
        cli_error(p, "%s: '%s' is not a whole number", flag, text);
        return 0;
    }
    if (errno == ERANGE || v < min || v > max) {
        cli_error(p, "%s: %s is out of range: expected %ld .. %ld", flag, text, min, max);
        return 0;
    }
    *out = v;
    return 1;
}

int cli_int(cli_parser *p, const char *flag, const char *text, int min, int max, int *out)
{
    long v;
    if (!cli_long(p, flag, text, min, max, &v))
        return 0;
    *out = (int)v;
    return 1;
}

int cli_u64(cli_parser *p, const char *flag, const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (end == text || *end != '\0' || text[0] == '-' || text[0] == ' ' || errno == ERANGE) {
        cli_error(p, "%s: '%s' is not a whole number in 0 .. 2^64-1", flag, text);
        return 0;
    }
    *out = (uint64_t)v;
    return 1;
}

int cli_real(cli_parser *p, const char *flag, const char *text, double min, int min_open,
             double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || text[0] == ' ' || !isfinite(v)) {
        cli_error(p, "%s: '%s' is not a number", flag, text);
        return 0;
    }
    if (v < min || (min_open && v == min) || v > max) {
        cli_error(p, "%s: %s is out of range: expected %g %s value <= %g", flag, text, min,
                  min_open ? "<" : "<=", max);
        return 0;
    }
    *out = v;
    return 1;
}

int cli_float(cli_parser *p, const char *flag, const char *text, double min, int min_open,
              double max, float *out)
{
    double v;
    if (!cli_real(p, flag, text, min, min_open, max, &v))
        return 0;
    *out = (float)v;
    return 1;
}

int cli_output_path(cli_parser *p, const char *flag, const char *path)
{
    struct stat info;
    if (stat(path, &info) == 0 && S_ISDIR(info.st_mode)) {
        cli_error(p, "%s %s: is a directory, expected a file name", flag, path);
        return 0;
    }
    char folder[4096];
    snprintf(folder, sizeof folder, "%s", path);
    char *slash = strrchr(folder, '/');
    if (!slash)
        snprintf(folder, sizeof folder, ".");
    else
        slash[slash == folder] = '\0'; /* "/x" keeps "/" */
    if (stat(folder, &info) != 0 || !S_ISDIR(info.st_mode)) {
        cli_error(p, "%s %s: the folder %s does not exist", flag, path, folder);
        return 0;
    }
    if (access(folder, W_OK) != 0) {
        cli_error(p, "%s %s: the folder %s is not writable", flag, path, folder);
        return 0;
    }
    return 1;
}

int cli_open_backend(const char *cmd, int cpu, const char *device, clcnn_backend **out)
{
    clcnn_status st = cpu ? clcnn_backend_ref_create(out) : clcnn_backend_cl_create(device, out);
    if (st != CLCNN_OK) {
        fprintf(stderr, "clcnn %s: %s%s\n", cmd, clcnn_last_error(),
                cpu ? "" : " (--cpu runs on the CPU reference instead)");
        return 0;
    }
    return 1;
}

void cli_backend_describe(const clcnn_backend *be, char *buf, unsigned long size)
{
    const clcnn_device_info *d = clcnn_backend_cl_device(be);
    if (d)
        snprintf(buf, size, "OpenCL device %d: %s (%s)", d->index, d->name, d->platform);
    else
        snprintf(buf, size, "CPU reference backend (%s, --cpu)", be->name);
}

void cli_print_presets(void)
{
    int column = printf("\npresets:") - 1;
    const char *const *names = clcnn_model_preset_names();
    for (int i = 0; names[i]; i++) {
        int last = names[i + 1] == NULL, width = (int)strlen(names[i]) + !last;
        if (column + 1 + width > 80)
            column = printf("\n ") - 2;
        column += printf(" %s%s", names[i], last ? "" : ",");
    }
    printf("\n");
}
