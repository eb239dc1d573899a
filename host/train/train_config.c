/* The training recipe: defaults, validation, the learning-rate schedule. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/train.h"

clcnn_train_config clcnn_train_config_default(void)
{
    clcnn_train_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.optimizer.kind = CLCNN_OPT_MOMENTUM;
    cfg.optimizer.lr = 0.05f;
    cfg.optimizer.momentum = 0.9f;
    cfg.optimizer.nesterov = 1;
    cfg.optimizer.rho = 0.9f;
    cfg.optimizer.beta1 = 0.9f;
    cfg.optimizer.beta2 = 0.999f;
    cfg.optimizer.eps = 1e-8f;
    cfg.optimizer.l2 = 5e-4f;
    cfg.optimizer.weight_decay = 0.0f;
    cfg.schedule.kind = CLCNN_LR_COSINE;
    cfg.schedule.gamma = 1.0f;
    cfg.schedule.every = 1;
    cfg.loss = CLCNN_LOSS_SOFTMAX;
    cfg.batch = 128;
    cfg.epochs = 1;
    cfg.iterations = 0;
    cfg.dropout = -1.0f;
    cfg.seed = 1;
    return cfg;
}

/* Limits beyond which a value is a typo rather than a recipe. */
#define MAX_BATCH 65536
#define MAX_EPOCHS 100000
#define MAX_ITERATIONS 1000000000L

static const double pi = 3.14159265358979323846;

static clcnn_status bad(const char *field, double value, const char *allowed)
{
    return clcnn_fail(CLCNN_ERR_ARG, "training config: %s = %g is invalid: expected %s", field,
                      value, allowed);
}

static int in_range(double x, double lo, double hi) { return isfinite(x) && x >= lo && x <= hi; }

clcnn_status clcnn_train_config_validate(const clcnn_train_config *cfg)
{
    const clcnn_optimizer_step *o = &cfg->optimizer;
    if (o->kind < CLCNN_OPT_SGD || o->kind > CLCNN_OPT_ADAM)
        return bad("optimizer", o->kind, "sgd, momentum, rmsprop or adam");
    if (!(in_range(o->lr, 0, 10) && o->lr > 0))
        return bad("lr", o->lr, "0 < lr <= 10");
    if (!in_range(o->momentum, 0, 1) || o->momentum >= 1)
        return bad("momentum", o->momentum, "0 <= momentum < 1");
    if (!in_range(o->rho, 0, 1) || o->rho >= 1)
        return bad("rho", o->rho, "0 <= rho < 1");
    if (!in_range(o->beta1, 0, 1) || o->beta1 >= 1)
        return bad("beta1", o->beta1, "0 <= beta1 < 1");
    if (!in_range(o->beta2, 0, 1) || o->beta2 >= 1)
        return bad("beta2", o->beta2, "0 <= beta2 < 1");
    if (!(in_range(o->eps, 0, 1) && o->eps > 0))
        return bad("eps", o->eps, "0 < eps <= 1");
    if (!in_range(o->l2, 0, 1))
        return bad("l2", o->l2, "0 <= l2 <= 1");
    if (!in_range(o->weight_decay, 0, 1))
        return bad("weight decay", o->weight_decay, "0 <= weight decay <= 1");
    if (cfg->schedule.kind == CLCNN_LR_STEP &&
        (!(in_range(cfg->schedule.gamma, 0, 1) && cfg->schedule.gamma > 0) ||
         cfg->schedule.every < 1))
        return bad("lr step schedule gamma", cfg->schedule.gamma,
                   "0 < gamma <= 1 and EVERY >= 1");
    if (cfg->loss < CLCNN_LOSS_SOFTMAX || cfg->loss > CLCNN_LOSS_BCE)
        return bad("loss", cfg->loss, "softmax, svm or bce");
    if (!(cfg->label_smoothing >= 0 && cfg->label_smoothing < 1))
        return bad("label smoothing", cfg->label_smoothing, "0 <= E < 1");
    if (cfg->label_smoothing != 0 && cfg->loss != CLCNN_LOSS_SOFTMAX)
        return clcnn_fail(CLCNN_ERR_ARG, "training config: label smoothing %g applies to the "
                          "softmax loss only, not to %s", (double)cfg->label_smoothing,
                          clcnn_loss_name(cfg->loss));
    if (cfg->tta != CLCNN_TTA_NONE && cfg->tta != CLCNN_TTA_FLIP)
        return bad("tta", cfg->tta, "none or flip");
    if (cfg->tta == CLCNN_TTA_FLIP && cfg->loss == CLCNN_LOSS_SVM)
        return clcnn_fail(CLCNN_ERR_ARG, "training config: tta flip averages probabilities: it "
                          "needs the softmax or bce loss, not svm");
    if (cfg->warmup < 0 || cfg->warmup > MAX_ITERATIONS)
        return bad("warmup", (double)cfg->warmup, "0 .. 1e9 iterations");
    if (cfg->batch < 1 || cfg->batch > MAX_BATCH)
        return bad("batch", cfg->batch, "1 .. 65536");
    if (cfg->iterations < 0 || cfg->iterations > MAX_ITERATIONS)
        return bad("iterations", (double)cfg->iterations, "0 .. 1e9");
    if (cfg->iterations == 0 && (cfg->epochs < 1 || cfg->epochs > MAX_EPOCHS))
        return bad("epochs", cfg->epochs, "1 .. 100000");
    if (cfg->dropout >= 0 && !(cfg->dropout < 1))
        return bad("dropout", cfg->dropout, "0 <= p < 1 (or negative for the model's own)");
    if (cfg->crop_pad < 0 || cfg->crop_pad > 64)
        return bad("crop padding", cfg->crop_pad, "0 .. 64");
    if (cfg->val_count < 0)
        return bad("validation count", cfg->val_count, ">= 0");
    if (cfg->input < CLCNN_INPUT_DATA || cfg->input > CLCNN_INPUT_CONSTANTS)
        return bad("input scaling", cfg->input, "data, unit or MEAN:STD");
    if (cfg->input == CLCNN_INPUT_CONSTANTS) {
        if (cfg->input_values < 1 || cfg->input_values > CLCNN_MAX_INPUT_CHANNELS)
            return bad("input scaling values", cfg->input_values, "1 .. 4 per channel");
        for (int c = 0; c < cfg->input_values; c++)
            if (!(in_range(cfg->input_std[c], 0, 1e6) && cfg->input_std[c] > 0) ||
                !in_range(cfg->input_mean[c], -1e6, 1e6))
                return bad("input scaling std", cfg->input_std[c], "std > 0 and a finite mean");
    }
    return CLCNN_OK;
}

float clcnn_train_lr_at(const clcnn_train_config *cfg, long iteration, long total)
{
    const double lr = cfg->optimizer.lr;
    if (iteration < cfg->warmup)
        return (float)(lr * (double)(iteration + 1) / (double)cfg->warmup);
    /* after the warm-up the schedule starts from its own beginning */
    iteration -= cfg->warmup;
    total -= cfg->warmup;
    switch (cfg->schedule.kind) {
    case CLCNN_LR_STEP:
        return (float)(lr * pow(cfg->schedule.gamma, (double)(iteration / cfg->schedule.every)));
    case CLCNN_LR_COSINE:
        if (total <= 0)
            return (float)lr;
        return (float)(lr * 0.5 * (1.0 + cos(pi * (double)iteration / (double)total)));
    case CLCNN_LR_CONSTANT:
        break;
    }
    return (float)lr;
}

clcnn_status clcnn_lr_schedule_parse(const char *text, clcnn_lr_schedule *out)
{
    clcnn_lr_schedule s = {CLCNN_LR_CONSTANT, 1.0f, 1};
    if (strcmp(text, "none") == 0 || strcmp(text, "constant") == 0) {
        *out = s;
        return CLCNN_OK;
    }
    if (strcmp(text, "cosine") == 0) {
        s.kind = CLCNN_LR_COSINE;
        *out = s;
        return CLCNN_OK;
    }
    if (strncmp(text, "step:", 5) != 0)
        return clcnn_fail(CLCNN_ERR_ARG, "lr schedule '%s': expected none, cosine or "
                          "step:GAMMA:EVERY", text);
    const char *p = text + 5;
    char *end;
    errno = 0;
    double gamma = strtod(p, &end);
    if (end == p || *end != ':' || errno || !isfinite(gamma) || gamma <= 0 || gamma > 1)
        return clcnn_fail(CLCNN_ERR_ARG, "lr schedule '%s': GAMMA must be a number in (0, 1]",
                          text);
    p = end + 1;
    errno = 0;
    long every = strtol(p, &end, 10);
    if (end == p || *end != '\0' || errno || every < 1 || every > MAX_ITERATIONS)
        return clcnn_fail(CLCNN_ERR_ARG, "lr schedule '%s': EVERY must be a whole number of "
                          "iterations in 1 .. 1e9", text);
    s.kind = CLCNN_LR_STEP;
    s.gamma = (float)gamma;
    s.every = every;
    *out = s;
    return CLCNN_OK;
}

void clcnn_lr_schedule_format(const clcnn_lr_schedule *s, char *buf, size_t size)
{
    switch (s->kind) {
    case CLCNN_LR_STEP: snprintf(buf, size, "step:%g:%ld", (double)s->gamma, s->every); return;
    case CLCNN_LR_COSINE: snprintf(buf, size, "cosine"); return;
    case CLCNN_LR_CONSTANT: break;
    }
    snprintf(buf, size, "none");
}

/* The optimizer names: one row per name, Nesterov momentum a name of its own. */
static const struct {
    const char *name;
    clcnn_optimizer_kind kind;
    int nesterov;
} optimizer_names[] = {
    {"sgd", CLCNN_OPT_SGD, 0},           {"momentum", CLCNN_OPT_MOMENTUM, 0},
    {"nesterov", CLCNN_OPT_MOMENTUM, 1}, {"rmsprop", CLCNN_OPT_RMSPROP, 0},
    {"adam", CLCNN_OPT_ADAM, 0}};

enum { N_OPTIMIZER_NAMES = sizeof optimizer_names / sizeof optimizer_names[0] };

const char *clcnn_optimizer_name(const clcnn_optimizer_step *opt)
{
    for (int i = 0; i < N_OPTIMIZER_NAMES; i++)
        if (optimizer_names[i].kind == opt->kind &&
            (opt->kind != CLCNN_OPT_MOMENTUM || optimizer_names[i].nesterov == (opt->nesterov != 0)))
            return optimizer_names[i].name;
    return "?";
}

int clcnn_optimizer_parse(const char *name, clcnn_optimizer_step *opt)
{
    for (int i = 0; i < N_OPTIMIZER_NAMES; i++)
        if (strcmp(name, optimizer_names[i].name) == 0) {
            opt->kind = optimizer_names[i].kind;
            opt->nesterov = optimizer_names[i].nesterov;
            return 1;
        }
    return 0;
}

void clcnn_optimizer_names(char *buf, size_t size)
{
    size_t used = 0;
    if (size)
        buf[0] = '\0';
    for (int i = 0; i < N_OPTIMIZER_NAMES && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                                 optimizer_names[i].name);
}

const char *clcnn_loss_name(clcnn_loss_kind kind)
{
    switch (kind) {
    case CLCNN_LOSS_SOFTMAX: return "softmax";
    case CLCNN_LOSS_SVM: return "svm";
    case CLCNN_LOSS_BCE: return "bce";
    }
    return "?";
}

clcnn_status clcnn_loss_parse(const char *text, clcnn_loss_kind *out)
{
    for (int k = CLCNN_LOSS_SOFTMAX; k <= CLCNN_LOSS_BCE; k++)
        if (strcmp(text, clcnn_loss_name((clcnn_loss_kind)k)) == 0) {
            *out = (clcnn_loss_kind)k;
            return CLCNN_OK;
        }
    return clcnn_fail(CLCNN_ERR_ARG, "loss '%s': expected softmax, svm or bce", text);
}

const char *clcnn_tta_name(clcnn_tta tta) { return tta == CLCNN_TTA_FLIP ? "flip" : "none"; }

clcnn_status clcnn_tta_parse(const char *text, clcnn_tta *out)
{
    if (strcmp(text, "none") == 0)
        *out = CLCNN_TTA_NONE;
    else if (strcmp(text, "flip") == 0)
        *out = CLCNN_TTA_FLIP;
    else
        return clcnn_fail(CLCNN_ERR_ARG, "tta '%s': expected none or flip", text);
    return CLCNN_OK;
}
