/* Communicator helpers that hold for any transport: agreeing on a failure,
 * sharing a batch, choosing this rank's device. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/device.h"
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

clcnn_status clcnn_comm_default_device(const clcnn_comm *c, char *buf, size_t size)
{
    clcnn_device_info *devices = NULL;
    int count = 0;
    clcnn_status st = clcnn_devices_list(&devices, &count);
    if (st != CLCNN_OK)
        return st;
    if (count == 0) {
        free(devices);
        return clcnn_fail(CLCNN_ERR_DEVICE, "rank %d: no OpenCL device found (--cpu trains on "
                          "the CPU reference)", c->rank);
    }
    int gpus = 0;
    for (int i = 0; i < count; i++)
        gpus += devices[i].is_gpu;
    /* The (local_rank mod n)-th GPU, or device when there is no GPU. */
    int want = c->local_rank % (gpus > 0 ? gpus : count), index = 0;
    for (int i = 0, seen = 0; i < count; i++) {
        if (gpus > 0 && !devices[i].is_gpu)
            continue;
        if (seen++ == want) {
            index = devices[i].index;
            break;
        }
    }
    free(devices);
    snprintf(buf, size, "%d", index);
    return CLCNN_OK;
}
