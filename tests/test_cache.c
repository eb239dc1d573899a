/* The kernel binary cache (host/cl/cl_cache.c): a second backend in the same
 * cache folder builds nothing from source; a corrupted, a truncated and a
 * foreign entry are each discarded with a warning and rebuilt; two processes
 * filling the cache together leave a valid entry; an empty CLCNN_CACHE_DIR
 * disables it. Each test uses its own cache folder under CLCNN_TEST_TMP. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "cl/cl_program.h"
#include "clcnn/device.h"
#include "data_fixtures.h"
#include "test_env.h"
#include "test_files.h"

static char cache_dir[4096];
static char last_warning[2048];
static int warnings;

static void on_warning(const char *message)
{
    snprintf(last_warning, sizeof last_warning, "%s", message);
    warnings++;
}

/* An empty cache folder of the test's own, and a warning counter. */
static void use_cache(const char *name)
{
    snprintf(cache_dir, sizeof cache_dir, "%s", test_tmp_path(name));
    fixture_remove_tree(cache_dir);
    ck_assert_int_eq(fixture_mkdir(cache_dir), 0);
    setenv("CLCNN_CACHE_DIR", cache_dir, 1);
    unsetenv("CLCNN_KERNEL_DIR");
    warnings = 0;
    last_warning[0] = '\0';
    clcnn_set_warning_handler(on_warning);
}

/* Create and destroy a backend; returns the source builds it took. */
static int open_backend(void)
{
    int before = clcnn_cl_source_builds();
    clcnn_backend *be = NULL;
    clcnn_status st = clcnn_backend_cl_create(NULL, &be);
    ck_assert_msg(st == CLCNN_OK, "%s", clcnn_last_error());
    clcnn_backend_destroy(be);
    return clcnn_cl_source_builds() - before;
}

/* Files in the cache folder whose names end with suffix; the last one's path
 * goes to path when it is not NULL. */
static int count_files(const char *suffix, char *path, size_t size)
{
    DIR *d = opendir(cache_dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name), slen = strlen(suffix);
        if (len > slen && strcmp(e->d_name + len - slen, suffix) == 0) {
            n++;
            if (path)
                snprintf(path, size, "%s/%s", cache_dir, e->d_name);
        }
    }
    closedir(d);
    return n;
}

/* The one entry of the cache folder, read whole. */
static unsigned char *read_entry(char *path, size_t path_size, size_t *size)
{
    ck_assert_int_eq(count_files(".bin", path, path_size), 1);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    *size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(*size);
    ck_assert_uint_eq(fread(buf, 1, *size, f), *size);
    fclose(f);
    return buf;
}

static void write_entry(const char *path, const unsigned char *buf, size_t size)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(buf, 1, size, f), size);
    fclose(f);
}

/* A valid entry built once, before the tests, in a cache folder of its own:
 * the damage tests start from copies of it instead of building one each
 * (a build takes seconds under AddressSanitizer). It runs in a child process
 * because the runner, which forks every test, must not open OpenCL itself. */
static char golden_dir[4096];

static void build_golden_entry(void)
{
    snprintf(golden_dir, sizeof golden_dir, "%s", test_tmp_path("cache-golden"));
    fixture_remove_tree(golden_dir);
    fixture_mkdir(golden_dir);
    pid_t pid = fork();
    if (pid == 0) {
        setenv("CLCNN_CACHE_DIR", golden_dir, 1);
        clcnn_backend *be = NULL;
        int ok = clcnn_backend_cl_create(NULL, &be) == CLCNN_OK;
        clcnn_backend_destroy(be);
        _exit(ok ? 0 : 1);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
}

/* The golden entry's bytes (malloc'ed, *size bytes) and, in path, the file it
 * takes in the test's cache folder, where the test writes its damaged copy. */
static unsigned char *golden_entry(char *path, size_t path_size, size_t *size)
{
    char own[4096];
    snprintf(own, sizeof own, "%s", cache_dir);
    snprintf(cache_dir, sizeof cache_dir, "%s", golden_dir);
    unsigned char *buf = read_entry(path, path_size, size); /* asserts there is one */
    snprintf(cache_dir, sizeof cache_dir, "%s", own);
    char name[64]; /* "<16 hex digits>.bin" */
    snprintf(name, sizeof name, "%.63s", strrchr(path, '/') + 1);
    snprintf(path, path_size, "%.4000s/%s", cache_dir, name);
    return buf;
}

/* After damaging the entry: the next backend warns with reason, rebuilds from
 * source and stores a good entry again, which the one after that uses. */
static void assert_discarded_and_rebuilt(const char *reason)
{
    ck_assert_int_eq(open_backend(), 1);
    ck_assert_int_eq(warnings, 1);
    ck_assert_msg(strstr(last_warning, reason) != NULL, "warning '%s' lacks '%s'", last_warning,
                  reason);
    ck_assert_msg(strstr(last_warning, cache_dir) != NULL, "warning names no file: %s",
                  last_warning);
    ck_assert_int_eq(open_backend(), 0);
    ck_assert_int_eq(warnings, 1);
}

START_TEST(second_backend_builds_nothing)
{
    use_cache("cache-second");
    ck_assert_int_eq(open_backend(), 1);
    ck_assert_int_eq(count_files(".bin", NULL, 0), 1);
    ck_assert_int_eq(open_backend(), 0);
    ck_assert_int_eq(warnings, 0);
}
END_TEST

START_TEST(corrupted_entry_is_rebuilt)
{
    use_cache("cache-corrupt");
    char path[4200];
    size_t size;
    unsigned char *buf = golden_entry(path, sizeof path, &size);
    buf[size / 2] ^= 0x5a; /* a byte inside the binary */
    write_entry(path, buf, size);
    free(buf);
    assert_discarded_and_rebuilt("checksum mismatch");
}
END_TEST

START_TEST(truncated_entry_is_rebuilt)
{
    use_cache("cache-truncated");
    char path[4200];
    size_t size;
    unsigned char *buf = golden_entry(path, sizeof path, &size);
    write_entry(path, buf, size / 2);
    free(buf);
    assert_discarded_and_rebuilt("truncated");
}
END_TEST

/* An intact entry (valid checksum) whose stored key names another driver. */
START_TEST(foreign_driver_entry_is_rebuilt)
{
    use_cache("cache-foreign");
    char path[4200];
    size_t size;
    unsigned char *buf = golden_entry(path, sizeof path, &size);
    unsigned char *driver = NULL; /* the key's "driver=" line, near the start */
    for (size_t i = 0; !driver && i + 8 < size; i++)
        if (memcmp(buf + i, "driver=", 7) == 0)
            driver = buf + i;
    ck_assert_ptr_nonnull(driver);
    driver[7] = driver[7] == 'X' ? 'Y' : 'X'; /* same length, another driver version */
    uint32_t crc = (uint32_t)crc32(0L, buf, (uInt)(size - 4));
    memcpy(buf + size - 4, &crc, 4);
    write_entry(path, buf, size);
    free(buf);
    assert_discarded_and_rebuilt("another device, driver or kernel source");
}
END_TEST

/* Two processes started together both miss, build and store: the renames
 * leave one complete entry, no temporary file, and a third backend uses it. */
START_TEST(concurrent_processes_leave_valid_cache)
{
    use_cache("cache-concurrent");
    pid_t pids[2];
    for (int i = 0; i < 2; i++) {
        pids[i] = fork();
        ck_assert_int_ge(pids[i], 0);
        if (pids[i] == 0) {
            clcnn_backend *be = NULL;
            int ok = clcnn_backend_cl_create(NULL, &be) == CLCNN_OK;
            clcnn_backend_destroy(be);
            _exit(ok && warnings == 0 ? 0 : 1);
        }
    }
    for (int i = 0; i < 2; i++) {
        int status = 0;
        ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    ck_assert_int_eq(count_files(".bin", NULL, 0), 1);
    ck_assert_int_eq(count_files("", NULL, 0) - 2, 1); /* nothing else besides . and .. */
    ck_assert_int_eq(open_backend(), 0);
    ck_assert_int_eq(warnings, 0);
}
END_TEST

START_TEST(empty_cache_dir_disables_the_cache)
{
    use_cache("cache-disabled");
    setenv("CLCNN_CACHE_DIR", "", 1);
    ck_assert_int_eq(open_backend(), 1);
    /* nothing written, so nothing can be read back */
    ck_assert_int_eq(count_files("", NULL, 0) - 2, 0);
    ck_assert_int_eq(warnings, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kernel cache");
    TCase *tc = tcase_create("cache");
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, build_golden_entry, NULL);
    tcase_add_test(tc, second_backend_builds_nothing);
    tcase_add_test(tc, corrupted_entry_is_rebuilt);
    tcase_add_test(tc, truncated_entry_is_rebuilt);
    tcase_add_test(tc, foreign_driver_entry_is_rebuilt);
    tcase_add_test(tc, concurrent_processes_leave_valid_cache);
    tcase_add_test(tc, empty_cache_dir_disables_the_cache);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
