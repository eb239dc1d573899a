/* clcnn train: train a network on CIFAR-10/100 or IDX data on an OpenCL device
 * or (--cpu) on the CPU reference, through the same training code. The jobs
 * live in cmd_train_*.c (see cmd_train.h); this file runs them in order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/cmd_train.h"
#include "cli/commands.h"

/* The ranks of `mpirun -np N clcnn train` (one process otherwise). */
static cli_dist dist;

int cmd_train(int argc, char **argv)
{
    train_args a;
    memset(&a, 0, sizeof a);
    a.cfg = clcnn_train_config_default();
    a.augment = -1;
    if (!train_load_recipe(&a, argc, argv))
        return 1;
    if (!train_parse_args(argc, argv, &a))
        return 2;
    if (a.help) {
        train_help();
        cli_dist_help(stdout);
        return 0;
    }
    train_plan plan;
    memset(&plan, 0, sizeof plan);
    int status = a.resume ? train_plan_resume(&a, &plan) : train_plan_fresh(&a, &plan);
    if (status == 0 && clcnn_train_config_validate(&plan.cfg) != CLCNN_OK) {
        fprintf(stderr, "clcnn train: %s (see clcnn train --help)\n", clcnn_last_error());
        clcnn_checkpoint_free(&plan.ckpt);
        return 2;
    }
    if (status == 0 && (status = cli_dist_begin("train", &dist)) == 0 &&
        !cli_dist_is_writer(&dist)) {
        a.quiet = 1; /* rank 0 alone prints, logs and writes checkpoints */
        a.log = a.save = NULL;
    }
    char rank_device[32];
    const char *device =
        a.cpu ? NULL : cli_dist_device(&dist, a.device, rank_device, sizeof rank_device);
    clcnn_backend *be = NULL;
    if (a.no_cache)
        setenv("CLCNN_CACHE_DIR", "", 1);
    if (status == 0 && !cli_open_backend("train", a.cpu, device, &be))
        status = 1;
    clcnn_train_data data;
    memset(&data, 0, sizeof data);
    if (status == 0)
        status = train_load_data(&a, &plan, &data);
    /* After loading: a preset's last layer is fitted to the data's classes. */
    if (status == 0 && !a.cpu && !a.no_check)
        status = train_check_device(be, &plan.spec, a.quiet);
    if (status == 0)
        status = train_with(&a, &plan, be, &data, &dist);
    clcnn_train_data_free(&data);
    clcnn_backend_destroy(be);
    clcnn_checkpoint_free(&plan.ckpt);
    return cli_dist_end(&dist, "train", status);
}
