/* Writing JSON values, for the commands' --json and --log outputs. */
#ifndef CLCNN_CLI_JSON_H
#define CLCNN_CLI_JSON_H

#include <stdio.h>

/* s as a JSON string: quotes and backslashes escaped, control bytes as \u00XX. */
void json_string(FILE *f, const char *s);

/* A number with 6 significant digits, or null when not finite (JSON has no
 * NaN or infinity). */
void json_number(FILE *f, double v);

#endif
