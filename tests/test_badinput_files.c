/* Bad model files, checkpoints, images and flags through the built tool, end
 * to end. Each must fail with the documented exit status and a message
 * naming the file and the line or byte offset and what was expected, and a
 * failing `train` must write nothing (see bi_train_fails_cleanly). Every test
 * prints how many malformed inputs it tried. */
#define _GNU_SOURCE /* memmem */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "badinput_cli.h"
#include "clcnn/net.h"
#include "test_files.h"

static void setup(void) { bi_setup("badinput-files"); }

/* ------------------------------------------------------------ model files */

START_TEST(malformed_model_files)
{
    static const struct {
        const char *text;
        const char *needles;
    } cases[] = {
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
        /* graphs: unknown, later and own names, shapes that cannot be added,
         * a dead branch, a name taken twice or malformed */
        {"input 3 8 8\nconv 4 3 pad=1\nadd nosuch\nfc 10\n",
         "bad-model.txt:3: add: unknown layer name 'nosuch'"},
        {"input 3 8 8\nconv 4 3 pad=1 from=later\nrelu name=later\nfc 10\n",
         "bad-model.txt:2: conv: 'later' is a later layer (line 3)|cycle"},
        {"input 3 8 8\nconv 4 3 pad=1\nadd me name=me\nfc 10\n",
         "bad-model.txt:3: add: 'me' is this layer itself: a cycle"},
        {"input 3 8 8\nconv 4 3 pad=1 name=a\nconv 4 3 pad=1 stride=2\nadd a\nfc 10\n",
         "bad-model.txt:4: add: cannot add a (4x8x8, line 2) to the input 4x4x4"},
        {"input 3 8 8\nconv 4 3 pad=1 name=a\nconv 4 3 pad=1\nconv 4 3 pad=1 from=a\nfc 10\n",
         "bad-model.txt:3: conv: nothing uses this layer's output (a dead branch"},
        {"input 3 8 8\nconv 4 3 name=a\nrelu name=a\nfc 10\n",
         "bad-model.txt:3: relu: name 'a' is taken by line 2"},
        {"input 3 8 8\nrelu name=9lives\nfc 10\n", "bad-model.txt:2: relu: bad name '9lives'"},
        {"input 3 8 8\nrelu name=input\nfc 10\n", "bad-model.txt:2|'input' is taken"},
        {"input 3 8 8\nrelu name=a\nadd a a\nfc 10\n", "bad-model.txt:3: add: 'a' named twice"},
        {"input 3 8 8\nadd\nfc 10\n", "bad-model.txt:2: add: missing value"},
        {"input 3 8 8\navgpool global pad=1\nfc 10\n",
         "bad-model.txt:2: avgpool global: takes no stride= or pad="},
    };
    const char *path = bi_path("bad-model.txt");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        test_write_text(path, cases[i].text);
        bi_train_fails_cleanly(1, cases[i].needles, "--data %s --model %s --iters 1", bi.cifar_dir,
                               path);
    }
    /* more layers than a model may have */
    char text[8192] = "input 3 32 32\n";
    for (int i = 0; i < CLCNN_MAX_LAYERS; i++)
        strcat(text, "relu\n");
    strcat(text, "fc 10\n");
    test_write_text(path, text);
    bi_train_fails_cleanly(1, "bad-model.txt:", "--data %s --model %s --iters 1", bi.cifar_dir,
                           path);
    bi_write_all(path, "input 3 32 32\n\0fc 10\n", 21, 0);
    bi_train_fails_cleanly(1, "bad-model.txt: not a text file (contains a NUL byte)",
                           "--data %s --model %s --iters 1", bi.cifar_dir, path);
    bi_train_fails_cleanly(1, "no-such-model.txt", "--data %s --model %s --iters 1", bi.cifar_dir,
                           bi_path("no-such-model.txt"));
    bi_report("malformed_model_files");
}
END_TEST

/* ------------------------------------------------------------ checkpoints */

/* Header fields sit bi_path fixed offsets (bi_clcnn/train.h): magic 0, version 8,
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
    bi_expect(bi_clcnn("eval --cpu --model %s", path), 1, needles);
    bi_expect(bi_clcnn("predict --cpu --model %s %s", path, bi.image_path), 1, needles);
    bi_train_fails_cleanly(1, needles, "--resume %s", path);
}

START_TEST(malformed_checkpoints)
{
    size_t size;
    uint8_t *good = test_read_file(bi.good_ckpt, &size);
    uint8_t *bad = malloc(size + 16);
    const char *path = bi_path("bad.ckpt");
#define MUTATE(stmt, length, needles)                                                              \
    do {                                                                                           \
        memcpy(bad, good, size);                                                                   \
        memset(bad + size, 0, 16);                                                                 \
        stmt;                                                                                      \
        bi_write_all(path, bad, (length), 0);                                                      \
        checkpoint_refused(path, needles);                                                         \
    } while (0)

    MUTATE(bad[0] = 'X', size, "bad.ckpt: at offset 0: wrong magic: expected \"CLCNNCKP\"");
    MUTATE((void)0, 0, "bad.ckpt: at offset 0: wrong magic");
    MUTATE((void)0, 5, "bad.ckpt: at offset 0: wrong magic");
    MUTATE(bad[8] = 3, size, "bad.ckpt: at offset 8: unsupported checkpoint version 3");
    MUTATE(bad[8] = 0, size, "bad.ckpt: at offset 8: unsupported checkpoint version 0");
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
    bi_train_fails_cleanly(1, "architecture mismatch", "--resume %s --model small", bi.good_ckpt);
    bi_expect(bi_clcnn("eval --cpu --model %s", bi_path("no-such.ckpt")), 1,
              "no-such.ckpt|No such file");
    /* not a checkpoint bi_path all: a model file, an image */
    bi_expect(bi_clcnn("eval --cpu --model %s", bi.model_path), 1,
              "model.txt: at offset 0: wrong magic");
    bi_expect(bi_clcnn("predict --cpu --model %s %s", bi.image_path, bi.image_path), 1,
              "image.ppm: at offset 0: wrong magic");
    free(good);
    free(bad);
    bi_report("malformed_checkpoints");
}
END_TEST

/* ------------------------------------------------------------- PPM / PGM */

START_TEST(malformed_images_for_predict)
{
    static const struct {
        const char *bytes;
        size_t size;
        const char *needles;
    } cases[] = {
        {BYTES("P7\n2 2\n255\n"), "byte offset 0: expected the magic P2, P3, P5 or P6"},
        {BYTES("P"), "byte offset 0: expected the magic"},
        {BYTES("P5"), "byte offset 2: file ends: expected the width"},
        {BYTES("P5\n0 4\n255\n"), "byte offset 3: the width out of range: expected 1 .. 16384"},
        {BYTES("P5\n4 99999\n255\n"), "byte offset 5: the height out of range"},
        {BYTES("P5\n4 4\n0\n"), "byte offset 7: maxval out of range: expected 1 .. 65535"},
        {BYTES("P5\n4 4\n70000\n"), "byte offset 7: maxval out of range"},
        {BYTES("P5\nx 4\n255\n"), "byte offset 3: found 'x': expected the width (a number)"},
        {BYTES("P6\n2 2\n255\n\x01\x02\x03"),
         "byte offset 14: truncated pixel data: 12 samples (2 x 2 x 3), only 4 bytes left"},
        {BYTES("P6\n2 1\n255\n\x01\x02\x03\x04\x05"),
         "byte offset 16: truncated pixel data: expected 6 bytes, found 5"},
        {BYTES("P5\n4 4\n65535\n\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10"),
         "byte offset 29: truncated pixel data: expected 32 bytes, found 16"},
        {BYTES("P5\n16384 16384\n255\n\x01"),
         "byte offset 20: truncated pixel data: 268435456 samples"},
        {BYTES("P5\n1 1\n255X"),
         "byte offset 10: expected one whitespace byte before the pixel data"},
        {BYTES("P5\n1 1\n1000\n\xff\xff"), "byte offset 12: pixel value 65535 exceeds maxval 1000"},
        {BYTES("P2\n2 2\n255\n1 2 3 300\n"),
         "byte offset 17: a pixel value out of range: expected 0 .. 255"},
        {BYTES("P2\n2 2\n255\n1 2 x 4\n"), "byte offset 15: found 'x': expected a pixel value"},
        {BYTES("P3\n1 1\n255\n1 2"), "byte offset 14: file ends: expected a pixel value"},
        {BYTES(""), "byte offset 0: empty file, expected an image (PNG, JPEG, PGM or PPM)"},
    };
    const char *path = bi_path("bad.pnm");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bi_write_all(path, cases[i].bytes, cases[i].size, 0);
        char needles[512];
        snprintf(needles, sizeof needles, "bad.pnm: %s", cases[i].needles);
        /* the good image is still predicted, the run exits 1 */
        bi_expect(bi_clcnn("predict --cpu --model %s %s %s", bi.good_ckpt, bi.image_path, path), 1,
                  needles);
        ck_assert_msg(strstr(bi_out, "image.ppm:") != NULL, "%s", bi_out);
    }
    bi_report("malformed_images_for_predict");
}
END_TEST

/* ------------------------------------------------------------------ flags */

START_TEST(bad_flags_write_nothing)
{
    static const struct {
        const char *args;
        const char *needles;
    } usage[] = {
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
        bi_train_fails_cleanly(2, usage[i].needles, "--data %s %s", bi.cifar_dir, usage[i].args);
    bi_train_fails_cleanly(2, "--val 24: must be less than the 24 training images",
                           "--data %s --val 24 --iters 1", bi.cifar_dir);
    bi_train_fails_cleanly(1, "fewer than one batch of 4096",
                           "--data %s --batch 4096 --val 0 --iters 1", bi.cifar_dir);
    bi_train_fails_cleanly(2, "--lr 0.1 differs from the checkpoint's 0.05",
                           "--resume %s --lr 0.1", bi.good_ckpt);
    /* --save and --log are checked before any training */
    const char *folder = bi_path("no-such-folder/x.ckpt");
    bi_expect(bi_clcnn("train --cpu --data %s --iters 1 --save %s", bi.cifar_dir, folder), 2,
              "--save|no-such-folder does not exist");
    bi_expect(bi_clcnn("train --cpu --data %s --iters 1 --save %s", bi.cifar_dir, bi.cifar_dir), 2,
              "--save|is a directory");
    bi_expect(bi_clcnn("train --cpu --data %s --iters 1 --log %s", bi.cifar_dir, folder), 2,
              "--log|no-such-folder does not exist");
    /* a device that does not exist: exit 1, naming it, nothing written */
    const char *save = bi_path("device.ckpt");
    unlink(save);
    bi_expect(bi_clcnn("train --data %s --iters 1 --device no-such-device-anywhere --save %s",
                       bi.cifar_dir, save),
              1, "no-such-device-anywhere");
    bi_expect(bi_clcnn("train --data %s --iters 1 --device 999 --save %s", bi.cifar_dir, save), 1,
              "999");
    ck_assert(access(save, F_OK) != 0);
    bi_expect(bi_clcnn("eval --model %s --device no-such-device-anywhere", bi.good_ckpt), 1,
              "no-such-device-anywhere");
    bi_expect(bi_clcnn("eval --cpu --model %s --batch 0", bi.good_ckpt), 2,
              "--batch: 0 is out of range");
    bi_expect(bi_clcnn("eval --cpu --model"), 2, "--model needs a value");
    bi_expect(bi_clcnn("train --cpu --data %s --batch", bi.cifar_dir), 2, "--batch needs a value");
    bi_expect(bi_clcnn("predict --cpu --model %s", bi.good_ckpt), 2, "no image files given");
    bi_expect(bi_clcnn("frobnicate"), 2, "unknown command 'frobnicate'");
    bi_report("bad_flags_write_nothing");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("badinput_files");
    TCase *tc = tcase_create("cli");
    tcase_add_unchecked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, malformed_model_files);
    tcase_add_test(tc, malformed_checkpoints);
    tcase_add_test(tc, malformed_images_for_predict);
    tcase_add_test(tc, bad_flags_write_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(suite());
}
