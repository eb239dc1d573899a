/* Files and suites for the tests: reading and writing whole files, the
 * small model several suites train, running a Check suite. They fail the
 * running Check test on any problem. */
#ifndef CLCNN_TEST_FILES_H
#define CLCNN_TEST_FILES_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

/* A small, fast network for 3 x 32 x 32 inputs and 10 classes (about 1 KB
 * of parameters). */
extern const char *const test_small_model;

/* The whole file, malloc'ed (NUL-terminated past *size). */
uint8_t *test_read_file(const char *path, size_t *size);

/* path holds text (replaced). */
void test_write_text(const char *path, const char *text);

/* Run every test of s; the process's exit status (0 when all passed). */
int test_run_suite(Suite *s);

#endif
