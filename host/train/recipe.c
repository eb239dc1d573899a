/* The [train] section of a model text: the training recipe that goes with the
 * network (see clcnn/train.h for the keys). The layer parser stops at the
 * first line starting with '['; this one starts there. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clcnn/net.h"
#include "clcnn/train.h"

#define MAX_LINE 1024

typedef struct recipe_parser {
    const char *source;
    int line;
    const char *key;
    clcnn_recipe *out;
    unsigned seen;     /* keys given, one bit each (index into recipe_keys) */
} recipe_parser;

static clcnn_status recipe_error(const recipe_parser *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static clcnn_status recipe_error(const recipe_parser *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    clcnn_status st = clcnn_vfail_at_line(p->source, p->line, fmt, ap);
    va_end(ap);
    return st;
}

/* The last library message (from a shared parser) as this line's reason. */
static clcnn_status recipe_error_from_last(const recipe_parser *p)
{
    char reason[512];
    snprintf(reason, sizeof reason, "%s", clcnn_last_error());
    return recipe_error(p, "%s: %s", p->key, reason);
}

static clcnn_status real_in(const recipe_parser *p, const char *v, double lo, int lo_open,
                            double hi, int hi_open, float *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v || *end || errno || !isfinite(x) || x < lo || (lo_open && x == lo) || x > hi ||
        (hi_open && x == hi))
        return recipe_error(p, "%s: bad value '%s' (expected a number in %c%g, %g%c)", p->key, v,
                            lo_open ? '(' : '[', lo, hi, hi_open ? ')' : ']');
    *out = (float)x;
    return CLCNN_OK;
}

static clcnn_status whole_in(const recipe_parser *p, const char *v, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (end == v || *end || errno || x < lo || x > hi)
        return recipe_error(p, "%s: bad value '%s' (expected a whole number from %ld to %ld)",
                            p->key, v, lo, hi);
    *out = x;
    return CLCNN_OK;
}

static clcnn_status int_in(const recipe_parser *p, const char *v, long lo, long hi, int *out)
{
    long x = 0;
    clcnn_status st = whole_in(p, v, lo, hi, &x);
    *out = (int)x;
    return st;
}

static clcnn_status on_off(const recipe_parser *p, const char *v, int *out)
{
    if (strcmp(v, "on") == 0) *out = 1;
    else if (strcmp(v, "off") == 0) *out = 0;
    else
        return recipe_error(p, "%s: bad value '%s' (expected on or off)", p->key, v);
    return CLCNN_OK;
}

static clcnn_status set_optimizer(const recipe_parser *p, const char *v, clcnn_optimizer_step *o)
{
    if (clcnn_optimizer_parse(v, o))
        return CLCNN_OK;
    char names[128];
    clcnn_optimizer_names(names, sizeof names);
    return recipe_error(p, "optimizer: unknown optimizer '%s' (expected one of %s)", v, names);
}

/* One "key value" line. */
static clcnn_status set_key(recipe_parser *p, const char *key, const char *v)
{
    clcnn_recipe *r = p->out;
    clcnn_train_config *c = &r->cfg;
    clcnn_optimizer_step *o = &c->optimizer;
    long whole = 0;
    clcnn_status st = CLCNN_OK;
    if (strcmp(key, "optimizer") == 0) return set_optimizer(p, v, o);
    if (strcmp(key, "lr") == 0) return real_in(p, v, 0, 1, 10, 0, &o->lr);
    if (strcmp(key, "momentum") == 0) return real_in(p, v, 0, 0, 1, 1, &o->momentum);
    if (strcmp(key, "rho") == 0) return real_in(p, v, 0, 0, 1, 1, &o->rho);
    if (strcmp(key, "beta1") == 0) return real_in(p, v, 0, 0, 1, 1, &o->beta1);
    if (strcmp(key, "beta2") == 0) return real_in(p, v, 0, 0, 1, 1, &o->beta2);
    if (strcmp(key, "eps") == 0) return real_in(p, v, 0, 1, 1, 0, &o->eps);
    if (strcmp(key, "l2") == 0) return real_in(p, v, 0, 0, 1, 0, &o->l2);
    if (strcmp(key, "weight-decay") == 0) return real_in(p, v, 0, 0, 1, 0, &o->weight_decay);
    if (strcmp(key, "label-smoothing") == 0)
        return real_in(p, v, 0, 0, 1, 1, &c->label_smoothing);
    if (strcmp(key, "warmup") == 0) return whole_in(p, v, 0, 1000000000L, &c->warmup);
    if (strcmp(key, "batch") == 0) return int_in(p, v, 1, 65536, &c->batch);
    if (strcmp(key, "val") == 0) {
        r->has_val = 1;
        return int_in(p, v, 0, 100000000, &c->val_count);
    }
    if (strcmp(key, "seed") == 0) {
        st = whole_in(p, v, 0, LONG_MAX, &whole);
        c->seed = (uint64_t)whole;
        return st;
    }
    if (strcmp(key, "augment") == 0) return on_off(p, v, &r->augment);
    if (strcmp(key, "epochs") == 0 || strcmp(key, "iterations") == 0) {
        if (r->has_length)
            return recipe_error(p, "%s: epochs and iterations exclude each other", key);
        r->has_length = 1;
        if (key[0] == 'e') {
            c->iterations = 0;
            return int_in(p, v, 1, 100000, &c->epochs);
        }
        return whole_in(p, v, 1, 1000000000L, &c->iterations);
    }
    if (strcmp(key, "lr-decay") == 0)
        st = clcnn_lr_schedule_parse(v, &c->schedule);
    else if (strcmp(key, "loss") == 0)
        st = clcnn_loss_parse(v, &c->loss);
    else if (strcmp(key, "normalize") == 0)
        st = clcnn_input_scaling_parse(v, c);
    else if (strcmp(key, "tta") == 0)
        st = clcnn_tta_parse(v, &c->tta);
    else
        return recipe_error(p, "unknown key '%s' (expected optimizer, lr, lr-decay, momentum, "
                            "rho, beta1, beta2, eps, l2, weight-decay, batch, epochs, "
                            "iterations, val, seed, loss, label-smoothing, warmup, tta, normalize "
                            "or augment)", key);
    return st == CLCNN_OK ? st : recipe_error_from_last(p);
}

/* Keys that may appear once each; their index is their bit in seen. */
static const char *const recipe_keys[] = {
    "iterations", "epochs", "optimizer", "lr", "momentum", "rho", "beta1", "beta2", "eps",
    "l2", "weight-decay", "batch", "val", "seed", "augment", "lr-decay", "loss", "normalize",
    "label-smoothing", "warmup", "tta"};

static clcnn_status parse_line(recipe_parser *p, char *line)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    char *tok[3], *save = NULL;
    int n = 0;
    for (char *s = strtok_r(line, " \t\r", &save); s && n < 3; s = strtok_r(NULL, " \t\r", &save))
        tok[n++] = s;
    if (n == 0)
        return CLCNN_OK;
    p->key = tok[0];
    if (n != 2)
        return recipe_error(p, "%s: expected one value (usage: KEY VALUE)", tok[0]);
    for (unsigned k = 0; k < sizeof recipe_keys / sizeof recipe_keys[0]; k++)
        if (strcmp(tok[0], recipe_keys[k]) == 0) {
            if (p->seen & (1u << k))
                return recipe_error(p, "%s: given twice", tok[0]);
            clcnn_status st = set_key(p, tok[0], tok[1]);
            p->seen |= 1u << k;
            return st;
        }
    return set_key(p, tok[0], tok[1]); /* unknown: the error lists the keys */
}

/* "[train]" (spaces allowed inside the brackets' line); 0 for any other header. */
static int is_train_header(const char *line)
{
    char name[64];
    char close = 0, extra = 0;
    return sscanf(line, " [ %63[a-z] %c %c", name, &close, &extra) == 2 && close == ']' &&
           strcmp(name, "train") == 0;
}

clcnn_status clcnn_recipe_parse(const char *text, const char *source,
                                const clcnn_train_config *base, clcnn_recipe *out)
{
    memset(out, 0, sizeof *out);
    out->cfg = *base;
    out->augment = -1;
    recipe_parser p = {source ? source : "(model text)", 0, "", out, 0};
    int in_section = 0;
    for (const char *s = text; *s;) {
        size_t len = strcspn(s, "\n");
        const char *start = s;
        s += len + (s[len] == '\n');
        p.line++;
        int header = start[strspn(start, " \t")] == '[';
        if (!in_section && !header)
            continue; /* the layers: the model parser's part */
        if (len >= MAX_LINE)
            return recipe_error(&p, "line longer than %d characters", MAX_LINE - 1);
        char line[MAX_LINE];
        memcpy(line, start, len);
        line[len] = '\0';
        if (header) {
            if (in_section || !is_train_header(line))
                return recipe_error(&p, "unknown section '%s' (a model text ends with at most "
                                    "one [train] section)", line + strspn(line, " \t"));
            in_section = 1;
            out->section_line = p.line;
            continue;
        }
        clcnn_status st = parse_line(&p, line);
        if (st != CLCNN_OK)
            return st;
    }
    if (in_section && clcnn_train_config_validate(&out->cfg) != CLCNN_OK) {
        p.line = out->section_line;
        p.key = "[train]";
        return recipe_error_from_last(&p);
    }
    return CLCNN_OK;
}

/* The whole of a regular file as a NUL-terminated string (malloc'ed). */
static clcnn_status read_text(const char *path, char **out)
{
    struct stat info;
    if (stat(path, &info) != 0)
        return clcnn_fail(CLCNN_ERR_IO, "reading model file %s: %s", path, strerror(errno));
    if (!S_ISREG(info.st_mode))
        return clcnn_fail(CLCNN_ERR_IO, "reading model file %s: not a regular file", path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return clcnn_fail(CLCNN_ERR_IO, "reading model file %s: %s", path, strerror(errno));
    char *text = malloc((size_t)info.st_size + 1);
    size_t got = text ? fread(text, 1, (size_t)info.st_size, f) : 0;
    int failed = !text || ferror(f);
    fclose(f);
    if (failed) {
        free(text);
        return clcnn_fail(CLCNN_ERR_IO, "reading model file %s: read error", path);
    }
    text[got] = '\0';
    *out = text;
    return CLCNN_OK;
}

clcnn_status clcnn_recipe_load(const char *name_or_path, const clcnn_train_config *base,
                               clcnn_recipe *out)
{
    const char *preset = clcnn_model_preset_text(name_or_path);
    if (preset)
        return clcnn_recipe_parse(preset, name_or_path, base, out);
    char *text = NULL;
    clcnn_status st = read_text(name_or_path, &text);
    if (st == CLCNN_OK)
        st = clcnn_recipe_parse(text, name_or_path, base, out);
    free(text);
    return st;
}
