/* Files and suites for the tests (see test_files.h). */
#include <stdio.h>
#include <stdlib.h>

#include "test_files.h"

const char *const test_small_model = "input 3 32 32\n"
                                     "conv 4 3 stride=2 pad=1\n"
                                     "relu\n"
                                     "maxpool 2\n"
                                     "fc 10\n";

uint8_t *test_read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *bytes = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(bytes);
    ck_assert_int_eq(fread(bytes, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    bytes[n] = 0;
    *size = (size_t)n;
    return bytes;
}

void test_write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

int test_run_suite(Suite *s)
{
    SRunner *runner = srunner_create(s);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
