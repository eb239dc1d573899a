/* The plain-text model format: one statement a line, '#' starts a comment;
 * "input C H W" first, then one layer a line: its keyword, positional values,
 * then key=value options (README "Model files"). This file reads lines and
 * tokens and finds the kind by its keyword; each kind parses its own values
 * and options (the hooks of nn_layer_ops, host/nn/layer_<kind>.c) with the
 * helpers here.
 *
 * Parsing stops at the first line that starts with '[' (a later section such
 * as [train], read by other code). Errors read "<source>:<line>: <reason>".
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clcnn/net.h"
#include "nn/layer.h"

#define MAX_LINE 1024
#define MAX_TOKENS 16

clcnn_status nn_parse_error(const nn_parser *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    clcnn_status st = clcnn_vfail_at_line(p->source, p->line, fmt, ap);
    va_end(ap);
    return st;
}

clcnn_status nn_parse_int(const nn_parser *p, const char *tok, const char *what, int min, int max,
                          int *out)
{
    char *end;
    errno = 0;
    long v = strtol(tok, &end, 10);
    if (end == tok || *end != '\0' || errno == ERANGE || v < min || v > max)
        return nn_parse_error(p, "%s: bad number '%s' for %s (expected an integer from %d to %d)",
                              p->keyword, tok, what, min, max);
    *out = (int)v;
    return CLCNN_OK;
}

clcnn_status nn_parse_pair(const nn_parser *p, const char *tok, const char *what, int min,
                           int max, int *a, int *b)
{
    char first[64];
    const char *x = strchr(tok, 'x');
    if (!x) {
        clcnn_status st = nn_parse_int(p, tok, what, min, max, a);
        *b = *a;
        return st;
    }
    size_t len = (size_t)(x - tok);
    if (len >= sizeof first)
        return nn_parse_error(p, "%s: bad number '%s' for %s", p->keyword, tok, what);
    memcpy(first, tok, len);
    first[len] = '\0';
    clcnn_status st = nn_parse_int(p, first, what, min, max, a);
    return st != CLCNN_OK ? st : nn_parse_int(p, x + 1, what, min, max, b);
}

clcnn_status nn_parse_float(const nn_parser *p, const char *tok, const char *what, double min,
                            double max, float *out)
{
    char *end;
    errno = 0;
    double v = strtod(tok, &end);
    if (end == tok || *end != '\0' || errno == ERANGE || !isfinite(v) || v < min || v > max)
        return nn_parse_error(p, "%s: bad number '%s' for %s (expected a number from %g to %g)",
                              p->keyword, tok, what, min, max);
    *out = (float)v;
    return CLCNN_OK;
}

static clcnn_status parse_init(const nn_parser *p, const char *tok, clcnn_layer_spec *l)
{
    if (strcmp(tok, "auto") == 0) l->init = CLCNN_INIT_AUTO;
    else if (strcmp(tok, "he") == 0) l->init = CLCNN_INIT_HE;
    else if (strcmp(tok, "xavier") == 0) l->init = CLCNN_INIT_XAVIER;
    else if (strncmp(tok, "normal:", 7) == 0) {
        l->init = CLCNN_INIT_NORMAL;
        return nn_parse_float(p, tok + 7, "init=normal:STD", 1e-30, 1e6, &l->init_std);
    } else
        return nn_parse_error(p, "%s: bad value '%s' for init (expected auto, he, xavier or "
                              "normal:STD)", p->keyword, tok);
    return CLCNN_OK;
}

clcnn_status nn_parse_shared_option(const nn_parser *p, clcnn_layer_spec *l, const char *key,
                                    const char *value, unsigned shared)
{
    if ((shared & NN_OPT_WINDOW) && strcmp(key, "stride") == 0)
        return nn_parse_pair(p, value, "stride", 1, NN_MAX_DIM, &l->sh, &l->sw);
    if ((shared & NN_OPT_WINDOW) && strcmp(key, "pad") == 0)
        return nn_parse_pair(p, value, "pad", 0, NN_MAX_DIM, &l->ph, &l->pw);
    if ((shared & NN_OPT_WEIGHT) && strcmp(key, "bias") == 0)
        return nn_parse_int(p, value, "bias", 0, 1, &l->bias);
    if ((shared & NN_OPT_WEIGHT) && strcmp(key, "init") == 0)
        return parse_init(p, value, l);
    if ((shared & NN_OPT_EPS) && strcmp(key, "eps") == 0)
        return nn_parse_float(p, value, "eps", 1e-30, 1.0, &l->eps);
    return nn_parse_error(p, "%s: unknown key '%s'", p->keyword, key);
}

/* The positional values of layer l: tokens without '='. */
static clcnn_status parse_positional(const nn_parser *p, const nn_layer_ops *kind,
                                     clcnn_layer_spec *l, char **pos, int n_pos)
{
    int need = kind->n_positional;
    int most = kind->max_positional > need ? kind->max_positional : need;
    const char *usage = kind->usage ? kind->usage : p->keyword;
    if (n_pos < need)
        return nn_parse_error(p, "%s: missing value (usage: %s)", p->keyword, usage);
    if (n_pos > most)
        return nn_parse_error(p, "%s: unexpected value '%s' (usage: %s)", p->keyword, pos[most],
                              usage);
    return kind->parse_positional ? kind->parse_positional(p, l, pos) : CLCNN_OK;
}

/* "unknown layer 'x' (expected input, conv, fc, ... or dropout)": every keyword of the table. */
static clcnn_status unknown_layer(const nn_parser *p, const char *word)
{
    char expected[256] = "input";
    size_t len = strlen(expected);
    for (int k = 0; k < CLCNN_LAYER_KIND_COUNT; k++) {
        const char *sep = k + 1 == CLCNN_LAYER_KIND_COUNT ? " or " : ", ";
        int n = snprintf(expected + len, sizeof expected - len, "%s%s", sep,
                         nn_layer_ops_for((clcnn_layer_kind)k)->keyword);
        if (n > 0)
            len = len + (size_t)n < sizeof expected ? len + (size_t)n : sizeof expected - 1;
    }
    return nn_parse_error(p, "unknown layer '%s' (expected %s)", word, expected);
}

/* NAME of name= and from=: a letter, then letters, digits, '_', '-' or '.'. */
static clcnn_status check_name(const nn_parser *p, const char *key, const char *name)
{
    size_t len = strlen(name);
    int ok = len < CLCNN_MAX_NAME && isalpha((unsigned char)name[0]);
    for (size_t i = 1; ok && i < len; i++)
        ok = isalnum((unsigned char)name[i]) || strchr("_-.", name[i]) != NULL;
    if (!ok)
        return nn_parse_error(p, "%s: bad name '%s' for %s (a letter, then letters, digits, _, - "
                              "or .; at most %d characters)", p->keyword, name, key,
                              CLCNN_MAX_NAME - 1);
    return CLCNN_OK;
}

clcnn_status nn_parse_summand(const nn_parser *p, clcnn_layer_spec *l, const char *tok)
{
    if (l->n_summands == CLCNN_MAX_SUMMANDS)
        return nn_parse_error(p, "%s: more than %d names", p->keyword, CLCNN_MAX_SUMMANDS);
    CLCNN_TRY(check_name(p, "a summand", tok));
    for (int k = 0; k < l->n_summands; k++)
        if (strcmp(p->refs->summands[k], tok) == 0)
            return nn_parse_error(p, "%s: '%s' named twice", p->keyword, tok);
    snprintf(p->refs->summands[l->n_summands++], CLCNN_MAX_NAME, "%s", tok);
    return CLCNN_OK;
}

/* name= and from=, which every layer takes. 0 when key is neither. */
static int parse_graph_option(const nn_parser *p, clcnn_layer_spec *l, const char *key,
                              const char *value, clcnn_status *st)
{
    if (strcmp(key, "name") == 0) {
        *st = check_name(p, key, value);
        if (*st == CLCNN_OK && strcmp(value, "input") == 0)
            *st = nn_parse_error(p, "%s: the name 'input' is taken (from=input means the "
                                 "network input)", p->keyword);
        if (*st == CLCNN_OK)
            snprintf(l->name, sizeof l->name, "%s", value);
        return 1;
    }
    if (strcmp(key, "from") == 0) {
        *st = check_name(p, key, value);
        if (*st == CLCNN_OK)
            snprintf(p->refs->from, sizeof p->refs->from, "%s", value);
        return 1;
    }
    return 0;
}

static clcnn_status parse_layer(const nn_parser *p, char **tok, int n_tok, clcnn_layer_spec *l)
{
    int k = 0;
    while (k < CLCNN_LAYER_KIND_COUNT &&
           strcmp(tok[0], nn_layer_ops_for((clcnn_layer_kind)k)->keyword) != 0)
        k++;
    if (k == CLCNN_LAYER_KIND_COUNT)
        return unknown_layer(p, tok[0]);
    const nn_layer_ops *kind = nn_layer_ops_for((clcnn_layer_kind)k);
    nn_layer_spec_defaults(l, (clcnn_layer_kind)k);
    l->line = p->line;

    /* Positional values first: a pool's window sets its default stride,
     * which a stride= option then overrides. */
    char *pos[MAX_TOKENS + 1];
    int n_pos = 0;
    for (int i = 1; i < n_tok; i++)
        if (!strchr(tok[i], '='))
            pos[n_pos++] = tok[i];
    pos[n_pos] = NULL;
    clcnn_status st = parse_positional(p, kind, l, pos, n_pos);
    for (int i = 1; st == CLCNN_OK && i < n_tok; i++) {
        char *eq = strchr(tok[i], '=');
        if (!eq)
            continue;
        *eq = '\0';
        if (tok[i][0] == '\0' || eq[1] == '\0')
            return nn_parse_error(p, "%s: bad option '%s=%s' (expected key=value)", p->keyword,
                                  tok[i], eq + 1);
        if (parse_graph_option(p, l, tok[i], eq + 1, &st))
            continue;
        st = kind->parse_option ? kind->parse_option(p, l, tok[i], eq + 1)
                                : nn_parse_shared_option(p, l, tok[i], eq + 1, 0);
    }
    return st;
}

static clcnn_status parse_input(const nn_parser *p, char **tok, int n_tok, clcnn_model_spec *spec)
{
    if (n_tok != 4)
        return nn_parse_error(p, "input: expected 3 values (usage: input C H W), got %d", n_tok - 1);
    clcnn_status st = nn_parse_int(p, tok[1], "channels", 1, NN_MAX_DIM, &spec->c);
    if (st == CLCNN_OK) st = nn_parse_int(p, tok[2], "height", 1, NN_MAX_DIM, &spec->h);
    if (st == CLCNN_OK) st = nn_parse_int(p, tok[3], "width", 1, NN_MAX_DIM, &spec->w);
    spec->input_line = p->line;
    return st;
}

/* Split line (modified in place) into whitespace-separated tokens. */
static int tokenize(char *line, char **tok)
{
    int n = 0;
    char *s = line;
    while (*s) {
        while (isspace((unsigned char)*s)) s++;
        if (!*s || n == MAX_TOKENS)
            break;
        tok[n++] = s;
        while (*s && !isspace((unsigned char)*s)) s++;
        if (*s) *s++ = '\0';
    }
    return n;
}

static clcnn_status parse_statement(nn_parser *p, char *line, clcnn_model_spec *spec,
                                    nn_layer_refs *refs)
{
    char *tok[MAX_TOKENS + 1];
    int n_tok = tokenize(line, tok);
    if (n_tok == 0)
        return CLCNN_OK;
    if (n_tok == MAX_TOKENS)
        return nn_parse_error(p, "too many values on one line (at most %d)", MAX_TOKENS - 1);
    p->keyword = tok[0];
    if (strcmp(tok[0], "input") == 0) {
        if (spec->input_line)
            return nn_parse_error(p, "second input line (the first is line %d)", spec->input_line);
        return parse_input(p, tok, n_tok, spec);
    }
    if (!spec->input_line)
        return nn_parse_error(p, "%s: layer before the input line (start with 'input C H W')",
                           tok[0]);
    if (spec->n_layers == CLCNN_MAX_LAYERS)
        return nn_parse_error(p, "too many layers (at most %d)", CLCNN_MAX_LAYERS);
    p->refs = &refs[spec->n_layers];
    clcnn_status st = parse_layer(p, tok, n_tok, &spec->layers[spec->n_layers]);
    if (st == CLCNN_OK)
        spec->n_layers++;
    return st;
}

/* The layer called name: its index, or -1 when none is. */
static int find_name(const clcnn_model_spec *spec, const char *name)
{
    for (int i = 0; i < spec->n_layers; i++)
        if (strcmp(spec->layers[i].name, name) == 0)
            return i;
    return -1;
}

/* Resolve what layer i calls name (its from= or a summand) to a source code
 * (see clcnn_layer_spec.input). */
static clcnn_status resolve_name(const clcnn_model_spec *spec, int i, const char *name, int *code)
{
    const clcnn_layer_spec *l = &spec->layers[i];
    const char *kw = clcnn_layer_kind_name(l->kind);
    if (strcmp(name, "input") == 0) {
        *code = CLCNN_INPUT_NETWORK;
        return CLCNN_OK;
    }
    int j = find_name(spec, name);
    if (j < 0)
        return nn_spec_error(spec, l->line, "%s: unknown layer name '%s' (no layer has name=%s)",
                             kw, name, name);
    if (j == i)
        return nn_spec_error(spec, l->line, "%s: '%s' is this layer itself: a cycle", kw, name);
    if (j > i)
        return nn_spec_error(spec, l->line, "%s: '%s' is a later layer (line %d): a layer takes "
                             "only earlier outputs, so this would be a cycle", kw, name,
                             spec->layers[j].line);
    *code = j + 1;
    return CLCNN_OK;
}

static clcnn_status resolve_names(clcnn_model_spec *spec, const nn_layer_refs *refs)
{
    for (int i = 0; i < spec->n_layers; i++) {
        clcnn_layer_spec *l = &spec->layers[i];
        for (int j = 0; j < i && l->name[0]; j++)
            if (strcmp(spec->layers[j].name, l->name) == 0)
                return nn_spec_error(spec, l->line, "%s: name '%s' is taken by line %d",
                                     clcnn_layer_kind_name(l->kind), l->name,
                                     spec->layers[j].line);
        if (refs[i].from[0])
            CLCNN_TRY(resolve_name(spec, i, refs[i].from, &l->input));
        for (int k = 0; k < l->n_summands; k++)
            CLCNN_TRY(resolve_name(spec, i, refs[i].summands[k], &l->summands[k]));
    }
    return CLCNN_OK;
}

clcnn_status clcnn_model_spec_parse(const char *text, const char *source, clcnn_model_spec *spec)
{
    nn_layer_refs refs[CLCNN_MAX_LAYERS];
    memset(refs, 0, sizeof refs);
    memset(spec, 0, sizeof *spec);
    snprintf(spec->source, sizeof spec->source, "%s", source ? source : "(model text)");
    nn_parser p = {spec->source, 0, "", NULL};
    const char *s = text;
    while (*s) {
        p.line++;
        size_t len = strcspn(s, "\n");
        if (s[strspn(s, " \t")] == '[') {
            spec->section_line = p.line;
            break;
        }
        if (len >= MAX_LINE)
            return nn_parse_error(&p, "line longer than %d characters", MAX_LINE - 1);
        char line[MAX_LINE];
        memcpy(line, s, len);
        line[len] = '\0';
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        clcnn_status st = parse_statement(&p, line, spec, refs);
        if (st != CLCNN_OK)
            return st;
        s += len;
        if (*s == '\n')
            s++;
    }
    if (!spec->input_line) {
        p.line = p.line ? p.line : 1;
        return nn_parse_error(&p, "no input line (a model starts with 'input C H W')");
    }
    CLCNN_TRY(resolve_names(spec, refs));
    return clcnn_model_spec_shapes(spec, NULL);
}

clcnn_status clcnn_model_spec_load(const char *path, clcnn_model_spec *spec)
{
    /* Only regular files: opening a fifo would block, a folder reads as an error. */
    struct stat info;
    if (stat(path, &info) == 0 && !S_ISREG(info.st_mode))
        return clcnn_fail(CLCNN_ERR_IO, "opening model file %s: %s", path,
                          S_ISDIR(info.st_mode) ? "is a directory" : "not a regular file");
    FILE *f = fopen(path, "rb");
    if (!f)
        return clcnn_fail(CLCNN_ERR_IO, "opening model file %s: %s", path, strerror(errno));
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 8192;
            char *grown = realloc(text, cap);
            if (!grown) {
                free(text);
                fclose(f);
                return clcnn_fail(CLCNN_ERR_NOMEM, "reading model file %s: out of memory", path);
            }
            text = grown;
        }
        size_t got = fread(text + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0)
            break;
    }
    int read_error = ferror(f);
    fclose(f);
    if (read_error) {
        free(text);
        return clcnn_fail(CLCNN_ERR_IO, "reading model file %s: read error", path);
    }
    text[len] = '\0';
    if (memchr(text, '\0', len)) {
        free(text);
        return clcnn_fail(CLCNN_ERR_FORMAT, "%s: not a text file (contains a NUL byte)", path);
    }
    clcnn_status st = clcnn_model_spec_parse(text, path, spec);
    free(text);
    return st;
}

clcnn_status clcnn_model_spec_resolve(const char *name_or_path, clcnn_model_spec *spec)
{
    if (clcnn_model_preset_text(name_or_path))
        return clcnn_model_spec_preset(name_or_path, spec);
    clcnn_status st = clcnn_model_spec_load(name_or_path, spec);
    if (st != CLCNN_ERR_IO)
        return st;
    char presets[512];
    clcnn_model_preset_list(presets, sizeof presets);
    return clcnn_fail_context(st, "model '%s' is not a preset (%s), and as a file: ",
                              name_or_path, presets);
}
