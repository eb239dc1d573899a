/* `clcnn train` under mpirun: the MPI session (started only when launched by
 * an MPI launcher), this rank's device, rank 0 alone writing output, and the
 * end of the job: MPI_Finalize, or MPI_Abort for a failure that the other
 * ranks have not learnt of (so that none waits forever).
 *
 * Two debugging knobs, read by the data-parallel tests:
 *   CLCNN_STEP_LOSS_LOG=FILE   rank 0 writes {"iter": I, "loss": L} for every step
 *   CLCNN_RANK_PARAMS_DIR=DIR  at the end every rank writes its parameters and
 *                              states (clcnn_net_get_flat()) to DIR/rank<R>.params
 */
#ifndef CLCNN_CLI_DISTRIBUTED_H
#define CLCNN_CLI_DISTRIBUTED_H

#include <stddef.h>
#include <stdio.h>

#include "clcnn/distributed.h"

typedef struct cli_dist {
    clcnn_comm *session; /* the MPI communicator when launched by mpirun, else NULL */
    clcnn_comm *comm;    /* for the trainer: session when it has 2 ranks or more */
    int rank, size;
    FILE *step_log;      /* CLCNN_STEP_LOSS_LOG on rank 0 */
} cli_dist;

/* The "data-parallel training" part of `clcnn train --help`. */
void cli_dist_help(FILE *out);

/* Start MPI when launched by mpirun; 0, or the exit status after printing
 * why not ("clcnn CMD: ..."). */
int cli_dist_begin(const char *cmd, cli_dist *d);

/* The device spec this rank opens: device when given, else CLCNN_DEVICE, else
 * with several ranks the (local rank mod n)-th GPU, else device, of the
 * machine (written into buf), else
 * NULL (the default device). */
const char *cli_dist_device(const cli_dist *d, const char *device, char *buf, size_t size);

/* Whether this rank prints, logs and writes checkpoints (rank 0). */
int cli_dist_is_writer(const cli_dist *d);

/* The step-loss knob: report results every step when it is set. */
int cli_dist_report_every(const cli_dist *d, int otherwise);
void cli_dist_log_step(const cli_dist *d, long iteration, double loss);

/* The parameters knob: write this rank's parameters (status 0 or 1). */
int cli_dist_dump_params(const cli_dist *d, const char *cmd, const clcnn_net *net);

/* End the session with the command's exit status (returned): MPI_Finalize,
 * or, when status is a failure the other ranks do not share, MPI_Abort. */
int cli_dist_end(cli_dist *d, const char *cmd, int status);

#endif
