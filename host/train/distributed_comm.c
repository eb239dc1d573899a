/* Communicator helpers that hold for any transport: agreeing on a failure,
 * sharing a batch. (Each rank's device is chosen where the CLI opens
 * backends: host/cli/cli_distributed.c.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/distributed.h"

#define AGREE_MESSAGE_BYTES 2048

void clcnn_comm_destroy(clcnn_comm *c)
{
    if (c)
        c->ops->destroy(c);
}

void clcnn_comm_abort(clcnn_comm *c, int code)
{
    c->ops->abort(c, code);
}

clcnn_status clcnn_comm_agree(clcnn_comm *c, clcnn_status local)
{
    /* The lowest failing rank speaks for all: first agree on who, then send
     * its status and message to everyone. */
    int root = local != CLCNN_OK ? c->rank : c->size;
    clcnn_status st = c->ops->allreduce_min(c, &root);
    if (st != CLCNN_OK)
        return st;
    if (root == c->size)
        return CLCNN_OK;
    struct {
        int status;
        char message[AGREE_MESSAGE_BYTES];
    } failure;
    memset(&failure, 0, sizeof failure);
    if (c->rank == root) {
        failure.status = (int)local;
        snprintf(failure.message, sizeof failure.message, "%s", clcnn_last_error());
    }
    st = c->ops->broadcast(c, &failure, sizeof failure, root);
    if (st != CLCNN_OK)
        return st;
    c->failure_shared = 1;
    return clcnn_fail((clcnn_status)failure.status, "rank %d: %s", root, failure.message);
}

void clcnn_comm_shard(int n, int rank, int size, int *first, int *count)
{
    const int base = n / size, extra = n % size;
    *count = base + (rank < extra);
    *first = rank * base + (rank < extra ? rank : extra);
}
