/* The trainer's side of data parallelism (distributed_trainer.c), called by
 * trainer.c and train_loop.c. Every function taking a trainer is a no-op (or
 * the one-process answer) when the trainer has no communicator. */
#ifndef CLCNN_DISTRIBUTED_INTERNAL_H
#define CLCNN_DISTRIBUTED_INTERNAL_H

#include <signal.h>
#include <stdint.h>

#include "clcnn/distributed.h"

typedef struct trainer_dist trainer_dist;

/* Host buffers for the exchanges of a trainer that has a communicator. */
clcnn_status trainer_dist_init(clcnn_trainer *t);
void trainer_dist_free(trainer_dist *d);

/* Collective, once per clcnn_trainer_run(): parameters, states and
 * optimizer state of rank 0 to every rank (the first run only), and where
 * this run's local stop requests come from. */
clcnn_status trainer_dist_begin_run(clcnn_trainer *t, const volatile sig_atomic_t *stop);

/* Stop before the next step? With ranks: the stop flags of the last step's
 * exchange, so that every rank stops at the same step. */
int trainer_stop_requested(clcnn_trainer *t, const volatile sig_atomic_t *stop);

/* The images [*first, *first + *count) of a global batch of n this rank
 * trains on (all of them for one process). */
void trainer_batch_share(const clcnn_trainer *t, int n, int *first, int *count);

/* The step number that seeds dropout masks: distinct on every rank. */
uint32_t trainer_dropout_step(const clcnn_trainer *t);

/* Collective, after backward, by every rank whatever its local status:
 * gradients and the step's (loss sum, correct) in stats summed over the
 * ranks and written back. Returns the failure of any rank on every rank, and
 * CLCNN_ERR_NUMERIC on every rank when the summed loss is NaN or infinite. */
clcnn_status trainer_dist_sync_step(clcnn_trainer *t, clcnn_status local, clcnn_tensor *stats);

/* Collective: batchnorm running statistics averaged over the ranks. */
clcnn_status trainer_dist_average_states(clcnn_trainer *t);

#endif
