/* `clcnn train` under mpirun: session, device, writer rank, end of the job. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_distributed.h"
#include "clcnn/device.h"

void cli_dist_help(FILE *out)
{
    if (clcnn_mpi_available()) {
        fprintf(out,
                "\ndata-parallel training (MPI):\n"
                "  mpirun -np N clcnn train ...  N ranks share every step: --batch is the global\n"
                "                     batch, split over the ranks, whose gradients are summed, so\n"
                "                     the run follows the one-process run at the same batch. Each\n"
                "                     rank opens the (local rank mod n)-th GPU (else device) of\n"
                "                     its machine unless --device or CLCNN_DEVICE names one;\n"
                "                     --cpu works too. Rank 0 alone prints, logs and writes\n"
                "                     checkpoints; they resume on any number of ranks.\n");
    } else {
        fprintf(out,
                "\ndata-parallel training: not in this build (built without MPI). For\n"
                "  `mpirun -np N clcnn train ...` over several devices or machines:\n"
                "  %s.\n",
                clcnn_mpi_hint());
    }
}

/* Ranks the launcher announces in the environment (0 when it says nothing). */
static int launcher_size(void)
{
    const char *names[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (getenv(names[i]))
            return atoi(getenv(names[i]));
    return 0;
}

static void open_step_log(cli_dist *d, const char *cmd)
{
    const char *path = getenv("CLCNN_STEP_LOSS_LOG");
    if (!path || !*path || d->rank != 0)
        return;
    if (!(d->step_log = fopen(path, "w")))
        fprintf(stderr, "clcnn %s: CLCNN_STEP_LOSS_LOG: cannot write %s\n", cmd, path);
}

int cli_dist_begin(const char *cmd, cli_dist *d)
{
    memset(d, 0, sizeof *d);
    d->size = 1;
    if (clcnn_mpi_launched()) {
        if (!clcnn_mpi_available()) {
            if (launcher_size() > 1) {
                fprintf(stderr, "clcnn %s: started by mpirun with %d ranks, but clcnn was built "
                        "without MPI: %s\n", cmd, launcher_size(), clcnn_mpi_hint());
                return 2;
            }
        } else if (clcnn_comm_mpi_create(&d->session) != CLCNN_OK) {
            fprintf(stderr, "clcnn %s: %s\n", cmd, clcnn_last_error());
            return 1;
        } else {
            d->rank = d->session->rank;
            d->size = d->session->size;
            d->comm = d->size > 1 ? d->session : NULL;
        }
    }
    open_step_log(d, cmd);
    return 0;
}

/* The device this rank opens when none is named: the (local_rank mod n)-th
 * of the machine's n GPUs, or of all its OpenCL devices when it has no GPU,
 * written as an index spec ("2") into buf. */
static clcnn_status rank_default_device(const clcnn_comm *c, char *buf, size_t size)
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

const char *cli_dist_device(const cli_dist *d, const char *device, char *buf, size_t size)
{
    if (device || !d->comm || (getenv("CLCNN_DEVICE") && *getenv("CLCNN_DEVICE")))
        return device;
    if (rank_default_device(d->comm, buf, size) != CLCNN_OK)
        return NULL; /* opening the default device then reports the problem */
    return buf;
}

int cli_dist_is_writer(const cli_dist *d)
{
    return d->rank == 0;
}

int cli_dist_report_every(const cli_dist *d, int otherwise)
{
    return d->step_log ? 1 : otherwise;
}

void cli_dist_log_step(const cli_dist *d, long iteration, double loss)
{
    if (d->step_log)
        fprintf(d->step_log, "{\"iter\": %ld, \"loss\": %.9g}\n", iteration, loss);
}

int cli_dist_dump_params(const cli_dist *d, const char *cmd, const clcnn_net *net)
{
    const char *dir = getenv("CLCNN_RANK_PARAMS_DIR");
    if (!dir || !*dir)
        return 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/rank%d.params", dir, d->rank);
    size_t n = clcnn_net_flat_count(net);
    float *flat = malloc(sizeof(float) * (n ? n : 1));
    FILE *f = NULL;
    int ok = flat && clcnn_net_get_flat(net, flat) == CLCNN_OK && (f = fopen(path, "wb")) &&
             fwrite(flat, sizeof(float), n, f) == n;
    if (f && fclose(f) != 0)
        ok = 0;
    free(flat);
    if (!ok)
        fprintf(stderr, "clcnn %s: CLCNN_RANK_PARAMS_DIR: cannot write %s\n", cmd, path);
    return ok ? 0 : 1;
}

int cli_dist_end(cli_dist *d, const char *cmd, int status)
{
    if (d->step_log)
        fclose(d->step_log);
    d->step_log = NULL;
    if (!d->session)
        return status;
    if (status != 0 && d->size > 1 && !d->session->failure_shared) {
        /* The other ranks may be waiting in a collective for this one. */
        fprintf(stderr, "clcnn %s: rank %d of %d failed (see above): stopping every rank\n", cmd,
                d->rank, d->size);
        fflush(stderr);
        fflush(stdout);
        clcnn_comm_abort(d->session, status);
    }
    clcnn_comm_destroy(d->session);
    d->session = d->comm = NULL;
    return status;
}
