/* Shared by the libFuzzer targets of tests/fuzz: parsers that read a path get
 * the fuzz input through files in a private temporary folder. */
#ifndef CLCNN_FUZZ_COMMON_H
#define CLCNN_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* A folder of this process for the fuzz files (created once, with mkdtemp). */
const char *fuzz_folder(void);

/* fuzz_folder()/name, in a static buffer per call site's use: copy it. */
const char *fuzz_path(const char *name);

/* Write size bytes to fuzz_folder()/name (replacing it); aborts on failure,
 * which is a harness problem, not a finding. */
void fuzz_write(const char *name, const uint8_t *data, size_t size);

/* Remove fuzz_folder()/name if present. */
void fuzz_remove(const char *name);

#endif
