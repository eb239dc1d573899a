/* Where tests find things: the tool, the source tree, a scratch folder. */
#ifndef CLCNN_TEST_ENV_H
#define CLCNN_TEST_ENV_H

/* CLCNN_TEST_TMP/<name>, created if missing; returns a static buffer. */
const char *test_tmp_path(const char *name);

/* Run a shell command line, capturing stdout+stderr into out (NUL-terminated,
 * truncated to size); returns the exit status (or -1). */
int test_run(const char *command, char *out, unsigned long size);

#endif
