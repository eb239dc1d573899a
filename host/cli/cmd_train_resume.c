/* `clcnn train --resume CKPT` with the run's own recipe flags: each must
 * repeat the checkpoint's value, so that --resume can be appended to the
 * command that started the run; a different value is refused naming both. */
#include <stdio.h>
#include <string.h>

#include "cli/cmd_train.h"

/* One recipe flag's value in c, written the way the flag takes it (exact:
 * every digit a float holds, for comparing; else as people write it). */
typedef void (*value_fn)(const clcnn_train_config *c, int exact, char *buf, size_t size);

static void real(double v, int exact, char *buf, size_t size)
{
    snprintf(buf, size, exact ? "%.9g" : "%g", v);
}

static void batch(const clcnn_train_config *c, int exact, char *b, size_t n)
{
    snprintf(b, n, "%d", c->batch);
}
static void optimizer(const clcnn_train_config *c, int exact, char *b, size_t n)
{
    snprintf(b, n, "%s", clcnn_optimizer_name(&c->optimizer));
}
static void nesterov(const clcnn_train_config *c, int exact, char *b, size_t n)
{
    snprintf(b, n, "--optimizer %s", clcnn_optimizer_name(&c->optimizer));
}
static void momentum(const clcnn_train_config *c, int exact, char *b, size_t n)
{
    real(c->optimizer.momentum, exact, b, n);
}
static void lr(const clcnn_train_config *c, int exact, char *b, size_t n)
{
    real(c->optimizer.lr, exact, b, n);
}
static void lr_decay(const clcnn_train_config *c, int exact, char *b, size_t n)
{
    clcnn_lr_schedule_format(&c->schedule, b, n);
}
static void l2(const clcnn_train_config *c, int exact, char *b, size_t n)
{
    real(c->optimizer.l2, exact, b, n);
}
static void weight_decay(const clcnn_train_config *c, int exact, char *b, size_t n)
{
    real(c->optimizer.weight_decay, exact, b, n);
}
static void dropout(const clcnn_train_config *c, int exact, char *b, size_t n)
{
    if (c->dropout < 0)
        snprintf(b, n, "(the model's own rates)");
    else
        real(c->dropout, exact, b, n);
}
static void loss(const clcnn_train_config *c, int exact, char *b, size_t n)
{
    snprintf(b, n, "%s", clcnn_loss_name(c->loss));
}
static void label_smoothing(const clcnn_train_config *c, int exact, char *b, size_t n)
{
    real(c->label_smoothing, exact, b, n);
}
static void warmup(const clcnn_train_config *c, int exact, char *b, size_t n)
{
    snprintf(b, n, "%ld", c->warmup);
}
static void tta(const clcnn_train_config *c, int exact, char *b, size_t n)
{
    snprintf(b, n, "%s", clcnn_tta_name(c->tta));
}
static void augment(const clcnn_train_config *c, int exact, char *b, size_t n)
{
    snprintf(b, n, "%s", c->crop_pad || c->flip ? "--augment" : "--no-augment");
}
static void val(const clcnn_train_config *c, int exact, char *b, size_t n)
{
    snprintf(b, n, "%d", c->val_count);
}
static void seed(const clcnn_train_config *c, int exact, char *b, size_t n)
{
    snprintf(b, n, "%llu", (unsigned long long)c->seed);
}

/* Every recipe flag of cmd_train_args.c. --normalize has no entry function:
 * checkpoints keep the resulting mean and std, compared once the data is
 * loaded. A flag missing here is refused with --resume rather than let a
 * different value pass unnoticed. */
static const struct recipe_flag {
    const char *name;
    value_fn value;
} recipe_flags[] = {
    {"--batch", batch},       {"--optimizer", optimizer}, {"--nesterov", nesterov},
    {"--momentum", momentum}, {"--lr", lr},               {"--lr-decay", lr_decay},
    {"--l2", l2},             {"--weight-decay", weight_decay}, {"--dropout", dropout},
    {"--loss", loss},         {"--augment", augment},     {"--no-augment", augment},
    {"--val", val},           {"--seed", seed},           {"--normalize", NULL},
    {"--label-smoothing", label_smoothing}, {"--warmup", warmup}, {"--tta", tta},
};

/* The flag at argv[at] without "=VALUE". */
static void flag_name(const train_args *a, int at, char *buf, size_t size)
{
    const char *arg = a->argv[at], *eq = strchr(arg, '=');
    snprintf(buf, size, "%.*s", eq ? (int)(eq - arg) : (int)strlen(arg), arg);
}

/* The flag at argv[at] applied to the checkpoint's recipe, in scratch; 0
 * after a message when it does not parse. *given: the flag as given. */
static int apply_to_checkpoint(const train_args *a, int at, const clcnn_checkpoint *k,
                               train_args *scratch, char *given, size_t size)
{
    memset(scratch, 0, sizeof *scratch);
    scratch->argc = a->argc;
    scratch->argv = a->argv;
    scratch->cfg = k->config;
    scratch->augment = -1;
    int used = train_apply_recipe_flag(scratch, at);
    if (!used)
        return 0;
    if (scratch->augment >= 0)
        train_set_augment(&scratch->cfg, scratch->augment);
    const char *arg = a->argv[at], *eq = strchr(arg, '=');
    if (eq)
        snprintf(given, size, "%.*s %s", (int)(eq - arg), arg, eq + 1);
    else
        snprintf(given, size, "%s%s%s", arg, used == 2 ? " " : "", used == 2 ? a->argv[at + 1] : "");
    return 1;
}

static int differs(const train_args *a, const char *given, const char *theirs)
{
    fprintf(stderr, "clcnn train: --resume %s: %s differs from the checkpoint's %s (repeat the "
            "run's own values or leave the flag out)\n", a->resume, given, theirs);
    return 2;
}

int train_check_resume_flags(const train_args *a, const clcnn_checkpoint *k)
{
    for (int i = 0; i < a->recipe_flags; i++) {
        char name[64], given[512], ours[256], theirs[256];
        flag_name(a, a->recipe_at[i], name, sizeof name);
        const struct recipe_flag *f = NULL;
        for (size_t j = 0; j < sizeof recipe_flags / sizeof recipe_flags[0]; j++)
            if (strcmp(name, recipe_flags[j].name) == 0)
                f = &recipe_flags[j];
        if (!f) {
            fprintf(stderr, "clcnn train: --resume %s: %s cannot be checked against the "
                    "checkpoint's recipe: leave it out\n", a->resume, name);
            return 2;
        }
        train_args scratch;
        if (!f->value) /* --normalize: train_check_resume_scaling() */
            continue;
        if (!apply_to_checkpoint(a, a->recipe_at[i], k, &scratch, given, sizeof given))
            return 2;
        f->value(&scratch.cfg, 1, ours, sizeof ours);
        f->value(&k->config, 1, theirs, sizeof theirs);
        if (strcmp(ours, theirs) != 0) {
            f->value(&k->config, 0, theirs, sizeof theirs);
            return differs(a, given, theirs);
        }
    }
    return 0;
}

int train_check_resume_scaling(const train_args *a, const clcnn_checkpoint *k,
                               const clcnn_dataset *train)
{
    const int C = train->channels;
    for (int i = 0; i < a->recipe_flags; i++) {
        char name[64], given[512];
        flag_name(a, a->recipe_at[i], name, sizeof name);
        train_args scratch;
        if (strcmp(name, "--normalize") != 0)
            continue;
        if (!apply_to_checkpoint(a, a->recipe_at[i], k, &scratch, given, sizeof given))
            return 2;
        float mean[CLCNN_MAX_INPUT_CHANNELS], std[CLCNN_MAX_INPUT_CHANNELS];
        if (C > CLCNN_MAX_INPUT_CHANNELS || C != k->channels)
            return 0; /* restoring refuses the data set, naming both channel counts */
        if (clcnn_input_scaling_values(&scratch.cfg, train, mean, std) != CLCNN_OK)
            return train_fail("--normalize: ");
        if (memcmp(mean, k->mean, sizeof(float) * C) == 0 &&
            memcmp(std, k->std, sizeof(float) * C) == 0)
            continue;
        /* the checkpoint's values as MEAN:STD in 0..1 units, as --normalize takes them */
        char theirs[512];
        size_t len = 0;
        for (int pass = 0; pass < 2; pass++)
            for (int c = 0; c < C && len < sizeof theirs; c++)
                len += (size_t)snprintf(theirs + len, sizeof theirs - len, "%s%g",
                                        c ? "," : pass ? ":" : "",
                                        (double)(pass ? k->std[c] : k->mean[c]) / 255.0);
        return differs(a, given, theirs);
    }
    return 0;
}
