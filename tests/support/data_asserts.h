/* Assertions shared by the data test suites. */
#ifndef CLCNN_DATA_ASSERTS_H
#define CLCNN_DATA_ASSERTS_H

#include <stddef.h>
#include <stdint.h>

#include "clcnn/data.h"

/* CLCNN_TEST_TMP/data/<name>, a fresh folder (removed first). */
const char *fresh_dir(const char *name);

/* out = dir/name */
void join(char *out, size_t size, const char *dir, const char *name);

/* The failure carries the expected status and names the file and the offset. */
void assert_failure(clcnn_status got, clcnn_status expected, const char *file_part,
                    const char *offset_text);

/* Every pixel and label of ds equals the fixture's (image numbers from first). */
void assert_fixture_images(const clcnn_dataset *ds, uint32_t seed, int first);

#endif
