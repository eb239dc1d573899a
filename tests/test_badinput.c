/* Bad data through the built tool, end to end: malformed CIFAR-10/100 and
 * IDX files, plain and gzip, bad data folders, and files of every kind that
 * cannot be read (a folder, a dangling link, a fifo). Each must fail with a
 * message naming the file, the byte offset and what was expected there, and
 * a failing `train` must write nothing (see bi_train_fails_cleanly). Every
 * test prints how many malformed inputs it tried. The suite also writes the
 * fuzzers' seed corpus (.ci/fuzz). */
#include <check.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "badinput_cli.h"
#include "clcnn/net.h"
#include "data_fixtures.h"
#include "image_fixtures.h"
#include "test_files.h"

static void setup(void) { bi_setup("badinput"); }

/* ------------------------------------------------------------ CIFAR files */

START_TEST(malformed_cifar_files)
{
    size_t size;
    char path[4600];
    snprintf(path, sizeof path, "%s/data_batch_1.bin", bi.cifar_dir);
    uint8_t *good = test_read_file(path, &size);
    ck_assert_int_eq(size, 24 * CIFAR10_RECORD);
    uint8_t *bad = malloc(size + 1);
    const char *dir;

    static const struct {
        size_t size;
        const char *needles;
    } cuts[] = {
        {3 * CIFAR10_RECORD + 100, "byte offset 9219|truncated record (100 of 3073 bytes)"},
        {2 * CIFAR10_RECORD - 1, "byte offset 3073|truncated record (3072 of 3073 bytes)"},
        {24 * CIFAR10_RECORD + 1, "byte offset 73752|truncated record (1 of 3073 bytes)"},
        {1, "byte offset 0|truncated record (1 of 3073 bytes)"},
    };
    for (int gzip = 0; gzip < 2; gzip++)
        for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
            memcpy(bad, good, size);
            bad[size] = 7;
            dir = bi_cifar_with("cifar-cut", "data_batch_1.bin", bad, cuts[i].size, gzip);
            bi_train_fails_cleanly(1, cuts[i].needles, "--data %s --iters 1 --batch 8", dir);
            ck_assert(strstr(bi_out, "data_batch_1.bin") != NULL);
            ck_assert(!gzip || strstr(bi_out, "(uncompressed)") != NULL);
        }

    memcpy(bad, good, size);
    bad[2 * CIFAR10_RECORD] = 10;
    dir = bi_cifar_with("cifar-label", "data_batch_1.bin", bad, size, 0);
    bi_train_fails_cleanly(
        1, "data_batch_1.bin: byte offset 6146|label 10 out of range: expected 0 .. 9",
        "--data %s --iters 1 --batch 8", dir);
    memcpy(bad, good, size);
    bad[23 * CIFAR10_RECORD] = 255;
    dir = bi_cifar_with("cifar-label", "data_batch_1.bin", bad, size, 1);
    bi_train_fails_cleanly(1, "data_batch_1.bin.gz: byte offset 70679 (uncompressed)|label 255",
                           "--data %s --iters 1 --batch 8", dir);

    /* the test split is checked too, by train and by eval */
    memcpy(bad, good, 8 * CIFAR10_RECORD);
    bad[CIFAR10_RECORD] = 200;
    dir = bi_cifar_with("cifar-test", "test_batch.bin", bad, 8 * CIFAR10_RECORD, 0);
    bi_train_fails_cleanly(1, "test_batch.bin: byte offset 3073|label 200",
                           "--data %s --iters 1 --batch 8", dir);
    bi_expect(bi_clcnn("eval --cpu --model %s --data %s", bi.good_ckpt, dir), 1,
              "test_batch.bin: byte offset 3073|label 200");

    dir = bi_cifar_with("cifar-empty", "data_batch_1.bin", "", 0, 0);
    bi_train_fails_cleanly(1, "data_batch_1.bin: byte offset 0: empty file", "--data %s --iters 1",
                           dir);
    dir = bi_cifar_with("cifar-empty", "data_batch_1.bin", "", 0, 1);
    bi_train_fails_cleanly(1, "data_batch_1.bin.gz: byte offset 0|empty file",
                           "--data %s --iters 1", dir);
    free(good);
    free(bad);
    bi_report("malformed_cifar_files");
}
END_TEST

START_TEST(corrupt_gzip_is_rejected)
{
    size_t size, gz_size;
    char path[4600];
    snprintf(path, sizeof path, "%s/data_batch_1.bin", bi.cifar_dir);
    uint8_t *plain = test_read_file(path, &size);
    const char *dir = bi_cifar_with("cifar-gz", "data_batch_1.bin", plain, size, 1);
    snprintf(path, sizeof path, "%s/data_batch_1.bin.gz", dir);
    uint8_t *gz = test_read_file(path, &gz_size);

    /* without its 8-byte CRC/length trailer every record still inflates:
     * only zlib's end-of-stream check can tell */
    bi_write_all(path, gz, gz_size - 8, 0);
    bi_train_fails_cleanly(1,
                           "data_batch_1.bin.gz: byte offset 73752 (uncompressed)|truncated or "
                           "corrupt gzip|unexpected end of file",
                           "--data %s --iters 1", dir);
    bi_write_all(path, gz, gz_size / 2, 0);
    bi_train_fails_cleanly(1, "data_batch_1.bin.gz: byte offset|corrupt gzip",
                           "--data %s --iters 1", dir);
    gz[gz_size - 6] ^= 0xff; /* the stored length */
    bi_write_all(path, gz, gz_size, 0);
    bi_train_fails_cleanly(1, "data_batch_1.bin.gz|corrupt gzip", "--data %s --iters 1", dir);
    gz[gz_size - 6] ^= 0xff;
    gz[gz_size - 8] ^= 0xff; /* the CRC */
    bi_write_all(path, gz, gz_size, 0);
    bi_train_fails_cleanly(1, "data_batch_1.bin.gz|corrupt gzip|incorrect data check",
                           "--data %s --iters 1", dir);
    gz[gz_size - 8] ^= 0xff;
    memset(gz + 20, 0xA5, 16); /* the deflate stream itself */
    bi_write_all(path, gz, gz_size, 0);
    bi_train_fails_cleanly(1, "data_batch_1.bin.gz|corrupt gzip", "--data %s --iters 1", dir);
    free(plain);
    free(gz);
    bi_report("corrupt_gzip_is_rejected");
}
END_TEST

START_TEST(malformed_cifar100_files)
{
    const char *dir = bi_path("cifar100");
    fixture_remove_tree(dir);
    ck_assert_int_eq(fixture_write_cifar100(dir, 16, 4, 9, 0), 0);
    char path[4600];
    size_t size;
    snprintf(path, sizeof path, "%s/train.bin", dir);
    uint8_t *good = test_read_file(path, &size);
    ck_assert_int_eq(size, 16 * 3074);
    good[3074] = 20; /* coarse label of record 1 */
    bi_write_all(path, good, size, 0);
    bi_train_fails_cleanly(1, "train.bin: byte offset 3074|label 20 out of range: expected 0 .. 19",
                           "--data %s --iters 1", dir);
    good[3074] = 0;
    good[2 * 3074 + 1] = 100; /* fine label of record 2 */
    bi_write_all(path, good, size, 0);
    bi_train_fails_cleanly(1,
                           "train.bin: byte offset 6149|label 100 out of range: expected 0 .. 99",
                           "--data %s --iters 1", dir);
    bi_write_all(path, good, 3 * 3073, 0); /* CIFAR-10 sized records */
    bi_train_fails_cleanly(1, "train.bin: byte offset 6148|truncated record (3071 of 3074 bytes)",
                           "--data %s --iters 1", dir);
    free(good);
    bi_report("malformed_cifar100_files");
}
END_TEST

/* ------------------------------------------------------------- IDX files */

static void put_be32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

START_TEST(malformed_idx_files)
{
    for (int gzip = 0; gzip < 2; gzip++) {
        const char *dir = bi_path(gzip ? "idx-gz" : "idx");
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
        uint8_t *img = test_read_file(plain, &isize);
        snprintf(plain, sizeof plain, "%s/train-labels-idx1-ubyte", dir);
        uint8_t *lab = test_read_file(plain, &lsize);
        if (gzip) {
            snprintf(plain, sizeof plain, "%s/train-images-idx3-ubyte", dir);
            unlink(plain);
            snprintf(plain, sizeof plain, "%s/train-labels-idx1-ubyte", dir);
            unlink(plain);
            bi_write_all(labels, lab, lsize, 1);
        }
        const char *in = gzip ? " (uncompressed)" : "";
        char needles[512];
#define IMAGES_FAIL(msg_fmt, ...)                                                                  \
    do {                                                                                           \
        snprintf(needles, sizeof needles, "train-images-idx3-ubyte%s: byte offset " msg_fmt,       \
                 suffix, __VA_ARGS__);                                                             \
        bi_train_fails_cleanly(1, needles, "--data %s --model lenet --iters 1", dir);              \
    } while (0)

        put_be32(img, 0x00000801);
        bi_write_all(images, img, isize, gzip);
        IMAGES_FAIL("0%s: wrong IDX magic 0x00000801: expected 0x00000803", in);
        put_be32(img, 0x00000d03); /* int32 elements */
        bi_write_all(images, img, isize, gzip);
        IMAGES_FAIL("0%s: wrong IDX magic 0x00000d03", in);
        put_be32(img, 0x00000803);
        put_be32(img + 4, 0);
        bi_write_all(images, img, isize, gzip);
        IMAGES_FAIL("4%s: dimension 0 is 0", in);
        put_be32(img + 4, 20);
        put_be32(img + 8, 5000);
        bi_write_all(images, img, isize, gzip);
        IMAGES_FAIL("8%s: dimension 1 is 5000: expected 1 .. 4096", in);
        put_be32(img + 8, 28);
        put_be32(img + 4, 21); /* one image more than the data holds */
        bi_write_all(images, img, isize, gzip);
        IMAGES_FAIL("%zu%s: truncated data: expected 16464 bytes after the header, found 15680",
                    isize, in);
        put_be32(img + 4, 0x7fffffff);
        bi_write_all(images, img, isize, gzip);
        IMAGES_FAIL("%zu%s: truncated data", isize, in);
        put_be32(img + 4, 20);
        bi_write_all(images, img, 10, gzip);
        IMAGES_FAIL("10%s: truncated header: expected 16 header bytes", in);
        bi_write_all(images, img, isize - 1, gzip);
        IMAGES_FAIL("%zu%s: truncated data", isize - 1, in);
        uint8_t *longer = malloc(isize + 3);
        memcpy(longer, img, isize);
        memset(longer + isize, 0, 3);
        bi_write_all(images, longer, isize + 3, gzip);
        IMAGES_FAIL("%zu%s: 3 unexpected bytes after the 15680 data bytes", isize, in);
        free(longer);
        bi_write_all(images, img, isize, gzip);

        /* labels: count mismatch, a label bi_out of range, wrong magic */
        put_be32(lab + 4, 19);
        bi_write_all(labels, lab, lsize - 1, gzip);
        bi_train_fails_cleanly(1,
                               "train-labels-idx1-ubyte|byte offset 4|19 labels, expected one for "
                               "each of the 20 images",
                               "--data %s --model lenet --iters 1", dir);
        put_be32(lab + 4, 20);
        lab[8 + 13] = 10;
        bi_write_all(labels, lab, lsize, gzip);
        bi_train_fails_cleanly(1,
                               "train-labels-idx1-ubyte|byte offset 21|label 10 out of range: "
                               "expected 0 .. 9",
                               "--data %s --model lenet --iters 1", dir);
        lab[8 + 13] = 1;
        put_be32(lab, 0x00000803);
        bi_write_all(labels, lab, lsize, gzip);
        bi_train_fails_cleanly(1,
                               "train-labels-idx1-ubyte|byte offset 0|wrong IDX magic 0x00000803: "
                               "expected 0x00000801",
                               "--data %s --model lenet --iters 1", dir);
        bi_write_all(labels, lab, 6, gzip);
        bi_train_fails_cleanly(1, "train-labels-idx1-ubyte|truncated header",
                               "--data %s --model lenet --iters 1", dir);
        free(img);
        free(lab);
#undef IMAGES_FAIL
    }
    /* MNIST's 28x28 grey images do not fit a 3-channel model */
    fixture_remove_tree(bi_path("idx"));
    ck_assert_int_eq(fixture_write_idx(bi_path("idx"), 20, 10, 28, 28, 3, 0), 0);
    bi_train_fails_cleanly(1, "images are 1x28x28|expects 3x32x32",
                           "--data %s --model %s --iters 1", bi_path("idx"), bi.model_path);
    bi_report("malformed_idx_files");
}
END_TEST

/* ------------------------------------------- folders and unreadable files */

START_TEST(bad_data_folders)
{
    bi_train_fails_cleanly(1, "no data set found", "--data %s --iters 1",
                           bi_path("no-such-folder"));
    bi_train_fails_cleanly(1, "no data set found", "--data %s --iters 1", bi.model_path);
    fixture_mkdir(bi_path("empty-folder"));
    bi_train_fails_cleanly(1,
                           "empty-folder: no data set found|data_batch_1.bin|train.bin|"
                           "train-images-idx3-ubyte",
                           "--data %s --iters 1", bi_path("empty-folder"));
    const char *both = bi_path("two-formats");
    fixture_remove_tree(both);
    ck_assert_int_eq(fixture_write_cifar10(both, 1, 8, 8, 1, 0), 0);
    char path[4600];
    snprintf(path, sizeof path, "%s/train.bin", both);
    test_write_text(path, "x");
    bi_train_fails_cleanly(1, "two-formats: files of several data formats", "--data %s --iters 1",
                           both);
    bi_train_fails_cleanly(1, "missing IDX images file", "--data %s --format idx --iters 1",
                           bi.cifar_dir);
    bi_train_fails_cleanly(1, "no CIFAR-100 files", "--data %s --format cifar100 --iters 1",
                           bi.cifar_dir);
    const char *no_test = bi_path("no-test");
    fixture_remove_tree(no_test);
    ck_assert_int_eq(fixture_write_cifar10(no_test, 1, 8, 8, 1, 0), 0);
    snprintf(path, sizeof path, "%s/test_batch.bin", no_test);
    unlink(path);
    bi_train_fails_cleanly(1, "no-test: no CIFAR-10 files: expected test_batch.bin",
                           "--data %s --iters 1", no_test);
    bi_report("bad_data_folders");
}
END_TEST

/* A directory, a dangling symbolic link and a fifo bi_path path (tests run as
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
        const char *dir = bi_cifar_with("unreadable", "data_batch_1.bin", "", 0, 0);
        snprintf(path, sizeof path, "%s/data_batch_1.bin", dir);
        const char *why = make_unreadable(path, kind);
        snprintf(needles, sizeof needles, "data_batch_1.bin: byte offset 0|%s", why);
        bi_train_fails_cleanly(1, needles, "--data %s --iters 1", dir);

        const char *model = bi_path("unreadable-model");
        why = make_unreadable(model, kind);
        snprintf(needles, sizeof needles, "unreadable-model|%s", why);
        bi_train_fails_cleanly(1, needles, "--data %s --model %s --iters 1", bi.cifar_dir, model);

        const char *ckpt = bi_path("unreadable.ckpt");
        why = make_unreadable(ckpt, kind);
        snprintf(needles, sizeof needles, "unreadable.ckpt|%s", why);
        bi_expect(bi_clcnn("eval --cpu --model %s", ckpt), 1, needles);
        bi_expect(bi_clcnn("predict --cpu --model %s %s", ckpt, bi.image_path), 1, needles);
        bi_train_fails_cleanly(1, needles, "--resume %s", ckpt);

        const char *image = bi_path("unreadable.ppm");
        why = make_unreadable(image, kind);
        snprintf(needles, sizeof needles, "unreadable.ppm: byte offset 0|%s", why);
        bi_expect(bi_clcnn("predict --cpu --model %s %s", bi.good_ckpt, image), 1, needles);
    }
    bi_report("unreadable_files_of_every_kind");
}
END_TEST

/* ------------------------------------------------- the fuzzers' seeds */

/* corpus/target/name := prefix (prefix_size bytes) + the content of file. */
static void seed(const char *target, const char *name, const void *prefix, size_t prefix_size,
                 const char *file)
{
    char folder[2300], path[2400];
    snprintf(folder, sizeof folder, "%s/%s", bi_path("fuzz-corpus"), target);
    ck_assert_int_eq(fixture_mkdir(folder), 0);
    snprintf(path, sizeof path, "%s/%s", folder, name);
    size_t size = 0;
    uint8_t *body = file ? test_read_file(file, &size) : NULL;
    uint8_t *bytes = malloc(prefix_size + size + 1);
    memcpy(bytes, prefix, prefix_size);
    if (body)
        memcpy(bytes + prefix_size, body, size);
    bi_write_all(path, bytes, prefix_size + size, 0);
    free(bytes);
    free(body);
}

/* Valid inputs, in each target's input format (tests/fuzz/fuzz_*.c), for
 * .ci/fuzz to start from. */
START_TEST(writes_the_fuzz_seed_corpus)
{
    fixture_remove_tree(bi_path("fuzz-corpus"));
    const char *dir = bi_path("seed-data");
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
        uint8_t *images = test_read_file(path, &images_size);
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
    seed("model", "small-file", test_small_model, strlen(test_small_model), NULL);
    seed("checkpoint", "good.ckpt", "", 0, bi.good_ckpt);
    seed("pnm", "p6.ppm", "", 0, bi.image_path);
    static const struct {
        const char *name, *bytes;
        size_t size;
    } images[] = {
        {"p5.pgm", BYTES("P5\n3 2\n255\n\x00\x10\x20\x30\x40\xff")},
        {"p5-16bit.pgm", BYTES("P5\n# comment\n2 1\n1000\n\x03\xe8\x00\x01")},
        {"p2.pgm", BYTES("P2\n2 2\n15\n0 5\n10 15\n")},
        {"p3.ppm", BYTES("P3\n1 2\n255\n255 0 0\n0 0 255\n")},
    };
    for (size_t i = 0; i < sizeof images / sizeof images[0]; i++)
        seed("pnm", images[i].name, images[i].bytes, images[i].size, NULL);
    /* PNG: every color type, 16 bits, a palette, interlaced; JPEG: gray,
     * color, progressive (small: the fuzzer mutates every byte) */
    uint16_t samples[12 * 9 * 4];
    uint8_t bytes[12 * 9 * 3];
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++)
        samples[i] = (uint16_t)(i * 2741u);
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (uint8_t)(128 + 100 * ((i / 3) % 12 < 6) - (int)(i % 40));
    static const struct {
        const char *name;
        int color_type, bit_depth, interlace;
    } pngs[] = {{"gray.png", PNG_COLOR_TYPE_GRAY, 8, 0},
                {"gray2.png", PNG_COLOR_TYPE_GRAY, 2, 0},
                {"rgb.png", PNG_COLOR_TYPE_RGB, 8, 1},
                {"rgba16.png", PNG_COLOR_TYPE_RGBA, 16, 0},
                {"ga.png", PNG_COLOR_TYPE_GRAY_ALPHA, 8, 0},
                {"palette.png", PNG_COLOR_TYPE_PALETTE, 4, 0}};
    const uint8_t palette[3 * 16] = {0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 99, 199};
    for (size_t i = 0; i < sizeof pngs / sizeof *pngs; i++) {
        uint16_t mask = (uint16_t)((1u << pngs[i].bit_depth) - 1);
        uint16_t masked[sizeof samples / sizeof *samples];
        for (size_t j = 0; j < sizeof samples / sizeof *samples; j++)
            masked[j] = samples[j] & mask;
        const char *file = bi_path("seed-image");
        ck_assert_int_eq(fixture_write_png(file, 12, 9, pngs[i].color_type, pngs[i].bit_depth,
                                           masked, palette, 16, pngs[i].interlace), 0);
        seed("png", pngs[i].name, "", 0, file);
    }
    for (int kind = 0; kind < 3; kind++) {
        const char *file = bi_path("seed-image");
        ck_assert_int_eq(fixture_write_jpeg(file, 12, 9, kind ? 3 : 1, bytes, 90, kind == 2), 0);
        static const char *const names[3] = {"gray.jpg", "rgb.jpg", "progressive.jpg"};
        seed("jpeg", names[kind], "", 0, file);
    }
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
    tcase_add_test(tc, writes_the_fuzz_seed_corpus);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(suite());
}
