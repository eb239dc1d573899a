/* Writing JSON values, for the commands' --json and --log outputs, and reading
 * back the flat objects of a JSON Lines log (clcnn plot). */
#ifndef CLCNN_CLI_JSON_H
#define CLCNN_CLI_JSON_H

#include <stdio.h>

/* s as a JSON string: quotes and backslashes escaped, control bytes as \u00XX. */
void json_string(FILE *f, const char *s);

/* A number with 6 significant digits, or null when not finite (JSON has no
 * NaN or infinity). */
void json_number(FILE *f, double v);

/* One member of a flat JSON object: a number, a string, true/false, or null. */
typedef enum json_kind { JSON_NULL, JSON_NUMBER, JSON_STRING, JSON_BOOL } json_kind;

#define JSON_MAX_MEMBERS 32

typedef struct json_member {
    char key[32];       /* longer keys are cut (they match nothing clcnn reads) */
    json_kind kind;
    double number;      /* NUMBER; BOOL: 1 or 0 */
    char text[64];      /* STRING, cut to 63 bytes (escapes kept as written) */
} json_member;

typedef struct json_object {
    int count;
    json_member members[JSON_MAX_MEMBERS];
} json_object;

/* Parse text (one line) as one flat JSON object. Nested objects and arrays,
 * more than JSON_MAX_MEMBERS members and anything after the closing brace are
 * refused. Returns NULL on success, else the reason ("expected ':' at column 12"). */
const char *json_read_object(const char *text, json_object *out);

/* The member called key, or NULL. */
const json_member *json_find(const json_object *o, const char *key);

#endif
