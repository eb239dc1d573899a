/* Helpers of the bad-input suites (tests/test_badinput*.c): a scratch folder
 * of valid inputs, runs of the built tool, and the assertions that a failing
 * run names what it should and writes nothing. They fail the running Check
 * test on any problem. */
#ifndef CLCNN_BADINPUT_CLI_H
#define CLCNN_BADINPUT_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "test_files.h"

/* A string literal's bytes and their count (it may hold NUL bytes). */
#define BYTES(literal) literal, sizeof literal - 1

#define CIFAR10_RECORD 3073 /* label byte + 3072 pixels */

/* The valid inputs made by bi_setup(), under its folder. */
typedef struct bi_inputs {
    const char *cifar_dir;  /* CIFAR-10: one train file of 24 images, 8 test images */
    const char *model_path; /* test_small_model */
    const char *good_ckpt;  /* 2 steps of that model on cifar_dir */
    const char *image_path; /* a 12 x 9 PPM */
} bi_inputs;

extern bi_inputs bi;
extern char bi_out[65536]; /* output (stdout + stderr) of the last run */
extern int bi_tried;       /* malformed inputs tried by the running test */

/* Empty CLCNN_TEST_TMP/folder and write the valid inputs into it (an
 * unchecked fixture: the tests then run in forked children). */
void bi_setup(const char *folder);

/* The suite's folder + "/" + name; one name always gives the same buffer
 * (up to 64 names), so a path stays valid. */
const char *bi_path(const char *name);

/* Write bytes to path (gzip-compressed when set); whole files are read and
 * text written with test_files.h. */
void bi_write_all(const char *path, const void *bytes, size_t size, int gzip);

/* Run "clcnn ARGS" (printf-style): output in bi_out, exit status returned. */
int bi_clcnn(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* The last run exited with want and its output holds every '|'-separated
 * part of needles. Counts one malformed input. */
void bi_expect(int status, int want, const char *needles);

/* Print how many malformed inputs the running test tried. */
void bi_report(const char *test);

/* `clcnn train --cpu ARGS --save S --log L` fails (want, needles) leaving S,
 * a copy of the good checkpoint, byte for byte as it was, L uncreated and no
 * temporary checkpoint file behind. */
void bi_train_fails_cleanly(int want, const char *needles, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* A fresh folder `name` holding the valid CIFAR-10 set with file replaced by
 * bytes (gzip-compressed, as file + ".gz", when gzip). */
const char *bi_cifar_with(const char *name, const char *file, const void *bytes, size_t size,
                          int gzip);

#endif
