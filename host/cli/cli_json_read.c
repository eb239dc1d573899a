/* Reading one flat JSON object per line (see cli_json.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_json.h"

typedef struct json_reader {
    const char *start, *p;
    char why[160];
} json_reader;

static void skip_space(json_reader *r)
{
    while (*r->p == ' ' || *r->p == '\t' || *r->p == '\r' || *r->p == '\n')
        r->p++;
}

static int fail(json_reader *r, const char *expected)
{
    if (!r->why[0])
        snprintf(r->why, sizeof r->why, "expected %s at column %d", expected,
                 (int)(r->p - r->start) + 1);
    return 0;
}

/* A string into buf (cut to size - 1 bytes). */
static int read_string(json_reader *r, char *buf, size_t size)
{
    if (*r->p != '"')
        return fail(r, "a string");
    size_t n = 0;
    for (r->p++; *r->p != '"'; r->p++) {
        if (!*r->p || (unsigned char)*r->p < 0x20)
            return fail(r, "a closing '\"'");
        if (*r->p == '\\' && r->p[1])
            r->p++; /* an escape: the escaped character is kept as it stands */
        if (n + 1 < size)
            buf[n++] = *r->p;
    }
    r->p++;
    buf[n] = '\0';
    return 1;
}

static int read_word(json_reader *r, const char *word)
{
    size_t n = strlen(word);
    if (strncmp(r->p, word, n) != 0)
        return 0;
    r->p += n;
    return 1;
}

static int read_value(json_reader *r, json_member *m)
{
    if (*r->p == '"') {
        m->kind = JSON_STRING;
        return read_string(r, m->text, sizeof m->text);
    }
    if (*r->p == '{' || *r->p == '[')
        return fail(r, "a number, string, true, false or null (nested values are not read)");
    if (read_word(r, "null")) {
        m->kind = JSON_NULL;
        return 1;
    }
    if (read_word(r, "true") || read_word(r, "false")) {
        m->kind = JSON_BOOL;
        m->number = r->p[-2] == 'u'; /* tr"u"e */
        return 1;
    }
    if (*r->p != '-' && !isdigit((unsigned char)*r->p)) /* strtod also takes inf, nan, hex */
        return fail(r, "a number, string, true, false or null");
    char *end;
    m->kind = JSON_NUMBER;
    m->number = strtod(r->p, &end);
    if (end == r->p)
        return fail(r, "a number");
    r->p = end;
    return 1;
}

static int read_members(json_reader *r, json_object *out)
{
    skip_space(r);
    if (*r->p++ != '{')
        return r->p--, fail(r, "'{'");
    skip_space(r);
    if (*r->p == '}')
        return r->p++, 1;
    for (;;) {
        if (out->count == JSON_MAX_MEMBERS)
            return fail(r, "at most 32 members");
        json_member *m = &out->members[out->count++];
        skip_space(r);
        if (!read_string(r, m->key, sizeof m->key))
            return 0;
        skip_space(r);
        if (*r->p != ':')
            return fail(r, "':'");
        r->p++;
        skip_space(r);
        if (!read_value(r, m))
            return 0;
        skip_space(r);
        if (*r->p == '}')
            return r->p++, 1;
        if (*r->p != ',')
            return fail(r, "',' or '}'");
        r->p++;
    }
}

const char *json_read_object(const char *text, json_object *out)
{
    static _Thread_local json_reader r;
    memset(&r, 0, sizeof r);
    r.start = r.p = text;
    memset(out, 0, sizeof *out);
    if (!read_members(&r, out))
        return r.why;
    skip_space(&r);
    if (*r.p) {
        fail(&r, "the end of the line after '}'");
        return r.why;
    }
    return NULL;
}

const json_member *json_find(const json_object *o, const char *key)
{
    for (int i = 0; i < o->count; i++)
        if (strcmp(o->members[i].key, key) == 0)
            return &o->members[i];
    return NULL;
}
