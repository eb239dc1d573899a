/* `clcnn train` helpers for recipes and periodic evaluation. */
#include "cli/cli_recipe.h"

#include <stdio.h>
#include <string.h>

const char *cli_find_model(int argc, char **argv)
{
    const char *found = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--model") == 0 && i + 1 < argc)
            found = argv[++i];
        else if (strncmp(argv[i], "--model=", 8) == 0)
            found = argv[i] + 8;
    }
    return found;
}

clcnn_status cli_report_eval(clcnn_trainer *t, void *user)
{
    cli_progress *progress = user;
    long iteration = clcnn_trainer_iteration(t);
    clcnn_eval_result r;
    const char *what = "val";
    clcnn_status st = clcnn_trainer_evaluate_val(t, &r);
    if (st == CLCNN_ERR_ARG) { /* no validation set */
        what = "test";
        st = clcnn_trainer_evaluate_test(t, &r);
    }
    if (st != CLCNN_OK)
        return st;
    cli_progress_clear(progress);
    if (!progress->quiet)
        printf("iteration %ld: %s loss %.4f accuracy %.2f%% (%d/%d)\n", iteration, what, r.loss,
               100.0 * r.accuracy, (int)(r.accuracy * r.count + 0.5), r.count);
    fflush(stdout);
    if (progress->log) {
        fprintf(progress->log, "{\"iter\": %ld, \"eval\": \"%s\", \"loss\": %.6g, \"acc\": %.6g}\n",
                iteration, what, r.loss, r.accuracy);
        fflush(progress->log);
    }
    clcnn_eval_result_free(&r);
    return CLCNN_OK;
}

clcnn_status cli_run_every(clcnn_trainer *t, const clcnn_train_hooks *hooks,
                           const cli_every *actions, int n)
{
    int periodic = 0;
    for (int i = 0; i < n; i++)
        periodic |= actions[i].every > 0;
    if (!periodic)
        return clcnn_trainer_run(t, hooks);
    clcnn_train_hooks h = *hooks;
    while (!clcnn_trainer_done(t)) {
        long done = clcnn_trainer_iteration(t);
        h.until_iteration = 0; /* the nearest multiple of an action's period */
        for (int i = 0; i < n; i++) {
            long next = actions[i].every > 0 ? (done / actions[i].every + 1) * actions[i].every : 0;
            if (next && (!h.until_iteration || next < h.until_iteration))
                h.until_iteration = next;
        }
        clcnn_status st = clcnn_trainer_run(t, &h);
        if (st != CLCNN_OK)
            return st;
        done = clcnn_trainer_iteration(t);
        for (int i = 0; i < n; i++)
            if (actions[i].every > 0 && done % actions[i].every == 0 &&
                (st = actions[i].action(t, actions[i].user)) != CLCNN_OK)
                return st;
    }
    return CLCNN_OK;
}
