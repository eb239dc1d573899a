/* Shared by the libFuzzer targets of tests/fuzz: parsers that read a path get
 * the fuzz input through files in a private temporary folder. */
#ifndef CLCNN_FUZZ_COMMON_H
#define CLCNN_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "data/image_codecs.h"

/* A folder of this process for the fuzz files (created once, with mkdtemp). */
const char *fuzz_folder(void);

/* fuzz_folder()/name, in a static buffer per call site's use: copy it. */
const char *fuzz_path(const char *name);

/* Write size bytes to fuzz_folder()/name (replacing it); aborts on failure,
 * which is a harness problem, not a finding. */
void fuzz_write(const char *name, const uint8_t *data, size_t size);

/* Remove fuzz_folder()/name if present. */
void fuzz_remove(const char *name);

/* Decode data (named name in messages) with one of host/data's image
 * decoders, then fit what decodes to 3 x 32 x 32 and 1 x 28 x 28; traps
 * when a failure does not name the file. Returns 0 (libFuzzer's "keep"). */
int fuzz_decode_image(clcnn_status (*decode)(const char *, const data_buffer *, clcnn_image *),
                      const char *name, const uint8_t *data, size_t size);

#endif
