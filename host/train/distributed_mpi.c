/* The MPI communicator behind clcnn_comm (compiled with CLCNN_HAVE_MPI), or
 * the stubs that say how to get it. MPI is initialized only here, and only
 * when asked: a plain run of the library never touches MPI. */
#include <stdlib.h>

#include "clcnn/distributed.h"

const char *clcnn_mpi_hint(void)
{
    return "install the Debian packages libopenmpi-dev and openmpi-bin, then re-run cmake and "
           "rebuild";
}

int clcnn_mpi_launched(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
}

#ifdef CLCNN_HAVE_MPI

#include <mpi.h>
#include <stdio.h>

int clcnn_mpi_available(void) { return 1; }

/* "MPI_Allreduce: MPI_ERR_...: text" (errors return only when the caller set
 * MPI_ERRORS_RETURN; the default handler aborts the job). */
static clcnn_status mpi_fail(const char *call, int code)
{
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(code, text, &len) != MPI_SUCCESS)
        snprintf(text, sizeof text, "error %d", code);
    return clcnn_fail(CLCNN_ERR_IO, "%s: %s", call, text);
}

static clcnn_status mpi_allreduce_sum(clcnn_comm *c, float *buf, size_t count)
{
    /* MPI counts are int: reduce in chunks of at most 2^30 floats. */
    const size_t chunk = (size_t)1 << 30;
    for (size_t at = 0; at < count; at += chunk) {
        int n = (int)(count - at < chunk ? count - at : chunk);
        int rc = MPI_Allreduce(MPI_IN_PLACE, buf + at, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS)
            return mpi_fail("MPI_Allreduce", rc);
    }
    return CLCNN_OK;
}

static clcnn_status mpi_allreduce_min(clcnn_comm *c, int *value)
{
    int rc = MPI_Allreduce(MPI_IN_PLACE, value, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? CLCNN_OK : mpi_fail("MPI_Allreduce", rc);
}

static clcnn_status mpi_broadcast(clcnn_comm *c, void *buf, size_t bytes, int root)
{
    const size_t chunk = (size_t)1 << 30;
    for (size_t at = 0; at < bytes; at += chunk) {
        int n = (int)(bytes - at < chunk ? bytes - at : chunk);
        int rc = MPI_Bcast((char *)buf + at, n, MPI_BYTE, root, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS)
            return mpi_fail("MPI_Bcast", rc);
    }
    return CLCNN_OK;
}

static void mpi_abort(clcnn_comm *c, int code)
{
    MPI_Abort(MPI_COMM_WORLD, code);
    exit(code); /* MPI_Abort does not return; this keeps the promise if it did */
}

static void mpi_destroy(clcnn_comm *c)
{
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized)
        MPI_Finalize();
    free(c);
}

static const clcnn_comm_ops mpi_ops = {
    mpi_allreduce_sum, mpi_allreduce_min, mpi_broadcast, mpi_abort, mpi_destroy,
};

/* Rank among the processes sharing this machine's memory. */
static int node_local_rank(void)
{
    MPI_Comm node;
    int local = 0;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) !=
        MPI_SUCCESS)
        return 0;
    MPI_Comm_rank(node, &local);
    MPI_Comm_free(&node);
    return local;
}

clcnn_status clcnn_comm_mpi_create(clcnn_comm **out)
{
    *out = NULL;
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized && MPI_Init(NULL, NULL) != MPI_SUCCESS)
        return clcnn_fail(CLCNN_ERR_IO, "MPI_Init failed");
    clcnn_comm *c = calloc(1, sizeof *c);
    if (!c)
        return clcnn_fail(CLCNN_ERR_NOMEM, "MPI communicator: out of memory");
    c->ops = &mpi_ops;
    MPI_Comm_rank(MPI_COMM_WORLD, &c->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &c->size);
    c->local_rank = node_local_rank();
    *out = c;
    return CLCNN_OK;
}

#else /* built without MPI */

int clcnn_mpi_available(void) { return 0; }

clcnn_status clcnn_comm_mpi_create(clcnn_comm **out)
{
    *out = NULL;
    return clcnn_fail(CLCNN_ERR_ARG, "clcnn was built without MPI: %s", clcnn_mpi_hint());
}

#endif
