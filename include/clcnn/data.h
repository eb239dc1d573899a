/* clcnn — data sets on the host: loaders, statistics, shuffling, augmentation,
 * a background batch loader, and images (PNG, JPEG, PPM/PGM) for prediction.
 *
 * Images stay uint8 (0..255) on the host, NCHW; normalization to real numbers
 * happens later, on the backend, with the per-channel mean and std computed here.
 *
 * Formats (a folder holds one data set; every file may also be gzip-compressed
 * with a ".gz" suffix, read through zlib):
 *   cifar10   data_batch_1.bin .. data_batch_5.bin (train; any subset present),
 *             test_batch.bin (test); record = 1 label byte + 3072 pixel bytes
 *             (1024 red, 1024 green, 1024 blue, row-major 32x32). Class names from
 *             batches.meta.txt when present (first 10 non-empty lines).
 *   cifar100  train.bin, test.bin; record = coarse label, fine label, 3072 pixel
 *             bytes. The fine labels are used (100 classes); names from
 *             fine_label_names.txt when present.
 *   idx       train-images-idx3-ubyte + train-labels-idx1-ubyte (train),
 *             t10k-images-idx3-ubyte + t10k-labels-idx1-ubyte (test); the
 *             "name.idx3-ubyte" spelling is accepted too. 10 classes; named after
 *             the Fashion-MNIST classes when the folder path contains "fashion"
 *             (any case), else "0".."9".
 *   folder    DIR/train/CLASS/FILE, DIR/test/CLASS/FILE and optionally DIR/val/CLASS/FILE:
 *             one subfolder per class (torchvision's ImageFolder), class names
 *             = the sorted subfolder names of train/; every file a PNG, JPEG,
 *             PPM or PGM image of any size (clcnn_image_read), fitted to the
 *             load options' image size (clcnn_image_fit). Images are ordered by
 *             file name across the classes (ties in class order), so files
 *             numbered in a data set's original order keep it. Decoded once,
 *             in parallel, into uint8 memory.
 * Every malformed file is rejected with CLCNN_ERR_FORMAT (CLCNN_ERR_IO when it
 * cannot be read at all) and a message naming the file, the byte offset (of the
 * decompressed data for a .gz file) and what was expected there.
 */
#ifndef CLCNN_DATA_H
#define CLCNN_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "clcnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ data sets */

typedef struct clcnn_dataset {
    int count;           /* number of images */
    int channels, height, width;
    int classes;         /* labels are 0 .. classes-1 */
    uint8_t *images;     /* count * channels * height * width bytes, NCHW */
    int32_t *labels;     /* count labels */
    char **class_names;  /* classes strings */
    void *mapping;       /* set when images and labels live in a memory-mapped image
                            cache file (private: writes stay in memory); NULL in a
                            data set built by hand (zero the whole struct first) */
    size_t mapping_size;
} clcnn_dataset;

typedef enum clcnn_data_format {
    CLCNN_DATA_AUTO = 0, /* detect from the files in the folder */
    CLCNN_DATA_CIFAR10,
    CLCNN_DATA_CIFAR100,
    CLCNN_DATA_IDX,
    CLCNN_DATA_FOLDER
} clcnn_data_format;

typedef enum clcnn_data_split {
    CLCNN_SPLIT_TRAIN = 0,
    CLCNN_SPLIT_TEST,
    CLCNN_SPLIT_VAL   /* an image folder's val/ (no other format has one) */
} clcnn_data_split;

typedef struct clcnn_load_options {
    clcnn_data_format format; /* CLCNN_DATA_AUTO to detect */
    int pad;                  /* zero pixels added on each side at load time
                                 (2 turns 28x28 MNIST into 32x32); 0 for none */
    int max_images;           /* keep only the first max_images (file order); 0 keeps all */
    /* Image folders only (zero-initialize the rest of the struct for others): */
    int channels, height, width; /* every image fitted to this; 0: 3 x 32 x 32 */
    int skip_bad;             /* skip unreadable files (each reported to skipped)
                                 instead of failing on the first */
    int threads;              /* decoding threads; 0: one per core available */
    int cache;                /* keep the decoded images in DIR/.clcnn-cache-SPLIT-CxHxW:
                                 written after a load that skipped nothing, then
                                 memory-mapped instead of decoding while its
                                 fingerprint (every file's name, size and time,
                                 the classes, the size) and checksum still hold */
    /* Called on the calling thread: progress about 10 times a second and once
     * at the end (done == total); skipped once per skipped file, in order,
     * with a message naming the file and the reason. Either may be NULL. */
    void (*progress)(int done, int total, void *user);
    void (*skipped)(const char *message, void *user);
    void *user;
} clcnn_load_options;

/* Parse "cifar10", "cifar100", "idx", "folder" or "auto". */
clcnn_status clcnn_data_format_parse(const char *name, clcnn_data_format *format);

/* "cifar10", "cifar100", "idx", "folder" or "auto". */
const char *clcnn_data_format_name(clcnn_data_format format);

/* Detect the format of folder dir from the file names present (either split).
 * Fails (CLCNN_ERR_IO) listing the file names looked for when none is there, and
 * (CLCNN_ERR_FORMAT) when files of two formats are present. */
clcnn_status clcnn_data_detect_format(const char *dir, clcnn_data_format *format);

/* Load one split of the data set in folder dir. options may be NULL (auto
 * format, no padding, all images). On failure *out is left empty. */
clcnn_status clcnn_dataset_load(const char *dir, clcnn_data_split split,
                                const clcnn_load_options *options, clcnn_dataset *out);

/* The loaders behind clcnn_dataset_load(), one per format. */
clcnn_status clcnn_load_cifar10(const char *dir, clcnn_data_split split, clcnn_dataset *out);
clcnn_status clcnn_load_cifar100(const char *dir, clcnn_data_split split, clcnn_dataset *out);
clcnn_status clcnn_load_idx(const char *dir, clcnn_data_split split, clcnn_dataset *out);
/* options as for clcnn_dataset_load (NULL: defaults). Fails naming the path
 * and the reason: no train/ class folders, an empty class folder, a class
 * only in test/ or val/, a file that is no readable image (unless
 * skip_bad), no image left at all. */
clcnn_status clcnn_load_folder(const char *dir, clcnn_data_split split,
                               const clcnn_load_options *options, clcnn_dataset *out);

/* Whether image folder dir has the split's subfolder (train/, test/, val/). */
int clcnn_folder_has_split(const char *dir, clcnn_data_split split);

/* Release everything ds owns and reset it to empty (safe on an empty dataset). */
void clcnn_dataset_free(clcnn_dataset *ds);

/* Zero-pad every image by pad pixels on each side (in place; reallocates). */
clcnn_status clcnn_dataset_pad(clcnn_dataset *ds, int pad);

/* Permute the images of ds in place with a Fisher-Yates shuffle drawn from seed. */
clcnn_status clcnn_dataset_shuffle(clcnn_dataset *ds, uint64_t seed);

/* Move the LAST count images of train (in its current order) into a new data
 * set *val; train keeps the first train->count - count. The validation set thus
 * does not depend on any training seed; call clcnn_dataset_shuffle() first for a
 * random hold-out (the CIFAR-10 and MNIST files are already in mixed class
 * order). 0 < count < train->count. */
clcnn_status clcnn_dataset_split_last(clcnn_dataset *train, int count, clcnn_dataset *val);

/* Per-channel mean and (population) standard deviation of all pixels, in
 * 0..255 units; mean and std each hold ds->channels values. Sums are exact
 * (64-bit integers), the division in double. */
clcnn_status clcnn_dataset_channel_stats(const clcnn_dataset *ds, double *mean, double *std);

/* --------------------------------------------------- random numbers (seeded) */

/* xoshiro256** state: a plain struct, saved into checkpoints as is. */
typedef struct clcnn_rng {
    uint64_t s[4];
} clcnn_rng;

/* Expand seed into a full state with splitmix64 (any seed, 0 included). */
void clcnn_rng_seed(clcnn_rng *rng, uint64_t seed);

/* Next 64 random bits. */
uint64_t clcnn_rng_next(clcnn_rng *rng);

/* Uniform integer in [0, bound), without modulo bias; bound > 0. */
uint32_t clcnn_rng_below(clcnn_rng *rng, uint32_t bound);

/* Uniform double in [0, 1) with 53 random bits. */
double clcnn_rng_uniform(clcnn_rng *rng);

/* A generator that depends only on base and stream: used to give every epoch
 * and every image its own sequence, so that any batch can be recomputed from
 * (base, epoch, position) alone. base is not advanced. */
clcnn_rng clcnn_rng_fork(const clcnn_rng *base, uint64_t stream);

/* -------------------------------------------------------------- augmentation */

/* One random crop + flip: the output pixel (y, x) is pixel (y + dy - pad,
 * x + dx - pad) of the source (0 outside it), taken from column w-1-x instead
 * of x when flip is set. dy, dx lie in [0, 2*pad]. */
typedef struct clcnn_augment {
    int dy, dx;
    int flip;
} clcnn_augment;

/* Draw dy, then dx (each uniform in [0, 2*pad]), then flip (probability 1/2)
 * from rng; pad 0 gives dy = dx = 0 and draws only the flip. */
clcnn_augment clcnn_augment_draw(clcnn_rng *rng, int pad, int allow_flip);

/* Copy one C x H x W image from src to dst applying aug (src != dst). */
void clcnn_augment_apply(const uint8_t *src, uint8_t *dst, int channels, int height, int width,
                         int pad, clcnn_augment aug);

/* ------------------------------------------------------------- batch loader */

/* Assembles batches on a background thread (one batch ahead) while the caller
 * trains on the previous one. Every batch is a pure function of (rng, epoch,
 * position): epoch e is ordered by a permutation drawn from
 * clcnn_rng_fork(rng, 2e) and the image at position p of epoch e is augmented
 * from clcnn_rng_fork(clcnn_rng_fork(rng, 2e+1), p). Results therefore never
 * depend on thread timing, and a state saved mid-epoch resumes bit-exactly. */
typedef struct clcnn_loader clcnn_loader;

typedef struct clcnn_loader_options {
    int batch_size;
    int shuffle;    /* a new permutation every epoch; else file order */
    int crop_pad;   /* random crop with this zero padding (4 for CIFAR); 0: none */
    int flip;       /* random horizontal flip */
    int drop_last;  /* skip the last partial batch of each epoch; else return it
                       (evaluation needs every image) */
    uint64_t seed;
} clcnn_loader_options;

/* Options for evaluation: batch_size, file order, no augmentation, keep the
 * last partial batch, seed 0. */
clcnn_loader_options clcnn_loader_options_default(int batch_size);

/* Where a loader stands: save it into a checkpoint, restore it with
 * clcnn_loader_set_state() to see exactly the same batches again. */
typedef struct clcnn_loader_state {
    uint64_t epoch;    /* epochs completed */
    uint64_t position; /* images of this epoch already returned */
    clcnn_rng rng;     /* base generator (from options.seed); never advanced */
} clcnn_loader_state;

typedef struct clcnn_batch {
    int count;                 /* images in this batch (<= batch_size) */
    int channels, height, width;
    const uint8_t *images;     /* count * C * H * W bytes, NCHW */
    const int32_t *labels;     /* count labels */
    uint64_t epoch;            /* epoch this batch belongs to (0-based) */
    uint64_t position;         /* position of its first image within the epoch */
    int end_of_epoch;          /* 1 for the last batch of the epoch */
} clcnn_batch;

/* Create a loader over ds (not copied: ds must outlive the loader) and start
 * its thread. Fails (CLCNN_ERR_ARG) on batch_size < 1, crop_pad < 0, an empty
 * data set, or drop_last with fewer images than one batch. */
clcnn_status clcnn_loader_create(const clcnn_dataset *ds, const clcnn_loader_options *options,
                                 clcnn_loader **out);

/* The next batch; epochs follow one another without end. The pointers in
 * *batch stay valid until the next call to next, set_state or destroy. */
clcnn_status clcnn_loader_next(clcnn_loader *loader, clcnn_batch *batch);

/* Batches per epoch (counting a partial last batch unless drop_last). */
int clcnn_loader_batches_per_epoch(const clcnn_loader *loader);

/* The state just before the next batch. */
void clcnn_loader_get_state(const clcnn_loader *loader, clcnn_loader_state *state);

/* Continue from state (e.g. read from a checkpoint). Fails (CLCNN_ERR_ARG) when
 * position exceeds the data set's size. */
clcnn_status clcnn_loader_set_state(clcnn_loader *loader, const clcnn_loader_state *state);

/* Stop the thread and free the loader (NULL is a no-op). */
void clcnn_loader_destroy(clcnn_loader *loader);

/* ----------------------------------------------------------------- images */

/* A host image, CHW uint8 (channels 1 = gray, 3 = RGB). */
typedef struct clcnn_image {
    int channels, height, width;
    uint8_t *pixels;
} clcnn_image;

/* Sizes a PNG or JPEG header may declare: a smaller side holds nothing to
 * learn from (and is what a damaged header tends to say), a larger image
 * would take more memory than any input needs. Checked before allocating. */
#define CLCNN_IMAGE_MIN_SIDE 4
#define CLCNN_IMAGE_MAX_SIDE 16384
#define CLCNN_IMAGE_MAX_PIXELS (1ull << 26)

/* Read a PNG (libpng: gray, gray + alpha, RGB, RGBA, palette; 1..16 bits,
 * interlaced or not), JPEG (libjpeg-turbo: gray or YCbCr/RGB, baseline or
 * progressive) or PGM/PPM file, recognized from its first bytes. The result
 * has 1 channel (gray) or 3 (RGB): alpha is dropped, 16-bit samples are
 * scaled to 8 bits (rounded). Fails with the path and the reason: a size out
 * of the limits above (PNG, JPEG) refused from the header, a truncated or
 * corrupt file (libjpeg's corrupt-data warnings included), a CMYK JPEG, a
 * file that is no image. */
clcnn_status clcnn_image_read(const char *path, clcnn_image *out);

/* Read a PGM (P5, P2) or PPM (P6, P3) file. Comments (#) are allowed anywhere
 * in the header; maxval 1..65535, scaled to 0..255 (rounded). */
clcnn_status clcnn_image_read_pnm(const char *path, clcnn_image *out);

/* Write img as binary PGM (1 channel) or PPM (3 channels), maxval 255. */
clcnn_status clcnn_image_write_pnm(const char *path, const clcnn_image *img);

/* Resize src to height x width (bilinear, pixel centres aligned as in
 * OpenCV's INTER_LINEAR) and convert it to channels: gray -> RGB replicates,
 * RGB -> gray takes the BT.601 luminance 0.299 R + 0.587 G + 0.114 B. */
clcnn_status clcnn_image_convert(const clcnn_image *src, int channels, int height, int width,
                                 clcnn_image *out);

/* Bring src to channels x height x width the way every input image is: the
 * shorter side (relative to the target's aspect) is resized bilinearly as in
 * clcnn_image_convert() so that the image covers the target, then the center
 * is cropped (an odd margin leaves the extra pixel at the bottom/right).
 * Deterministic; an image already of the target size is copied unchanged. */
clcnn_status clcnn_image_fit(const clcnn_image *src, int channels, int height, int width,
                             clcnn_image *out);

/* Read path (clcnn_image_read) and fit it to the network's input geometry. */
clcnn_status clcnn_image_load_for_input(const char *path, int channels, int height, int width,
                                        clcnn_image *out);

/* Release img's pixels and reset it (safe on an empty image). */
void clcnn_image_free(clcnn_image *img);

#ifdef __cplusplus
}
#endif
#endif
