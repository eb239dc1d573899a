/* The trainer's state, shared by the files of host/train/. */
#ifndef CLCNN_TRAINER_INTERNAL_H
#define CLCNN_TRAINER_INTERNAL_H

#include "clcnn/distributed.h"
#include "clcnn/train.h"

/* Per-epoch training statistics, accumulated on the host in double from the
 * per-step results read back from the device. */
typedef struct epoch_stats {
    double loss_sum;   /* sum of per-image losses */
    double correct;    /* images classified correctly */
    long images;       /* images seen */
    double seconds;    /* training wall time (validation excluded) */
} epoch_stats;

struct clcnn_trainer {
    clcnn_backend *backend;
    clcnn_model_spec spec;       /* with the config's dropout applied */
    clcnn_train_config cfg;
    const clcnn_dataset *train, *val, *test;
    clcnn_net *net;
    clcnn_loader *loader;
    int channels;
    float *mean, *std;           /* normalization, 0..255 units */
    int optimizer_states;        /* 0, 1 or 2 state tensors per parameter */

    /* device buffers of one step */
    clcnn_tensor images;         /* U8 batch */
    clcnn_tensor labels;         /* I32 */
    clcnn_tensor input;          /* normalized REAL batch */
    clcnn_tensor dlogits;

    /* ring of per-step results (loss sum, correct) not yet read back */
    clcnn_tensor *ring;
    int ring_size;
    int ring_pending;            /* steps whose results are in the ring */
    long ring_first;             /* 0-based iteration of the oldest pending step */
    int *ring_count;             /* images of each pending step */

    /* data parallelism (distributed_trainer.c); comm NULL for one process */
    clcnn_comm *comm;
    struct trainer_dist *dist;
    int local_batch;             /* most images this rank trains on per step */

    long iteration;              /* steps done */
    long total_iterations;
    int epoch_steps;             /* steps in a full epoch */
    long epoch;                  /* 0-based epoch in progress */
    epoch_stats stats;
    double last_loss;            /* mean loss of the latest read-back step */
    float last_lr;
};

/* TTA (clcnn_evaluate_tta): the average of the probability vectors of one
 * image's two rows of K logits (softmax; for BCE the sigmoid of each), its
 * first maximum in *predicted, and the loss of the average against label:
 * -log pbar[label] (softmax), -sum_j log(pbar_j if j == label else 1 - pbar_j)
 * (BCE). In double; finite for any finite logits. */
double trainer_tta_average(clcnn_loss_kind loss, const float *z1, const float *z2, int K,
                           int label, int *predicted);

/* CLCNN_ERR_NUMERIC: the loss (NaN or infinite) at the 1-based iteration and
 * epoch, with the likely cause. */
clcnn_status trainer_fail_loss(float loss, long iteration, long epoch);

/* clcnn_trainer_create() for the ranks of comm (NULL: one process). */
clcnn_status trainer_create(clcnn_backend *backend, const clcnn_model_spec *spec,
                            const clcnn_dataset *train, const clcnn_dataset *val,
                            const clcnn_dataset *test, const clcnn_train_config *cfg,
                            clcnn_comm *comm, clcnn_trainer **out);

/* Number of outputs (classes) of spec's last layer, or 0 when invalid. */
int trainer_spec_outputs(const clcnn_model_spec *spec);

#endif
