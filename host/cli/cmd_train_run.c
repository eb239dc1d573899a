/* The run of `clcnn train`: the header, progress, checkpoints after every
 * epoch and on SIGINT/SIGTERM, the test at the end. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_args.h"
#include "cli/cli_progress.h"
#include "cli/cli_recipe.h"
#include "cli/cmd_train.h"

static void print_header(const train_plan *plan, const clcnn_train_data *data,
                         const clcnn_backend *be, const clcnn_trainer *t)
{
    const clcnn_train_config *c = &plan->cfg;
    char device[600], schedule[64];
    cli_backend_describe(be, device, sizeof device);
    clcnn_lr_schedule_format(&c->schedule, schedule, sizeof schedule);
    printf("model %s: %zu parameters; data %s (%s): %d train, %d val, %d test images, %d "
           "classes\n", plan->spec.source, clcnn_model_spec_param_count(&plan->spec),
           plan->data_dir, clcnn_data_format_name(plan->format), data->train.count,
           data->val.count, data->test.count, data->train.classes);
    /* every tensor of the run is allocated before the first step */
    printf("backend: %s; memory high-water mark %.1f MiB\n", device,
           (double)be->counters.bytes_peak / (1024.0 * 1024.0));
    printf("recipe: %s", clcnn_optimizer_name(&c->optimizer));
    if (c->optimizer.kind == CLCNN_OPT_MOMENTUM)
        printf(" (momentum %g)", (double)c->optimizer.momentum);
    char scaling[128];
    clcnn_input_scaling_format(c, scaling, sizeof scaling);
    printf(", lr %g %s, l2 %g, weight decay %g, loss %s, batch %d, %ld iterations (%ld per "
           "epoch), inputs %s, augmentation %s, seed %llu\n", (double)c->optimizer.lr, schedule,
           (double)c->optimizer.l2, (double)c->optimizer.weight_decay, clcnn_loss_name(c->loss),
           c->batch, clcnn_trainer_total_iterations(t),
           (long)(data->train.count / c->batch), scaling, c->crop_pad ? "crop + flip" : "off",
           (unsigned long long)c->seed);
    printf("label smoothing %g, lr warm-up %ld iterations, test-time augmentation %s\n",
           (double)c->label_smoothing, c->warmup, clcnn_tta_name(c->tta));
    if (clcnn_trainer_iteration(t) > 0)
        printf("resuming at iteration %ld\n", clcnn_trainer_iteration(t));
    fflush(stdout);
}

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    if (stop_signal)
        _exit(128 + sig); /* second signal: leave now */
    stop_signal = sig;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

typedef struct run_context {
    cli_progress progress;
    const char *save;
    const train_plan *plan;
    long eval_every, save_every;
    long saved_at; /* the iteration of the last checkpoint written (-1: none) */
    cli_dist *dist; /* the ranks of `mpirun -np N clcnn train` (one process otherwise) */
} run_context;

static clcnn_status save_checkpoint(clcnn_trainer *t, run_context *rc)
{
    if (!rc->save)
        return CLCNN_OK;
    clcnn_status st = clcnn_trainer_save(t, rc->save, rc->plan->data_dir, (int)rc->plan->format);
    rc->saved_at = clcnn_trainer_iteration(t);
    return st == CLCNN_OK ? st : clcnn_fail_context(st, "--save: ");
}

/* --save-every: a checkpoint unless the epoch's end just wrote one. */
static clcnn_status save_periodically(clcnn_trainer *t, void *user)
{
    run_context *rc = user;
    return rc->saved_at == clcnn_trainer_iteration(t) ? CLCNN_OK : save_checkpoint(t, rc);
}

static clcnn_status on_progress(clcnn_trainer *t, const clcnn_train_progress *p, void *user)
{
    run_context *rc = user;
    cli_dist_log_step(rc->dist, p->iteration, p->last_loss);
    if (p->kind == CLCNN_PROGRESS_STEPS) {
        cli_progress_steps(&rc->progress, p);
        return CLCNN_OK;
    }
    cli_progress_epoch(&rc->progress, p);
    return save_checkpoint(t, rc);
}

/* Train, test, save: the exit status. */
static int run(clcnn_trainer *t, run_context *rc, char *const *class_names)
{
    /* a terminal's bar is redrawn twice a second; otherwise results are read
     * back only every 16 steps and at epoch ends */
    clcnn_train_hooks hooks = {.progress = on_progress,
                               .user = rc,
                               .report_every = cli_dist_report_every(rc->dist, 16),
                               .report_seconds = rc->progress.bar ? 0.5 : 0,
                               .stop = &stop_signal};
    install_signals();
    const cli_every every[] = {{rc->eval_every, cli_report_eval, &rc->progress},
                               {rc->save_every, save_periodically, rc}};
    clcnn_status st = cli_run_every(t, &hooks, every, 2);
    cli_progress_clear(&rc->progress);
    if (st == CLCNN_ERR_INTERRUPTED) {
        /* 0: another rank of a data-parallel run was signalled */
        int sig = stop_signal ? stop_signal : SIGTERM;
        fprintf(stderr, "clcnn train: %s (%s)\n", clcnn_last_error(),
                !stop_signal ? "another rank's signal" : sig == SIGTERM ? "SIGTERM" : "SIGINT");
        if (rc->save) {
            if (save_checkpoint(t, rc) != CLCNN_OK)
                return train_fail("");
            fprintf(stderr, "clcnn train: checkpoint written to %s; continue with --resume %s\n",
                    rc->save, rc->save);
        }
        return 128 + sig;
    }
    if (st != CLCNN_OK)
        return train_fail("");
    if (!cli_dist_is_writer(rc->dist))
        return 0; /* rank 0 tests and saves */
    clcnn_eval_result test;
    if (clcnn_trainer_evaluate_test(t, &test) != CLCNN_OK)
        return train_fail("");
    int tta = clcnn_trainer_config(t)->tta == CLCNN_TTA_FLIP;
    cli_print_eval(stdout, tta ? "test (tta flip)" : "test", &test, class_names);
    cli_progress_log_test(&rc->progress, clcnn_trainer_iteration(t), &test);
    clcnn_eval_result_free(&test);
    if (save_checkpoint(t, rc) != CLCNN_OK)
        return train_fail("");
    if (rc->save && !rc->progress.quiet)
        printf("checkpoint: %s\n", rc->save);
    return 0;
}

int train_with(const train_args *a, train_plan *plan, clcnn_backend *be, clcnn_train_data *data,
               cli_dist *dist)
{
    int removed = 0; /* a save killed before its rename (kill -9) leaves its temporary file */
    if (a->save && clcnn_checkpoint_remove_temps(a->save, &removed) != CLCNN_OK)
        return train_fail("--save: ");
    if (removed && !a->quiet)
        printf("removed %d temporary file%s left by an interrupted write of %s\n", removed,
               removed == 1 ? "" : "s", a->save);
    clcnn_trainer *t = NULL;
    if ((dist->comm ? clcnn_trainer_create_distributed(be, &plan->spec, &data->train, &data->val,
                                                      &data->test, &plan->cfg, dist->comm, &t)
                   : clcnn_trainer_create(be, &plan->spec, &data->train, &data->val, &data->test,
                                          &plan->cfg, &t)) != CLCNN_OK)
        return train_fail("");
    if (a->resume && clcnn_trainer_restore(t, &plan->ckpt) != CLCNN_OK) {
        clcnn_trainer_destroy(t);
        return train_fail("--resume: ");
    }
    run_context rc = {{0}, a->save, plan, a->eval_every, a->save_every, -1, dist};
    rc.progress.quiet = a->quiet;
    rc.progress.bar = !a->quiet && isatty(STDERR_FILENO);
    if (a->log && !(rc.progress.log = fopen(a->log, a->resume ? "a" : "w"))) {
        clcnn_trainer_destroy(t);
        perror("clcnn train: --log");
        return 1;
    }
    if (!a->quiet)
        print_header(plan, data, be, t);
    if (dist->comm && !a->quiet) /* the first (batch mod ranks) ranks take one more */
        printf("data-parallel: %d ranks sharing each batch of %d (%d%s images per rank)\n",
               dist->size, plan->cfg.batch, plan->cfg.batch / dist->size,
               plan->cfg.batch % dist->size ? " or 1 more" : "");
    int status = run(t, &rc, data->train.class_names);
    if (status == 0)
        status = cli_dist_dump_params(dist, "train", clcnn_trainer_net(t));
    if (rc.progress.log)
        fclose(rc.progress.log);
    clcnn_trainer_destroy(t);
    return status;
}
