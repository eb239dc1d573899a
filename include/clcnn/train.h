/* clcnn — training: the recipe (config), the trainer, evaluation, checkpoints.
 *
 * The same training code runs on every backend ("ref" for --cpu, "cl" for an
 * OpenCL device): only the backend passed to clcnn_trainer_create() differs.
 *
 * One training step uploads the uint8 batch and its labels once, normalizes it
 * on the backend with the training set's per-channel mean/std, runs forward,
 * the loss op (gradient scale 1/n), backward and one optimizer step per
 * parameter. Nothing comes back to the host per step: each step's loss and
 * correct count land in a small device tensor of a ring of report_every
 * tensors, read back together only when the ring is full, at the end of an
 * epoch, or when the caller's progress report is due (see clcnn_train_hooks).
 * A NaN or Inf loss is therefore still reported with its exact iteration.
 *
 * The library never prints: progress goes to a callback.
 */
#ifndef CLCNN_TRAIN_H
#define CLCNN_TRAIN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "clcnn/backend.h"
#include "clcnn/data.h"
#include "clcnn/net.h"
#include "clcnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ config */

typedef enum clcnn_lr_schedule_kind {
    CLCNN_LR_CONSTANT, /* "none" */
    CLCNN_LR_STEP,     /* "step:GAMMA:EVERY": lr * GAMMA^floor(iteration / EVERY) */
    CLCNN_LR_COSINE    /* "cosine": lr * (1 + cos(pi * iteration / total)) / 2, 0 at the end */
} clcnn_lr_schedule_kind;

typedef struct clcnn_lr_schedule {
    clcnn_lr_schedule_kind kind;
    float gamma;  /* STEP: factor, 0 < gamma <= 1 */
    long every;   /* STEP: iterations between decays, >= 1 */
} clcnn_lr_schedule;

/* Parse "none", "cosine" or "step:GAMMA:EVERY" (CLCNN_ERR_ARG naming the
 * offending part). */
clcnn_status clcnn_lr_schedule_parse(const char *text, clcnn_lr_schedule *out);

/* The schedule as text, in the form the parser reads. */
void clcnn_lr_schedule_format(const clcnn_lr_schedule *s, char *buf, size_t size);

/* How the uint8 pixels become the network's inputs. */
typedef enum clcnn_input_scaling {
    CLCNN_INPUT_DATA,      /* "data": (x - mean[c]) / std[c] with the training set's
                            * per-channel mean and std (the default) */
    CLCNN_INPUT_UNIT,      /* "unit": x / 255 only (the CIFAR notebook) */
    CLCNN_INPUT_CONSTANTS  /* "MEAN:STD": (x/255 - mean[c]) / std[c] with given
                            * constants (the LeNet notebook: 0.1307:0.3081) */
} clcnn_input_scaling;

#define CLCNN_MAX_INPUT_CHANNELS 4

/* Test-time augmentation of an evaluation. */
typedef enum clcnn_tta {
    CLCNN_TTA_NONE, /* "none" */
    CLCNN_TTA_FLIP  /* "flip": each image and its horizontal mirror, their probabilities
                     * (softmax; sigmoids for BCE) averaged */
} clcnn_tta;

/* "none" or "flip" (CLCNN_ERR_ARG otherwise); the name of a tta. */
clcnn_status clcnn_tta_parse(const char *text, clcnn_tta *out);
const char *clcnn_tta_name(clcnn_tta tta);

typedef struct clcnn_train_config {
    /* optimizer: kind and its constants (lr is the base rate; l2 and
     * weight_decay apply to conv/fc weights only; step is set per step) */
    clcnn_optimizer_step optimizer;
    clcnn_lr_schedule schedule;
    clcnn_loss_kind loss;
    float label_smoothing; /* softmax only: target (1-E) one-hot + E/K; 0: none */
    long warmup;         /* iterations of linear learning-rate warm-up (see
                          * clcnn_train_lr_at); 0: none */
    clcnn_tta tta;       /* of the test set's evaluation (clcnn_trainer_evaluate_test);
                          * FLIP needs the softmax or BCE loss */
    int batch;           /* images per step */
    int epochs;          /* used when iterations is 0 */
    long iterations;     /* total steps; 0: epochs * batches per epoch */
    float dropout;       /* < 0: the model's own rates; else every dropout layer's p */
    int crop_pad;        /* random crop with this zero padding; 0: none */
    int flip;            /* random horizontal flip */
    int val_count;       /* images held out of the training set for validation
                          * (recorded for resuming: the trainer takes the data
                          * sets already split) */
    uint64_t seed;       /* parameters, shuffling, augmentation and dropout */
    /* input scaling (not stored in checkpoints: they keep the resulting
     * per-channel mean and std themselves) */
    clcnn_input_scaling input;
    int input_values;    /* CONSTANTS: values given, 1 (every channel) or one per channel */
    float input_mean[CLCNN_MAX_INPUT_CHANNELS], input_std[CLCNN_MAX_INPUT_CHANNELS];
                         /* CONSTANTS: in 0..1 units (pixel / 255) */
    int unfused;         /* every layer on its own ops (clcnn_net_options.unfused):
                          * the bench's comparison; not stored in checkpoints */
} clcnn_train_config;

/* Generic defaults: momentum 0.9 with Nesterov, lr 0.05, cosine schedule, l2
 * 5e-4, no weight decay, softmax loss, batch 128, 1 epoch, the model's dropout,
 * no augmentation, no validation, seed 1, inputs scaled by the training set's
 * statistics; RMSprop rho 0.9, Adam betas 0.9 and 0.999, eps 1e-8. */
clcnn_train_config clcnn_train_config_default(void);

/* Check every field (CLCNN_ERR_ARG naming the field and its allowed range). */
clcnn_status clcnn_train_config_validate(const clcnn_train_config *cfg);

/* Learning rate of the 0-based iteration of a run of total iterations. With
 * a warm-up of W iterations: lr * (iteration + 1) / W for iteration < W (the
 * first step already moves; step W-1 reaches lr), then the schedule run on
 * iteration - W over total - W iterations, as PyTorch's SequentialLR of a
 * linear warm-up and the schedule does. */
float clcnn_train_lr_at(const clcnn_train_config *cfg, long iteration, long total);

/* "sgd", "momentum", "nesterov" (momentum with the Nesterov flag), "rmsprop",
 * "adam": names for the optimizer kinds ("?" for an unknown kind). */
const char *clcnn_optimizer_name(const clcnn_optimizer_step *opt);
/* Set opt's kind and Nesterov flag from one of those names: 1, or 0 (opt
 * unchanged) for any other string. */
int clcnn_optimizer_parse(const char *name, clcnn_optimizer_step *opt);
/* The names, comma-separated ("sgd, momentum, ..."), for messages. */
void clcnn_optimizer_names(char *buf, size_t size);
/* "softmax", "svm", "bce". */
const char *clcnn_loss_name(clcnn_loss_kind kind);
/* The loss kind of "softmax", "svm" or "bce" (CLCNN_ERR_ARG otherwise). */
clcnn_status clcnn_loss_parse(const char *text, clcnn_loss_kind *out);

/* Parse the input scaling "data", "unit" or "MEAN:STD" (numbers in 0..1 units;
 * per channel: "M1,M2,M3:S1,S2,S3") into cfg's input fields (CLCNN_ERR_ARG
 * naming the offending part). */
clcnn_status clcnn_input_scaling_parse(const char *text, clcnn_train_config *cfg);
/* cfg's input scaling in the form the parser reads. */
void clcnn_input_scaling_format(const clcnn_train_config *cfg, char *buf, size_t size);
/* The per-channel mean and std (0..255 units, as clcnn_backend_ops.normalize_u8
 * takes them) of cfg's UNIT or CONSTANTS scaling for channels channels; for
 * DATA mean and std are left as they are (the caller's data statistics).
 * CLCNN_ERR_ARG when the constants are per channel for another count. */
clcnn_status clcnn_input_scaling_apply(const clcnn_train_config *cfg, int channels, float *mean,
                                       float *std);
/* The per-channel mean and std (0..255 units, train->channels values each)
 * that normalize a run on the training set train: for DATA its statistics (a
 * constant channel's std taken as 1), else cfg's UNIT or CONSTANTS values. */
clcnn_status clcnn_input_scaling_values(const clcnn_train_config *cfg, const clcnn_dataset *train,
                                        float *mean, float *std);

/* ----------------------------------------------------------------- recipes */

/* A model text may end with a [train] section: the recipe that goes with the
 * network (the notebooks' recipes ship as presets "seed-cifar", "seed-small",
 * "seed-lenet"). One "key value" a line, '#' starts a comment:
 *   optimizer sgd|momentum|nesterov|rmsprop|adam    lr X    lr-decay none|cosine|step:G:N
 *   momentum X   rho X   beta1 X   beta2 X   eps X    (optimizer constants)
 *   l2 X            L2 penalty added to the weight gradients
 *   weight-decay X  decoupled decay, w *= 1 - lr*X after each update
 *   batch N   epochs N | iterations N   val N (images held out)   seed N
 *   loss softmax|svm|bce   normalize data|unit|MEAN:STD   augment on|off
 *   label-smoothing E (softmax only, 0 <= E < 1)   warmup N (iterations)
 *   tta none|flip
 * Command-line flags override the section's values. Errors read
 * "<source>:<line>: reason" (CLCNN_ERR_FORMAT). */
typedef struct clcnn_recipe {
    clcnn_train_config cfg; /* the base config with the section's values applied */
    int section_line;       /* line of the [train] header; 0: the text has none */
    int has_length;         /* epochs or iterations given */
    int has_val;            /* val given */
    int augment;            /* -1: not given, 0: off, 1: on (crop + flip) */
} clcnn_recipe;

/* Parse the [train] section of model text (a text without one leaves base
 * unchanged); source names it in messages. */
clcnn_status clcnn_recipe_parse(const char *text, const char *source,
                                const clcnn_train_config *base, clcnn_recipe *out);

/* The same for a preset name or a model file path (CLCNN_ERR_IO when the
 * file cannot be read). */
clcnn_status clcnn_recipe_load(const char *name_or_path, const clcnn_train_config *base,
                               clcnn_recipe *out);

/* --------------------------------------------------------------- data sets */

/* The data sets of a run: the training and test splits of folder dir, their
 * images zero-padded to the model's input size when they are smaller by an
 * even margin (28x28 IDX -> 32x32); any other geometry or channel mismatch is
 * an error naming both shapes, and so is a missing test split. An image
 * folder's images are fitted to the model's input (clcnn_image_fit), and its
 * val/ split, when present, is loaded into val. Otherwise val is left empty:
 * hold images out of train with clcnn_dataset_split_last(), once the training
 * set's size is known. */
typedef struct clcnn_train_data {
    clcnn_dataset train, val, test;
} clcnn_train_data;

clcnn_status clcnn_train_data_load(const char *dir, clcnn_data_format format,
                                   const clcnn_model_spec *spec, clcnn_train_data *out);
void clcnn_train_data_free(clcnn_train_data *data);

/* The same with load options (format, skipping bad files, progress; see
 * clcnn_load_options). An image size left 0 is the model's input size. */
clcnn_status clcnn_train_data_load_options(const char *dir, const clcnn_load_options *options,
                                           const clcnn_model_spec *spec, clcnn_train_data *out);

/* Only the test split, fitted to the model as above (for evaluation). */
clcnn_status clcnn_train_data_load_test(const char *dir, clcnn_data_format format,
                                        const clcnn_model_spec *spec, clcnn_dataset *test);

/* -------------------------------------------------------------- evaluation */

typedef struct clcnn_eval_result {
    int count;        /* images evaluated */
    int classes;
    double loss;      /* mean per-image loss */
    double accuracy;  /* fraction correct, 0..1 */
    int *confusion;   /* classes x classes, row = true label, column = predicted
                       * (first maximum on ties); malloc'ed */
} clcnn_eval_result;

void clcnn_eval_result_free(clcnn_eval_result *r);

/* Evaluate net (evaluation mode: batchnorm running statistics, no dropout)
 * on every image of ds in batches of at most the net's maximum batch, the
 * images normalized with mean/std (0..255 units, one per channel). */
clcnn_status clcnn_evaluate(clcnn_net *net, const float *mean, const float *std,
                            const clcnn_dataset *ds, clcnn_loss_kind loss,
                            clcnn_eval_result *out);

/* The same with test-time augmentation. FLIP runs every batch twice, as is
 * and mirrored left-right, and averages the two probability vectors of each
 * image (softmax over the logits; for BCE the sigmoid of each); the
 * prediction is the first maximum of the average and the loss that of the
 * average: -log pbar[label] (softmax), -sum_j log(pbar_j or 1 - pbar_j)
 * (BCE). The averaging is done on the host, in double, from the logits the
 * evaluation downloads anyway. FLIP with the SVM loss is CLCNN_ERR_ARG: its
 * scores are not probabilities. */
clcnn_status clcnn_evaluate_tta(clcnn_net *net, const float *mean, const float *std,
                                const clcnn_dataset *ds, clcnn_loss_kind loss, clcnn_tta tta,
                                clcnn_eval_result *out);

/* ----------------------------------------------------------------- trainer */

typedef struct clcnn_trainer clcnn_trainer;

typedef enum clcnn_progress_kind {
    CLCNN_PROGRESS_STEPS, /* a report during an epoch */
    CLCNN_PROGRESS_EPOCH  /* the end of an epoch (or of the run mid-epoch) */
} clcnn_progress_kind;

typedef struct clcnn_train_progress {
    clcnn_progress_kind kind;
    long iteration;          /* steps done in the whole run */
    long total_iterations;
    long epoch;              /* 0-based epoch the report is about */
    long epochs;             /* epochs the run touches (the last may be partial) */
    long epoch_step;         /* steps done in this epoch */
    long epoch_steps;        /* steps in a full epoch */
    float lr;                /* rate of the latest step */
    double last_loss;        /* mean loss of the latest step's batch */
    double train_loss;       /* mean loss over this epoch so far */
    double train_accuracy;   /* fraction correct over this epoch so far */
    double images_per_s;     /* training images per second over this epoch so far */
    double seconds;          /* training wall time of this epoch so far (no validation) */
    /* EPOCH only: */
    int partial;             /* the run ended before the epoch's last batch */
    const clcnn_eval_result *val; /* NULL without a validation set */
} clcnn_train_progress;

/* Return non-OK to stop training with that status (the message is kept). */
typedef clcnn_status (*clcnn_progress_fn)(clcnn_trainer *trainer,
                                          const clcnn_train_progress *progress, void *user);

typedef struct clcnn_train_hooks {
    clcnn_progress_fn progress; /* may be NULL */
    void *user;
    /* Step results are read back at least every report_every steps (the ring
     * size; 0 means 16; at most 1024). Each read waits for the device. */
    int report_every;
    /* Also read back (and report) when this many seconds of host time have
     * passed since the last report; 0: only by count. */
    double report_seconds;
    /* Checked before every step: non-zero stops the run with
     * CLCNN_ERR_INTERRUPTED once the current step is done. */
    const volatile sig_atomic_t *stop;
    /* Stop (with CLCNN_OK) when this many steps of the run are done, before
     * the end of the run; 0: run to the end. */
    long until_iteration;
} clcnn_train_hooks;

/* A trainer for spec on backend. train must hold at least one batch; val may
 * be NULL or empty; test may be NULL. The data sets are not copied and must
 * outlive the trainer. The per-channel mean/std of train normalize every
 * batch. Parameters are initialized from cfg->seed. */
clcnn_status clcnn_trainer_create(clcnn_backend *backend, const clcnn_model_spec *spec,
                                  const clcnn_dataset *train, const clcnn_dataset *val,
                                  const clcnn_dataset *test, const clcnn_train_config *cfg,
                                  clcnn_trainer **out);
void clcnn_trainer_destroy(clcnn_trainer *trainer);

/* Train from where the trainer stands to the end of the run (or a stop, see
 * hooks; hooks may be NULL). CLCNN_ERR_NUMERIC names the iteration whose loss
 * became NaN or Inf. */
clcnn_status clcnn_trainer_run(clcnn_trainer *trainer, const clcnn_train_hooks *hooks);

/* Evaluate on the trainer's validation or test set (CLCNN_ERR_ARG when it has
 * none); the test set with the config's tta, the validation set without. */
clcnn_status clcnn_trainer_evaluate_val(clcnn_trainer *trainer, clcnn_eval_result *out);
clcnn_status clcnn_trainer_evaluate_test(clcnn_trainer *trainer, clcnn_eval_result *out);

clcnn_net *clcnn_trainer_net(const clcnn_trainer *trainer);
const clcnn_train_config *clcnn_trainer_config(const clcnn_trainer *trainer);
long clcnn_trainer_iteration(const clcnn_trainer *trainer);       /* steps done */
long clcnn_trainer_total_iterations(const clcnn_trainer *trainer);
int clcnn_trainer_done(const clcnn_trainer *trainer);             /* all steps done */
/* Normalization, one value per channel (0..255 units). */
const float *clcnn_trainer_mean(const clcnn_trainer *trainer);
const float *clcnn_trainer_std(const clcnn_trainer *trainer);

/* ------------------------------------------------------------- checkpoints */

/* Format (all integers and floats little-endian, floats IEEE-754 binary32):
 *   offset 0  "CLCNNCKP"           8-byte magic
 *          8  u32 version          CLCNN_CHECKPOINT_VERSION (1 is read too)
 *         12  u32 CRC-32 (zlib) of the payload
 *         16  u64 payload bytes
 *         24  payload: the fields of clcnn_checkpoint in declaration order,
 *             strings as u32 length + bytes, float arrays as u64 count + data.
 * It holds floats only, so a checkpoint written on one backend loads on any. */
#define CLCNN_CHECKPOINT_MAGIC "CLCNNCKP"
#define CLCNN_CHECKPOINT_VERSION 2u /* 2 adds label smoothing, warm-up and tta to
                                     * the config; version 1 files still load (all 0) */
#define CLCNN_CHECKPOINT_HEADER_BYTES 24

typedef struct clcnn_checkpoint {
    char *model_text;          /* clcnn_model_spec_format() of the trained spec */
    clcnn_model_spec spec;     /* model_text parsed */
    clcnn_train_config config;
    char data_dir[1024];       /* where the training data came from ("" if unknown) */
    int data_format;           /* clcnn_data_format */
    int train_count;           /* training images (after the validation split) */
    long iteration;            /* steps done (the optimizer's step counter) */
    long total_iterations;
    /* statistics of the epoch in progress (so a resumed run reports it whole) */
    double epoch_loss_sum, epoch_correct, epoch_seconds;
    long epoch_images;
    clcnn_loader_state loader;
    int channels;
    float *mean, *std;         /* channels values each, 0..255 units */
    int classes;
    char **class_names;        /* classes strings */
    size_t flat_count;
    float *flat;               /* clcnn_net_get_flat(): parameters, then states */
    int optimizer_states;      /* 0, 1 (m) or 2 (m, v) */
    size_t optimizer_count;    /* floats per state: the parameter count */
    float *optimizer_m, *optimizer_v; /* parameters in clcnn_net_params() order */
} clcnn_checkpoint;

/* Read and validate path. Errors name the file, the byte offset and what was
 * expected there: CLCNN_ERR_IO when it cannot be read, CLCNN_ERR_FORMAT for a
 * wrong magic, an unsupported version, a checksum mismatch, truncation or an
 * inconsistent field. */
clcnn_status clcnn_checkpoint_read(const char *path, clcnn_checkpoint *out);
void clcnn_checkpoint_free(clcnn_checkpoint *ckpt);

/* Capture the trainer's whole state (downloads parameters and optimizer state). */
clcnn_status clcnn_trainer_snapshot(clcnn_trainer *trainer, clcnn_checkpoint *out);

/* Write the trainer's state to path atomically (a temporary file in the same
 * folder, flushed and fsync'ed, renamed over path, the folder fsync'ed).
 * data_dir / data_format are recorded for resuming (data_dir may be NULL). */
clcnn_status clcnn_trainer_save(clcnn_trainer *trainer, const char *path, const char *data_dir,
                                int data_format);

/* Write ckpt to path atomically (as clcnn_trainer_save()). */
clcnn_status clcnn_checkpoint_write(const clcnn_checkpoint *ckpt, const char *path);

/* Remove the temporary files (PATH.tmp.XXXXXX, regular files only) that a
 * write to path left when its process was killed before the rename; *removed
 * (may be NULL) counts them. A missing path is fine; a folder that cannot be
 * read is CLCNN_ERR_IO. Call it only while no other process writes path. */
clcnn_status clcnn_checkpoint_remove_temps(const char *path, int *removed);

/* Continue from ckpt: parameters, states, optimizer state, step counter,
 * loader position and the statistics of the epoch in progress. The trainer
 * must have been created with an equal spec (CLCNN_ERR_ARG "architecture
 * mismatch" otherwise), the same optimizer and batch, and a training set of
 * the checkpoint's size. With the same seed the run then continues exactly as
 * if it had never stopped (bit-exact on the reference backend). */
clcnn_status clcnn_trainer_restore(clcnn_trainer *trainer, const clcnn_checkpoint *ckpt);

/* CLCNN_OK when spec describes ckpt's network, else CLCNN_ERR_ARG "architecture
 * mismatch" quoting the first layer line where they differ. */
clcnn_status clcnn_checkpoint_check_spec(const clcnn_checkpoint *ckpt, const clcnn_model_spec *spec);

/* A network for inference from ckpt on backend, for batches of at most batch. */
clcnn_status clcnn_checkpoint_create_net(const clcnn_checkpoint *ckpt, clcnn_backend *backend,
                                         int batch, clcnn_net **out);

#ifdef __cplusplus
}
#endif
#endif
