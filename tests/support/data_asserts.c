#include "data_asserts.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "data_fixtures.h"

/* CLCNN_TEST_TMP/data/<name>, a fresh folder (removed first). */
const char *fresh_dir(const char *name)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/data/%s", CLCNN_TEST_TMP, name);
    ck_assert_int_eq(fixture_remove_tree(path), 0);
    ck_assert_int_eq(fixture_mkdir(path), 0);
    return path;
}

void join(char *out, size_t size, const char *dir, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
}

/* The failure carries the expected status and names the file and the offset. */
void assert_failure(clcnn_status got, clcnn_status expected, const char *file_part,
                    const char *offset_text)
{
    const char *msg = clcnn_last_error();
    ck_assert_msg(got == expected, "status %s, expected %s (%s)", clcnn_status_name(got),
                  clcnn_status_name(expected), msg);
    ck_assert_msg(strstr(msg, file_part) != NULL, "message lacks \"%s\": %s", file_part, msg);
    ck_assert_msg(strstr(msg, offset_text) != NULL, "message lacks \"%s\": %s", offset_text, msg);
}

/* Every pixel and label of ds equals the fixture's (image numbers from first). */
void assert_fixture_images(const clcnn_dataset *ds, uint32_t seed, int first)
{
    for (int n = 0; n < ds->count; ++n) {
        ck_assert_int_eq(ds->labels[n], fixture_label(seed, first + n, ds->classes));
        const uint8_t *img = ds->images + (size_t)n * ds->channels * ds->height * ds->width;
        for (int c = 0; c < ds->channels; ++c)
            for (int y = 0; y < ds->height; ++y)
                for (int x = 0; x < ds->width; ++x)
                    ck_assert_int_eq(img[(c * ds->height + y) * ds->width + x],
                                     fixture_pixel(seed, first + n, c, y, x));
    }
}

/* ------------------------------------------------------------------ loaders */
