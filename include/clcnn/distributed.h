/* clcnn — data-parallel training over several processes (devices, machines).
 *
 * Horovod / PyTorch DDP style: every process (rank) holds the whole network on
 * its own device and trains on its share of each batch; after backward the
 * gradients of all ranks are summed with one allreduce over a single flat host
 * buffer, so that every rank applies the same update to the same parameters.
 *
 *   - The batch of the recipe (clcnn_train_config.batch) is the GLOBAL batch.
 *     Every rank draws the same global batch (each batch is a pure function of
 *     seed, epoch and position, see clcnn_loader) and trains on its slice:
 *     rank r of p takes batch/p images, the first batch%p ranks one more.
 *   - The loss gradient is scaled by 1/global batch and the per-rank gradients
 *     are summed, so the update is the one a single process computes at the
 *     same global batch (up to float rounding in the order of the sums).
 *   - Parameters, batchnorm running statistics and optimizer state are
 *     broadcast from rank 0 when the first run starts (a fresh or a resumed
 *     trainer alike); batchnorm running statistics
 *     are averaged over the ranks at every epoch end (before validation and
 *     checkpoints) and when a run returns. A checkpoint therefore holds
 *     nothing rank-specific and resumes on any number of ranks.
 *   - Each step's loss sum, correct count, a failure flag and a stop flag
 *     travel in the same allreduce: a failure on one rank (a device error, a
 *     NaN loss) or a stop request (SIGINT on one rank) ends the run on every
 *     rank at the same step, each returning the failing rank's message
 *     ("rank R: ...") — no rank is left waiting in a collective.
 *   - Batchnorm normalizes with each rank's own batch statistics (no
 *     synchronized batchnorm), and a dropout layer draws its mask from
 *     (seed, layer, iteration * ranks + rank): both are the usual data-parallel
 *     behaviour and the only places where p ranks differ from one process.
 *
 * The transport is a clcnn_comm: an MPI one when the library was built with
 * MPI (CLCNN_HAVE_MPI), or any implementation of clcnn_comm_ops.
 */
#ifndef CLCNN_DISTRIBUTED_H
#define CLCNN_DISTRIBUTED_H

#include <stddef.h>

#include "clcnn/status.h"
#include "clcnn/train.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct clcnn_comm clcnn_comm;

/* The collectives a communicator provides. Every rank must call them in the
 * same order; they block until all ranks have joined. */
typedef struct clcnn_comm_ops {
    /* buf[i] = sum over ranks of buf[i]; every rank gets the same bits. */
    clcnn_status (*allreduce_sum)(clcnn_comm *c, float *buf, size_t count);
    /* *value = minimum over ranks of *value. */
    clcnn_status (*allreduce_min)(clcnn_comm *c, int *value);
    /* buf (bytes) of rank root copied to every rank. */
    clcnn_status (*broadcast)(clcnn_comm *c, void *buf, size_t bytes, int root);
    /* End every rank of the job now with exit status code (does not return). */
    void (*abort)(clcnn_comm *c, int code);
    void (*destroy)(clcnn_comm *c);
} clcnn_comm_ops;

struct clcnn_comm {
    const clcnn_comm_ops *ops;
    int rank, size;     /* this process's rank in 0 .. size-1 */
    int local_rank;     /* rank among the processes on this machine */
    int failure_shared; /* the last failure returned by a collective was
                         * returned on every rank (see clcnn_comm_agree()) */
    void *impl;
};

/* 1 when the library was built with MPI. */
int clcnn_mpi_available(void);

/* 1 when this process was started by an MPI launcher (mpirun / mpiexec: the
 * environment holds OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_RANK). A plain run
 * never needs one. */
int clcnn_mpi_launched(void);

/* What to do to get MPI support, for messages: "install the Debian packages
 * libopenmpi-dev and openmpi-bin and rebuild". */
const char *clcnn_mpi_hint(void);

/* Initialize MPI (MPI_Init) and a communicator over all processes of the job.
 * CLCNN_ERR_ARG naming clcnn_mpi_hint() when built without MPI. */
clcnn_status clcnn_comm_mpi_create(clcnn_comm **out);

/* Finalize (MPI_Finalize for MPI) and free; NULL is ignored. */
void clcnn_comm_destroy(clcnn_comm *c);

/* End every rank of the job at once with exit status code (MPI_Abort): for a
 * failure that the other ranks cannot learn of through a collective. */
void clcnn_comm_abort(clcnn_comm *c, int code);

/* Collective: every rank passes its own status; when any rank failed, every
 * rank returns the status and message of the lowest failing rank, prefixed
 * "rank R: ", and c->failure_shared is set. CLCNN_OK when all succeeded. */
clcnn_status clcnn_comm_agree(clcnn_comm *c, clcnn_status local);

/* The images of a global batch of n that rank takes: first, count. */
void clcnn_comm_shard(int n, int rank, int size, int *first, int *count);

/* A trainer whose steps are shared by the ranks of comm (see above): like
 * clcnn_trainer_create() on every rank, with the same arguments (the data
 * sets loaded in full on every rank), except that the network is allocated
 * for this rank's share of the batch only. cfg->batch must be at least the
 * number of ranks. comm must outlive the trainer. */
clcnn_status clcnn_trainer_create_distributed(clcnn_backend *backend,
                                              const clcnn_model_spec *spec,
                                              const clcnn_dataset *train,
                                              const clcnn_dataset *val,
                                              const clcnn_dataset *test,
                                              const clcnn_train_config *cfg, clcnn_comm *comm,
                                              clcnn_trainer **out);

/* Time spent in the per-step gradient exchange of a distributed trainer. */
typedef struct clcnn_dist_stats {
    int rank, size;
    int local_batch;        /* most images this rank trains on per step */
    long steps;             /* steps exchanged so far */
    size_t bytes_per_step;  /* floats reduced per step x 4 */
    double reduce_seconds;  /* in the allreduce (waiting for the slowest rank included) */
    double reduce_min_seconds; /* the fastest step's allreduce: about the transfer alone */
    double sync_seconds;    /* download + allreduce + upload, after the step's device work */
} clcnn_dist_stats;

/* Zeros (size 1) for a trainer of one process. */
void clcnn_trainer_dist_stats(const clcnn_trainer *trainer, clcnn_dist_stats *out);

#ifdef __cplusplus
}
#endif
#endif
