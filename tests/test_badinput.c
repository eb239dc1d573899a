/* Bad input through the built tool, end to end: malformed CIFAR-10/100 and IDX
 * files (plain and gzip), model files, checkpoints, PPM/PGM images, data
 * folders and flags. Each must fail with the documented exit status and a
 * message naming the file and the byte offset or line and what was expected,
 * and a failing `train` must leave its --save checkpoint byte for byte as it
 * was, its --log file uncreated and no temporary file behind. Every test
 * prints how many malformed inputs it tried. */
#define _GNU_SOURCE /* memmem */
#include <check.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "clcnn/net.h"
#include "data_fixtures.h"
#include "test_env.h"
#include "train_fixtures.h"

#define RECORD 3073 /* CIFAR-10: label byte + 3072 pixels */

static char out[65536];
static char base[2048];       /* every input of this suite lives under it */
static const char *cifar_dir;  /* a valid CIFAR-10 folder: 24 train, 8 test images */
static const char *model_path; /* a valid small model file */
static const char *good_ckpt;  /* a checkpoint trained on cifar_dir */
static const char *image_path; /* a valid PPM */
static int tried;             /* malformed inputs tried by the running test */

/* A string literal's bytes and their count (it may hold NUL bytes). */
#define BYTES(literal) literal, sizeof literal - 1

static const char *const model_text = "input 3 32 32\n"
                                      "conv 4 3 stride=2 pad=1\n"
                                      "relu\n"
                                      "maxpool 2\n"
                                      "fc 10\n";

/* base/name; the same name always gives the same buffer, so paths can be
 * kept across calls (up to 64 names). */
static const char *at(const char *name)
{
    static char names[64][64], paths[64][2200];
    int i = 0;
    while (i < 64 && names[i][0] && strcmp(names[i], name) != 0)
        i++;
    ck_assert_msg(i < 64 && strlen(name) < sizeof names[0], "at(%s): too many names", name);
    snprintf(names[i], sizeof names[i], "%s", name);
    snprintf(paths[i], sizeof paths[i], "%s/%s", base, name);
    return paths[i];
}

static uint8_t *read_all(const char *path, size_t *size)
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
    *size = (size_t)n;
    return bytes;
}

static void write_all(const char *path, const void *bytes, size_t size, int gzip)
{
    unlink(path);
    ck_assert_int_eq(fixture_write_file(path, bytes, size, gzip), 0);
}

static void write_text(const char *path, const char *text)
{
    write_all(path, text, strlen(text), 0);
}

/* Run "clcnn ARGS" (printf-style); output in out, exit status returned. */
static int clcnn(const char *fmt, ...)
{
    char args[12000], line[16000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(line, sizeof line, "%s %s", CLCNN_EXE, args);
    return test_run(line, out, sizeof out);
}

/* The last run exited with want and its output holds every '|'-separated
 * part of needles. Counts one malformed input. */
static void expect(int status, int want, const char *needles)
{
    tried++;
    ck_assert_msg(status == want, "exit %d, expected %d; output:\n%s", status, want, out);
    char copy[1024];
    snprintf(copy, sizeof copy, "%s", needles);
    for (char *part = strtok(copy, "|"); part; part = strtok(NULL, "|"))
        ck_assert_msg(strstr(out, part) != NULL, "expected '%s' in:\n%s", part, out);
}

static void report(const char *test)
{
    fprintf(stderr, "%s: %d malformed inputs tried\n", test, tried);
}

/* `clcnn train --cpu ARGS --save S --log L` must fail (want, needles) with S,
 * a copy of the good checkpoint, unchanged, L not created and no S.tmp.* left. */
static void train_fails_cleanly(int want, const char *needles, const char *fmt, ...)
{
    char args[12000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    const char *save = at("sentinel.ckpt"), *log = at("sentinel.jsonl");
    size_t good_size, size;
    uint8_t *good = read_all(good_ckpt, &good_size);
    write_all(save, good, good_size, 0);
    unlink(log);
    expect(clcnn("train --cpu %s --save %s --log %s", args, save, log), want, needles);
    uint8_t *now = read_all(save, &size);
    ck_assert_msg(size == good_size && memcmp(now, good, size) == 0,
                  "train %s: the --save checkpoint changed", args);
    free(now);
    free(good);
    ck_assert_msg(access(log, F_OK) != 0, "train %s: the --log file was created", args);
    DIR *folder = opendir(base);
    ck_assert_ptr_nonnull(folder);
    for (struct dirent *e; (e = readdir(folder));)
        ck_assert_msg(strncmp(e->d_name, "sentinel.ckpt.tmp", 17) != 0,
                      "train %s: temporary checkpoint file %s left", args, e->d_name);
    closedir(folder);
}

static void setup(void)
{
    snprintf(base, sizeof base, "%s", test_tmp_path("badinput"));
    fixture_remove_tree(base);
    ck_assert_int_eq(fixture_mkdir(base), 0);
    cifar_dir = at("cifar");
    ck_assert_int_eq(fixture_write_cifar10(cifar_dir, 1, 24, 8, 5, 0), 0);
    model_path = at("model.txt");
    write_text(model_path, model_text);
    image_path = at("image.ppm");
    ck_assert_int_eq(train_fixture_write_ppm(image_path, 12, 9), 0);
    good_ckpt = at("good.ckpt");
    int status = clcnn("train --cpu --quiet --data %s --model %s --iters 2 --batch 8 --val 0 "
                       "--save %s", cifar_dir, model_path, good_ckpt);
    ck_assert_msg(status == 0, "training the reference checkpoint: %s", out);
}

/* A fresh folder `name` holding the valid CIFAR-10 set with file replaced
 * by bytes (gzip-compressed under file + ".gz" when gzip). */
static const char *cifar_with(const char *name, const char *file, const void *bytes, size_t size,
                              int gzip)
{
    const char *dir = at(name);
    fixture_remove_tree(dir);
    ck_assert_int_eq(fixture_write_cifar10(dir, 1, 24, 8, 5, 0), 0);
    char path[4600];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    unlink(path);
    if (gzip)
        strcat(path, ".gz");
    write_all(path, bytes, size, gzip);
    return dir;
}

/* ------------------------------------------------------------ CIFAR files */

START_TEST(malformed_cifar_files)
{
    size_t size;
    char path[4600];
    snprintf(path, sizeof path, "%s/data_batch_1.bin", cifar_dir);
    uint8_t *good = read_all(path, &size);
    ck_assert_int_eq(size, 24 * RECORD);
    uint8_t *bad = malloc(size + 1);
    const char *dir;

    static const struct { size_t size; const char *needles; } cuts[] = {
        {3 * RECORD + 100, "byte offset 9219|truncated record (100 of 3073 bytes)"},
        {2 * RECORD - 1, "byte offset 3073|truncated record (3072 of 3073 bytes)"},
        {24 * RECORD + 1, "byte offset 73752|truncated record (1 of 3073 bytes)"},
        {1, "byte offset 0|truncated record (1 of 3073 bytes)"},
    };
    for (int gzip = 0; gzip < 2; gzip++)
        for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
            memcpy(bad, good, size);
            bad[size] = 7;
            dir = cifar_with("cifar-cut", "data_batch_1.bin", bad, cuts[i].size, gzip);
            train_fails_cleanly(1, cuts[i].needles, "--data %s --iters 1 --batch 8", dir);
            ck_assert(strstr(out, "data_batch_1.bin") != NULL);
            ck_assert(!gzip || strstr(out, "(uncompressed)") != NULL);
        }

    memcpy(bad, good, size);
    bad[2 * RECORD] = 10;
    dir = cifar_with("cifar-label", "data_batch_1.bin", bad, size, 0);
    train_fails_cleanly(1, "data_batch_1.bin: byte offset 6146|label 10 out of range: expected 0 .. 9",
                        "--data %s --iters 1 --batch 8", dir);
    memcpy(bad, good, size);
    bad[23 * RECORD] = 255;
    dir = cifar_with("cifar-label", "data_batch_1.bin", bad, size, 1);
    train_fails_cleanly(1, "data_batch_1.bin.gz: byte offset 70679 (uncompressed)|label 255",
                        "--data %s --iters 1 --batch 8", dir);

    /* the test split is checked too, by train and by eval */
    memcpy(bad, good, 8 * RECORD);
    bad[RECORD] = 200;
    dir = cifar_with("cifar-test", "test_batch.bin", bad, 8 * RECORD, 0);
    train_fails_cleanly(1, "test_batch.bin: byte offset 3073|label 200",
                        "--data %s --iters 1 --batch 8", dir);
    expect(clcnn("eval --cpu --model %s --data %s", good_ckpt, dir), 1,
           "test_batch.bin: byte offset 3073|label 200");

    dir = cifar_with("cifar-empty", "data_batch_1.bin", "", 0, 0);
    train_fails_cleanly(1, "data_batch_1.bin: byte offset 0: empty file", "--data %s --iters 1", dir);
    dir = cifar_with("cifar-empty", "data_batch_1.bin", "", 0, 1);
    train_fails_cleanly(1, "data_batch_1.bin.gz: byte offset 0|empty file", "--data %s --iters 1", dir);
    free(good);
    free(bad);
    report("malformed_cifar_files");
}
END_TEST

START_TEST(corrupt_gzip_is_rejected)
{
    size_t size, gz_size;
    char path[4600];
    snprintf(path, sizeof path, "%s/data_batch_1.bin", cifar_dir);
    uint8_t *plain = read_all(path, &size);
    const char *dir = cifar_with("cifar-gz", "data_batch_1.bin", plain, size, 1);
    snprintf(path, sizeof path, "%s/data_batch_1.bin.gz", dir);
    uint8_t *gz = read_all(path, &gz_size);

    /* without its 8-byte CRC/length trailer every record still inflates:
     * only zlib's end-of-stream check can tell */
    write_all(path, gz, gz_size - 8, 0);
    train_fails_cleanly(1, "data_batch_1.bin.gz: byte offset 73752 (uncompressed)|truncated or "
                        "corrupt gzip|unexpected end of file", "--data %s --iters 1", dir);
    write_all(path, gz, gz_size / 2, 0);
    train_fails_cleanly(1, "data_batch_1.bin.gz: byte offset|corrupt gzip", "--data %s --iters 1",
                        dir);
    gz[gz_size - 6] ^= 0xff; /* the stored length */
    write_all(path, gz, gz_size, 0);
    train_fails_cleanly(1, "data_batch_1.bin.gz|corrupt gzip", "--data %s --iters 1", dir);
    gz[gz_size - 6] ^= 0xff;
    gz[gz_size - 8] ^= 0xff; /* the CRC */
    write_all(path, gz, gz_size, 0);
    train_fails_cleanly(1, "data_batch_1.bin.gz|corrupt gzip|incorrect data check",
                        "--data %s --iters 1", dir);
    gz[gz_size - 8] ^= 0xff;
    memset(gz + 20, 0xA5, 16); /* the deflate stream itself */
    write_all(path, gz, gz_size, 0);
    train_fails_cleanly(1, "data_batch_1.bin.gz|corrupt gzip", "--data %s --iters 1", dir);
    free(plain);
    free(gz);
    report("corrupt_gzip_is_rejected");
}
END_TEST

START_TEST(malformed_cifar100_files)
{
    const char *dir = at("cifar100");
    fixture_remove_tree(dir);
    ck_assert_int_eq(fixture_write_cifar100(dir, 16, 4, 9, 0), 0);
    char path[4600];
    size_t size;
    snprintf(path, sizeof path, "%s/train.bin", dir);
    uint8_t *good = read_all(path, &size);
    ck_assert_int_eq(size, 16 * 3074);
    good[3074] = 20; /* coarse label of record 1 */
    write_all(path, good, size, 0);
    train_fails_cleanly(1, "train.bin: byte offset 3074|label 20 out of range: expected 0 .. 19",
                        "--data %s --iters 1", dir);
    good[3074] = 0;
    good[2 * 3074 + 1] = 100; /* fine label of record 2 */
    write_all(path, good, size, 0);
    train_fails_cleanly(1, "train.bin: byte offset 6149|label 100 out of range: expected 0 .. 99",
                        "--data %s --iters 1", dir);
    write_all(path, good, 3 * 3073, 0); /* CIFAR-10 sized records */
    train_fails_cleanly(1, "train.bin: byte offset 6148|truncated record (3071 of 3074 bytes)",
                        "--data %s --iters 1", dir);
    free(good);
    report("malformed_cifar100_files");
}
END_TEST

/* ------------------------------------------------------------- IDX files */

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

START_TEST(malformed_idx_files)
{
    for (int gzip = 0; gzip < 2; gzip++) {
        const char *dir = at(gzip ? "idx-gz" : "idx");
        const char *suffix = gzip ? ".gz" : "";
        char images[4600], labels[4600];
        snprintf(images, sizeof images, "%s/train-images-idx3-ubyte%s", dir, suffix);
        snprintf(labels, sizeof labels, "%s/train-labels-idx1-ubyte%s", dir, suffix);
        size_t isize, lsize;
        fixture_remove_tree(dir);
        ck_assert_int_eq(fixture_write_idx(dir, 20, 10, 28, 28, 3, 0), 0);
        /* the plain fixture is the reference; .gz variants replace it */
        char plain[4600];
        snprintf(plain, sizeof plain, "%s/train-images-idx3-ubyte", dir);
        uint8_t *img = read_all(plain, &isize);
        snprintf(plain, sizeof plain, "%s/train-labels-idx1-ubyte", dir);
        uint8_t *lab = read_all(plain, &lsize);
        if (gzip) {
            snprintf(plain, sizeof plain, "%s/train-images-idx3-ubyte", dir);
            unlink(plain);
            snprintf(plain, sizeof plain, "%s/train-labels-idx1-ubyte", dir);
            unlink(plain);
            write_all(labels, lab, lsize, 1);
        }
        const char *in = gzip ? " (uncompressed)" : "";
        char needles[512];
#define IMAGES_FAIL(msg_fmt, ...)                                                                  \
    do {                                                                                           \
        snprintf(needles, sizeof needles, "train-images-idx3-ubyte%s: byte offset " msg_fmt,       \
                 suffix, __VA_ARGS__);                                                             \
        train_fails_cleanly(1, needles, "--data %s --model lenet --iters 1", dir);                 \
    } while (0)

        put_be32(img, 0x00000801);
        write_all(images, img, isize, gzip);
        IMAGES_FAIL("0%s: wrong IDX magic 0x00000801: expected 0x00000803", in);
        put_be32(img, 0x00000d03); /* int32 elements */
        write_all(images, img, isize, gzip);
        IMAGES_FAIL("0%s: wrong IDX magic 0x00000d03", in);
        put_be32(img, 0x00000803);
        put_be32(img + 4, 0);
        write_all(images, img, isize, gzip);
        IMAGES_FAIL("4%s: dimension 0 is 0", in);
        put_be32(img + 4, 20);
        put_be32(img + 8, 5000);
        write_all(images, img, isize, gzip);
        IMAGES_FAIL("8%s: dimension 1 is 5000: expected 1 .. 4096", in);
        put_be32(img + 8, 28);
        put_be32(img + 4, 21); /* one image more than the data holds */
        write_all(images, img, isize, gzip);
        IMAGES_FAIL("%zu%s: truncated data: expected 16464 bytes after the header, found 15680",
                    isize, in);
        put_be32(img + 4, 0x7fffffff);
        write_all(images, img, isize, gzip);
        IMAGES_FAIL("%zu%s: truncated data", isize, in);
        put_be32(img + 4, 20);
        write_all(images, img, 10, gzip);
        IMAGES_FAIL("10%s: truncated header: expected 16 header bytes", in);
        write_all(images, img, isize - 1, gzip);
        IMAGES_FAIL("%zu%s: truncated data", isize - 1, in);
        uint8_t *longer = malloc(isize + 3);
        memcpy(longer, img, isize);
        memset(longer + isize, 0, 3);
        write_all(images, longer, isize + 3, gzip);
        IMAGES_FAIL("%zu%s: 3 unexpected bytes after the 15680 data bytes", isize, in);
        free(longer);
        write_all(images, img, isize, gzip);

        /* labels: count mismatch, a label out of range, wrong magic */
        put_be32(lab + 4, 19);
        write_all(labels, lab, lsize - 1, gzip);
        train_fails_cleanly(1, "train-labels-idx1-ubyte|byte offset 4|19 labels, expected one for "
                            "each of the 20 images", "--data %s --model lenet --iters 1", dir);
        put_be32(lab + 4, 20);
        lab[8 + 13] = 10;
        write_all(labels, lab, lsize, gzip);
        train_fails_cleanly(1, "train-labels-idx1-ubyte|byte offset 21|label 10 out of range: "
                            "expected 0 .. 9", "--data %s --model lenet --iters 1", dir);
        lab[8 + 13] = 1;
        put_be32(lab, 0x00000803);
        write_all(labels, lab, lsize, gzip);
        train_fails_cleanly(1, "train-labels-idx1-ubyte|byte offset 0|wrong IDX magic 0x00000803: "
                            "expected 0x00000801", "--data %s --model lenet --iters 1", dir);
        write_all(labels, lab, 6, gzip);
        train_fails_cleanly(1, "train-labels-idx1-ubyte|truncated header",
                            "--data %s --model lenet --iters 1", dir);
        free(img);
        free(lab);
#undef IMAGES_FAIL
    }
    /* MNIST's 28x28 grey images do not fit a 3-channel model */
    fixture_remove_tree(at("idx"));
    ck_assert_int_eq(fixture_write_idx(at("idx"), 20, 10, 28, 28, 3, 0), 0);
    train_fails_cleanly(1, "images are 1x28x28|expects 3x32x32", "--data %s --model %s --iters 1",
                        at("idx"), model_path);
    report("malformed_idx_files");
}
END_TEST

/* ------------------------------------------- folders and unreadable files */

START_TEST(bad_data_folders)
{
    train_fails_cleanly(1, "no data set found", "--data %s --iters 1", at("no-such-folder"));
    train_fails_cleanly(1, "no data set found", "--data %s --iters 1", model_path);
    fixture_mkdir(at("empty-folder"));
    train_fails_cleanly(1, "empty-folder: no data set found|data_batch_1.bin|train.bin|"
                        "train-images-idx3-ubyte", "--data %s --iters 1", at("empty-folder"));
    const char *both = at("two-formats");
    fixture_remove_tree(both);
    ck_assert_int_eq(fixture_write_cifar10(both, 1, 8, 8, 1, 0), 0);
    char path[4600];
    snprintf(path, sizeof path, "%s/train.bin", both);
    write_text(path, "x");
    train_fails_cleanly(1, "two-formats: files of several data formats", "--data %s --iters 1",
                        both);
    train_fails_cleanly(1, "missing IDX images file", "--data %s --format idx --iters 1",
                        cifar_dir);
    train_fails_cleanly(1, "no CIFAR-100 files", "--data %s --format cifar100 --iters 1",
                        cifar_dir);
    const char *no_test = at("no-test");
    fixture_remove_tree(no_test);
    ck_assert_int_eq(fixture_write_cifar10(no_test, 1, 8, 8, 1, 0), 0);
    snprintf(path, sizeof path, "%s/test_batch.bin", no_test);
    unlink(path);
    train_fails_cleanly(1, "no-test: no CIFAR-10 files: expected test_batch.bin",
                        "--data %s --iters 1", no_test);
    report("bad_data_folders");
}
END_TEST

/* A directory, a dangling symbolic link and a fifo at path (tests run as
 * root, so a chmod'ed file would still be readable): kind 0, 1, 2. */
static const char *make_unreadable(const char *path, int kind)
{
    fixture_remove_tree(path);
    if (kind == 0)
        ck_assert_int_eq(fixture_mkdir(path), 0);
    else if (kind == 1)
        ck_assert_int_eq(symlink("/no/such/target/anywhere", path), 0);
    else
        ck_assert_int_eq(mkfifo(path, 0644), 0);
    static const char *const why[3] = {"is a directory", "No such file or directory",
                                       "not a regular file"};
    return why[kind];
}

START_TEST(unreadable_files_of_every_kind)
{
    char path[4600], needles[1024];
    for (int kind = 0; kind < 3; kind++) {
        const char *dir = cifar_with("unreadable", "data_batch_1.bin", "", 0, 0);
        snprintf(path, sizeof path, "%s/data_batch_1.bin", dir);
        const char *why = make_unreadable(path, kind);
        snprintf(needles, sizeof needles, "data_batch_1.bin: byte offset 0|%s", why);
        train_fails_cleanly(1, needles, "--data %s --iters 1", dir);

        const char *model = at("unreadable-model");
        why = make_unreadable(model, kind);
        snprintf(needles, sizeof needles, "unreadable-model|%s", why);
        train_fails_cleanly(1, needles, "--data %s --model %s --iters 1", cifar_dir, model);

        const char *ckpt = at("unreadable.ckpt");
        why = make_unreadable(ckpt, kind);
        snprintf(needles, sizeof needles, "unreadable.ckpt|%s", why);
        expect(clcnn("eval --cpu --model %s", ckpt), 1, needles);
        expect(clcnn("predict --cpu --model %s %s", ckpt, image_path), 1, needles);
        train_fails_cleanly(1, needles, "--resume %s", ckpt);

        const char *image = at("unreadable.ppm");
        why = make_unreadable(image, kind);
        snprintf(needles, sizeof needles, "unreadable.ppm: byte offset 0|%s", why);
        expect(clcnn("predict --cpu --model %s %s", good_ckpt, image), 1, needles);
    }
    report("unreadable_files_of_every_kind");
}
END_TEST

/* ------------------------------------------------------------ model files */

START_TEST(malformed_model_files)
{
    static const struct { const char *text; const char *needles; } cases[] = {
        {"input 3 32 32\nconv 0 3\nfc 10\n", "bad-model.txt:2"},
        {"input 3 32 32\nfrobnicate 3\nfc 10\n", "bad-model.txt:2"},
        {"input 3 32 32\nconv 4 3 strid=2\nfc 10\n", "bad-model.txt:2"},
        {"input 3 32 32\nconv 4 3 stride=-1\nfc 10\n", "bad-model.txt:2"},
        {"input 3 32 32\nconv 4 40\nfc 10\n", "bad-model.txt:2"},
        {"input 3 32 32\nconv 99999999999 3\nfc 10\n", "bad-model.txt:2"},
        {"input 3 32 32\ndropout p=1.5\nfc 10\n", "bad-model.txt:2"},
        {"input 3 32 32\nbatchnorm eps=nan\nfc 10\n", "bad-model.txt:2"},
        {"# comment\n\ninput 3 0 32\nfc 10\n", "bad-model.txt:3"},
        {"input 3 32\nfc 10\n", "bad-model.txt:1"},
        {"input 3 32 32\ninput 3 32 32\nfc 10\n", "bad-model.txt:2"},
        {"conv 4 3\nfc 10\n", "bad-model.txt:1"},
        {"input 3 32 32\nconv 4 3\n", "bad-model.txt"},
        {"", "bad-model.txt:1: no input line"},
        {"input 3 32 32\nfc 10 init=magic\n", "bad-model.txt:2"},
    };
    const char *path = at("bad-model.txt");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_text(path, cases[i].text);
        train_fails_cleanly(1, cases[i].needles, "--data %s --model %s --iters 1", cifar_dir, path);
    }
    /* more layers than a model may have */
    char text[8192] = "input 3 32 32\n";
    for (int i = 0; i < 80; i++)
        strcat(text, "relu\n");
    strcat(text, "fc 10\n");
    write_text(path, text);
    train_fails_cleanly(1, "bad-model.txt:", "--data %s --model %s --iters 1", cifar_dir, path);
    write_all(path, "input 3 32 32\n\0fc 10\n", 21, 0);
    train_fails_cleanly(1, "bad-model.txt: not a text file (contains a NUL byte)",
                        "--data %s --model %s --iters 1", cifar_dir, path);
    train_fails_cleanly(1, "no-such-model.txt", "--data %s --model %s --iters 1", cifar_dir,
                        at("no-such-model.txt"));
    report("malformed_model_files");
}
END_TEST

/* ------------------------------------------------------------ checkpoints */

/* Header fields sit at fixed offsets (clcnn/train.h): magic 0, version 8,
 * CRC-32 12, payload size 16, payload from 24. */
static void fix_crc(uint8_t *ckpt, size_t size)
{
    uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), ckpt + 24, (uInt)(size - 24));
    for (int i = 0; i < 4; i++)
        ckpt[12 + i] = (uint8_t)(crc >> (8 * i));
}

/* eval, predict and train --resume must all refuse path with needles. */
static void checkpoint_refused(const char *path, const char *needles)
{
    expect(clcnn("eval --cpu --model %s", path), 1, needles);
    expect(clcnn("predict --cpu --model %s %s", path, image_path), 1, needles);
    train_fails_cleanly(1, needles, "--resume %s", path);
}

START_TEST(malformed_checkpoints)
{
    size_t size;
    uint8_t *good = read_all(good_ckpt, &size);
    uint8_t *bad = malloc(size + 16);
    const char *path = at("bad.ckpt");
#define MUTATE(stmt, length, needles)                                                              \
    do {                                                                                           \
        memcpy(bad, good, size);                                                                   \
        memset(bad + size, 0, 16);                                                                 \
        stmt;                                                                                      \
        write_all(path, bad, (length), 0);                                                         \
        checkpoint_refused(path, needles);                                                         \
    } while (0)

    MUTATE(bad[0] = 'X', size, "bad.ckpt: at offset 0: wrong magic: expected \"CLCNNCKP\"");
    MUTATE((void)0, 0, "bad.ckpt: at offset 0: wrong magic");
    MUTATE((void)0, 5, "bad.ckpt: at offset 0: wrong magic");
    MUTATE(bad[8] = 2, size, "bad.ckpt: at offset 8: unsupported checkpoint version 2");
    MUTATE((void)0, 20, "bad.ckpt: truncated at offset 16|payload size");
    MUTATE(bad[200] ^= 1, size, "bad.ckpt: at offset 12: checksum mismatch");
    MUTATE(bad[size - 1] ^= 0x80, size, "bad.ckpt: at offset 12: checksum mismatch");
    MUTATE((void)0, size - 10, "bad.ckpt: truncated at offset");
    MUTATE((void)0, size + 3, "bad.ckpt: at offset|3 unexpected bytes after the payload");
    /* consistent header and checksum around a bad payload */
    MUTATE((bad[24] = 0xf0, bad[25] = 0xff, bad[26] = 0xff, bad[27] = 0x7f, fix_crc(bad, size)),
           size, "bad.ckpt: at offset 24: model text is 2147483632 bytes long");
    char *conv = memmem(good, size, "conv 4 3", 8);
    ck_assert_ptr_nonnull(conv);
    MUTATE((bad[conv - (char *)good + 5] = '0', fix_crc(bad, size)), size,
           "bad.ckpt: the model it holds is invalid|model text:2");
    /* the payload's last 8 bytes: its size field shrunk by 8 (the rest
     * unchanged) makes the last float array run past the end */
    MUTATE((bad[16] = (uint8_t)(bad[16] - 8), fix_crc(bad, size - 8)), size - 8,
           "bad.ckpt: truncated at offset");
#undef MUTATE
    /* a model other than the checkpoint's */
    train_fails_cleanly(1, "architecture mismatch", "--resume %s --model small", good_ckpt);
    expect(clcnn("eval --cpu --model %s", at("no-such.ckpt")), 1, "no-such.ckpt|No such file");
    /* not a checkpoint at all: a model file, an image */
    expect(clcnn("eval --cpu --model %s", model_path), 1, "model.txt: at offset 0: wrong magic");
    expect(clcnn("predict --cpu --model %s %s", image_path, image_path), 1,
           "image.ppm: at offset 0: wrong magic");
    free(good);
    free(bad);
    report("malformed_checkpoints");
}
END_TEST

/* ------------------------------------------------------------- PPM / PGM */

START_TEST(malformed_images_for_predict)
{
    static const struct { const char *bytes; size_t size; const char *needles; } cases[] = {
        {BYTES("P7\n2 2\n255\n"), "byte offset 0: expected the magic P2, P3, P5 or P6"},
        {BYTES("P"), "byte offset 0: expected the magic"},
        {BYTES("P5"), "byte offset 2: file ends: expected the width"},
        {BYTES("P5\n0 4\n255\n"), "byte offset 3: the width out of range: expected 1 .. 16384"},
        {BYTES("P5\n4 99999\n255\n"), "byte offset 5: the height out of range"},
        {BYTES("P5\n4 4\n0\n"), "byte offset 7: maxval out of range: expected 1 .. 65535"},
        {BYTES("P5\n4 4\n70000\n"), "byte offset 7: maxval out of range"},
        {BYTES("P5\nx 4\n255\n"), "byte offset 3: found 'x': expected the width (a number)"},
        {BYTES("P6\n2 2\n255\n\x01\x02\x03"),
         "byte offset 14: truncated pixel data: expected 12 bytes, found 3"},
        {BYTES("P5\n2 2\n255"),
         "byte offset 10: expected one whitespace byte before the pixel data"},
        {BYTES("P5\n1 1\n1000\n\xff\xff"), "byte offset 12: pixel value 65535 exceeds maxval 1000"},
        {BYTES("P2\n2 2\n255\n1 2 3 300\n"),
         "byte offset 17: a pixel value out of range: expected 0 .. 255"},
        {BYTES("P2\n2 2\n255\n1 2 x 4\n"), "byte offset 15: found 'x': expected a pixel value"},
        {BYTES("P3\n2 2\n255\n1 2 3"), "byte offset 16: file ends: expected a pixel value"},
        {BYTES(""), "byte offset 0: empty file, expected a PGM or PPM image"},
    };
    const char *path = at("bad.pnm");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_all(path, cases[i].bytes, cases[i].size, 0);
        char needles[512];
        snprintf(needles, sizeof needles, "bad.pnm: %s", cases[i].needles);
        /* the good image is still predicted, the run exits 1 */
        expect(clcnn("predict --cpu --model %s %s %s", good_ckpt, image_path, path), 1, needles);
        ck_assert_msg(strstr(out, "image.ppm:") != NULL, "%s", out);
    }
    report("malformed_images_for_predict");
}
END_TEST

/* ------------------------------------------------------------------ flags */

START_TEST(bad_flags_write_nothing)
{
    static const struct { const char *args; const char *needles; } usage[] = {
        {"--batch 0", "--batch: 0 is out of range"},
        {"--batch -3", "--batch: -3 is out of range"},
        {"--batch 1e3", "--batch: '1e3' is not a whole number"},
        {"--batch 99999999999999999999", "--batch: 99999999999999999999 is out of range"},
        {"--batch=", "--batch: '' is not a whole number"},
        {"--batch ' 8'", "--batch: ' 8' is not a whole number"},
        {"--lr -1", "--lr: -1 is out of range"},
        {"--lr 0", "--lr: 0 is out of range"},
        {"--lr 1e30", "--lr: 1e30 is out of range"},
        {"--lr inf", "--lr: 'inf' is not a number"},
        {"--lr 0.1x", "--lr: '0.1x' is not a number"},
        {"--epochs 1e12", "--epochs: '1e12' is not a whole number"},
        {"--epochs 0", "--epochs: 0 is out of range"},
        {"--iters 0", "--iters: 0 is out of range"},
        {"--iters 99999999999", "--iters: 99999999999 is out of range"},
        {"--val -1", "--val: -1 is out of range"},
        {"--seed 18446744073709551616", "--seed: '18446744073709551616' is not a whole number"},
        {"--seed -1", "--seed: '-1'"},
        {"--momentum 1", "--momentum: 1 is out of range"},
        {"--l2 -0.1", "--l2: -0.1 is out of range"},
        {"--weight-decay 2", "--weight-decay: 2 is out of range"},
        {"--dropout -0.5", "--dropout: -0.5 is out of range"},
        {"--lr-decay step:0:10", "--lr-decay|GAMMA"},
        {"--lr-decay step:0.5:0", "--lr-decay|EVERY"},
        {"--lr-decay step:0.5", "--lr-decay"},
        {"--lr-decay cosine:3", "--lr-decay"},
        {"--optimizer lbfgs", "--optimizer: 'lbfgs'"},
        {"--loss hinge", "--loss: 'hinge'"},
        {"--format png", "--format: 'png'"},
        {"--frobnicate", "unknown option '--frobnicate'"},
        {"stray", "unexpected argument 'stray'"},
        {"--epochs 2 --iters 5", "exclude each other"},
        {"--device 0", "--cpu and --device exclude each other"},
    };
    for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++)
        train_fails_cleanly(2, usage[i].needles, "--data %s %s", cifar_dir, usage[i].args);
    train_fails_cleanly(2, "--val 24: must be less than the 24 training images",
                        "--data %s --val 24 --iters 1", cifar_dir);
    train_fails_cleanly(1, "fewer than one batch of 4096", "--data %s --batch 4096 --val 0 "
                        "--iters 1", cifar_dir);
    train_fails_cleanly(2, "--lr cannot be combined with --resume", "--resume %s --lr 0.1",
                        good_ckpt);
    /* --save and --log are checked before any training */
    char folder[4600];
    snprintf(folder, sizeof folder, "%s/no-such-folder/x.ckpt", base);
    expect(clcnn("train --cpu --data %s --iters 1 --save %s", cifar_dir, folder), 2,
           "--save|no-such-folder does not exist");
    expect(clcnn("train --cpu --data %s --iters 1 --save %s", cifar_dir, base), 2,
           "--save|is a directory");
    expect(clcnn("train --cpu --data %s --iters 1 --log %s", cifar_dir, folder), 2,
           "--log|no-such-folder does not exist");
    /* a device that does not exist: exit 1, naming it, nothing written */
    const char *save = at("device.ckpt");
    unlink(save);
    expect(clcnn("train --data %s --iters 1 --device no-such-device-anywhere --save %s",
                 cifar_dir, save), 1, "no-such-device-anywhere");
    expect(clcnn("train --data %s --iters 1 --device 999 --save %s", cifar_dir, save), 1, "999");
    ck_assert(access(save, F_OK) != 0);
    expect(clcnn("eval --model %s --device no-such-device-anywhere", good_ckpt), 1,
           "no-such-device-anywhere");
    expect(clcnn("eval --cpu --model %s --batch 0", good_ckpt), 2, "--batch: 0 is out of range");
    expect(clcnn("eval --cpu --model"), 2, "--model needs a value");
    expect(clcnn("train --cpu --data %s --batch", cifar_dir), 2, "--batch needs a value");
    expect(clcnn("predict --cpu --model %s", good_ckpt), 2, "no image files given");
    expect(clcnn("frobnicate"), 2, "unknown command 'frobnicate'");
    report("bad_flags_write_nothing");
}
END_TEST

/* ------------------------------------------------- the fuzzers' seeds */

/* corpus/target/name := prefix (prefix_size bytes) + the content of file. */
static void seed(const char *target, const char *name, const void *prefix, size_t prefix_size,
                 const char *file)
{
    char folder[2300], path[2400];
    snprintf(folder, sizeof folder, "%s/%s", at("fuzz-corpus"), target);
    ck_assert_int_eq(fixture_mkdir(folder), 0);
    snprintf(path, sizeof path, "%s/%s", folder, name);
    size_t size = 0;
    uint8_t *body = file ? read_all(file, &size) : NULL;
    uint8_t *bytes = malloc(prefix_size + size + 1);
    memcpy(bytes, prefix, prefix_size);
    if (size)
        memcpy(bytes + prefix_size, body, size);
    write_all(path, bytes, prefix_size + size, 0);
    free(bytes);
    free(body);
}

/* Valid inputs, in each target's input format (tests/fuzz/fuzz_*.c), for
 * .ci/fuzz to start from. */
START_TEST(writes_the_fuzz_seed_corpus)
{
    fixture_remove_tree(at("fuzz-corpus"));
    const char *dir = at("seed-data");
    char path[2400], labels[2400];
    for (int gzip = 0; gzip < 2; gzip++) {
        const char *gz = gzip ? ".gz" : "";
        fixture_remove_tree(dir);
        ck_assert_int_eq(fixture_write_cifar10(dir, 1, 4, 3, 7, gzip), 0);
        snprintf(path, sizeof path, "%s/test_batch.bin%s", dir, gz);
        uint8_t selector = (uint8_t)(gzip ? 2 : 0);
        seed("cifar", gzip ? "cifar10-gz" : "cifar10", &selector, 1, path);
        fixture_remove_tree(dir);
        ck_assert_int_eq(fixture_write_cifar100(dir, 4, 3, 7, gzip), 0);
        snprintf(path, sizeof path, "%s/test.bin%s", dir, gz);
        selector |= 1;
        seed("cifar", gzip ? "cifar100-gz" : "cifar100", &selector, 1, path);

        fixture_remove_tree(dir);
        ck_assert_int_eq(fixture_write_idx(dir, 4, 3, 6, 5, 7, gzip), 0);
        snprintf(path, sizeof path, "%s/t10k-images-idx3-ubyte%s", dir, gz);
        snprintf(labels, sizeof labels, "%s/t10k-labels-idx1-ubyte%s", dir, gz);
        size_t images_size;
        uint8_t *images = read_all(path, &images_size);
        uint8_t head[5] = {(uint8_t)(gzip ? 3 : 0), (uint8_t)images_size,
                           (uint8_t)(images_size >> 8), (uint8_t)(images_size >> 16),
                           (uint8_t)(images_size >> 24)};
        uint8_t *both = malloc(5 + images_size);
        memcpy(both, head, 5);
        memcpy(both + 5, images, images_size);
        /* the labels file is appended by seed() */
        char name[32];
        snprintf(name, sizeof name, "idx%s", gzip ? "-gz" : "");
        seed("idx", name, both, 5 + images_size, labels);
        free(images);
        free(both);
    }
    for (const char *const *p = clcnn_model_preset_names(); *p; p++) {
        const char *text = clcnn_model_preset_text(*p);
        seed("model", *p, text, strlen(text), NULL);
    }
    seed("model", "small-file", model_text, strlen(model_text), NULL);
    seed("checkpoint", "good.ckpt", "", 0, good_ckpt);
    seed("pnm", "p6.ppm", "", 0, image_path);
    static const struct { const char *name, *bytes; size_t size; } images[] = {
        {"p5.pgm", BYTES("P5\n3 2\n255\n\x00\x10\x20\x30\x40\xff")},
        {"p5-16bit.pgm", BYTES("P5\n# comment\n2 1\n1000\n\x03\xe8\x00\x01")},
        {"p2.pgm", BYTES("P2\n2 2\n15\n0 5\n10 15\n")},
        {"p3.ppm", BYTES("P3\n1 2\n255\n255 0 0\n0 0 255\n")},
    };
    for (size_t i = 0; i < sizeof images / sizeof images[0]; i++)
        seed("pnm", images[i].name, images[i].bytes, images[i].size, NULL);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("badinput");
    TCase *tc = tcase_create("cli");
    tcase_add_unchecked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, malformed_cifar_files);
    tcase_add_test(tc, corrupt_gzip_is_rejected);
    tcase_add_test(tc, malformed_cifar100_files);
    tcase_add_test(tc, malformed_idx_files);
    tcase_add_test(tc, bad_data_folders);
    tcase_add_test(tc, unreadable_files_of_every_kind);
    tcase_add_test(tc, malformed_model_files);
    tcase_add_test(tc, malformed_checkpoints);
    tcase_add_test(tc, malformed_images_for_predict);
    tcase_add_test(tc, bad_flags_write_nothing);
    tcase_add_test(tc, writes_the_fuzz_seed_corpus);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
