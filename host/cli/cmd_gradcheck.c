/* clcnn gradcheck: numerical against analytic gradients of a model, in
 * double precision on the CPU reference backend. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/net.h"
#include "cli/commands.h"

#define PASS_THRESHOLD 1e-7

static void help(void)
{
    printf("usage: clcnn gradcheck [--loss softmax|svm|bce] [--label-smoothing E]\n"
           "                       [--model FILE|PRESET] [--batch N] [--seed N]\n\n"
           "Checks the analytic gradient of the loss (summed over the batch) with respect\n"
           "to every parameter entry against central differences (h = 1e-5), in double\n"
           "precision on the CPU reference backend (ref64). Inputs are random normal values and labels are\n"
           "random; biases and batchnorm gamma/beta are moved off their initial values.\n"
           "Batchnorm uses batch statistics; dropout keeps one fixed mask.\n\n"
           "options:\n"
           "  --loss KIND     softmax (default), svm (multiclass hinge) or bce\n"
           "  --label-smoothing E  softmax against (1-E) one-hot + E/K, 0 <= E < 1\n"
           "                  (default 0; softmax only)\n"
           "  --model M       model file or preset (gradcheck, gradcheck-residual,\n"
           "                  small, ...); default: seed-gradcheck, the notebook's\n"
           "                  check network (batchnorm per activation, no dropout)\n"
           "  --batch N       images in the batch (default 8)\n"
           "  --seed N        seed of the parameters and the random batch (default 1)\n\n"
           "The relative error of a parameter tensor T is ||a - n|| / ||a + n|| over its\n"
           "entries (2-norms), a the analytic and n the numerical gradient. The last line\n"
           "printed is 'max relative error: X', the maximum over the tensors; the exit\n"
           "status is 0 when X <= %g, 1 when it is larger or the check fails, 2 on bad\n"
           "usage. A tensor whose gradients are all below the finite differences' noise\n"
           "(a bias followed by batchnorm has a zero gradient) is marked vanishing and not\n"
           "counted. Entries with a ReLU or max-pool kink within +-h (their one-sided\n"
           "slopes differ by over 1%%) are skipped and counted. The largest single-entry\n"
           "error is printed as a diagnostic: entries with small gradients carry that\n"
           "noise (about 1e-10) in full.\n",
           PASS_THRESHOLD);
}

static int parse_count(const char *text, const char *flag, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end || errno == ERANGE || v < min || v > max) {
        fprintf(stderr, "clcnn gradcheck: %s: bad value '%s' (expected %ld to %ld)\n", flag, text,
                min, max);
        return 0;
    }
    *out = v;
    return 1;
}

static int parse_loss(const char *text, clcnn_loss_kind *out)
{
    if (strcmp(text, "softmax") == 0) *out = CLCNN_LOSS_SOFTMAX;
    else if (strcmp(text, "svm") == 0) *out = CLCNN_LOSS_SVM;
    else if (strcmp(text, "bce") == 0) *out = CLCNN_LOSS_BCE;
    else {
        fprintf(stderr, "clcnn gradcheck: --loss: unknown loss '%s' (softmax, svm or bce)\n", text);
        return 0;
    }
    return 1;
}

typedef struct options {
    const char *model, *loss_name;
    clcnn_loss_kind loss;
    long batch, seed;
    float label_smoothing;
} options;

static int parse_smoothing(const char *text, float *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end || errno == ERANGE || !(v >= 0 && v < 1)) {
        fprintf(stderr, "clcnn gradcheck: --label-smoothing: bad value '%s' (expected a number "
                "in [0, 1))\n", text);
        return 0;
    }
    *out = (float)v;
    return 1;
}

/* Returns 1 to run, 0 after --help, -1 on bad usage. */
static int parse_options(int argc, char **argv, options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            help();
            return 0;
        }
        const char *flags[] = {"--loss", "--model", "--batch", "--seed", "--label-smoothing"};
        int f = -1;
        for (int k = 0; k < 5; k++)
            if (strcmp(arg, flags[k]) == 0)
                f = k;
        if (f < 0) {
            fprintf(stderr, "clcnn gradcheck: unknown option '%s' (see clcnn gradcheck --help)\n",
                    arg);
            return -1;
        }
        if (i + 1 == argc) {
            fprintf(stderr, "clcnn gradcheck: %s needs a value\n", arg);
            return -1;
        }
        const char *value = argv[++i];
        int ok = 1;
        switch (f) {
        case 0: ok = parse_loss(value, &o->loss); o->loss_name = value; break;
        case 1: o->model = value; break;
        case 2: ok = parse_count(value, arg, 1, 4096, &o->batch); break;
        case 3: ok = parse_count(value, arg, 0, UINT32_MAX, &o->seed); break;
        case 4: ok = parse_smoothing(value, &o->label_smoothing); break;
        }
        if (!ok)
            return -1;
    }
    return 1;
}

int cmd_gradcheck(int argc, char **argv)
{
    options o = {"seed-gradcheck", "softmax", CLCNN_LOSS_SOFTMAX, 8, 1, 0.0f};
    int parsed = parse_options(argc, argv, &o);
    if (parsed <= 0)
        return parsed == 0 ? 0 : 2;
    clcnn_model_spec spec;
    if (clcnn_model_spec_resolve(o.model, &spec) != CLCNN_OK) {
        fprintf(stderr, "clcnn gradcheck: %s\n", clcnn_last_error());
        return 1;
    }
    printf("gradient check of %s: %zu parameters, %s loss, label smoothing %g, batch %ld, "
           "seed %ld, h = 1e-5, double precision (ref64)\n",
           o.model, clcnn_model_spec_param_count(&spec), o.loss_name, (double)o.label_smoothing,
           o.batch, o.seed);
    fflush(stdout);
    clcnn_gradcheck_result r;
    if (clcnn_gradcheck(&spec, o.loss, o.label_smoothing, (int)o.batch, (uint32_t)o.seed, &r) !=
        CLCNN_OK) {
        fprintf(stderr, "clcnn gradcheck: %s\n", clcnn_last_error());
        return 1;
    }
    printf("mean loss: %.10g\n", r.loss);
    printf("%-24s %8s  %s\n", "parameter", "entries", "relative error");
    for (int i = 0; i < r.n_tensors; i++)
        printf("%-24s %8zu  %.3e%s\n", r.tensors[i].name, r.tensors[i].count,
               r.tensors[i].rel_err,
               r.tensors[i].vanishing ? "  (vanishing gradient: not counted)" : "");
    printf("entries checked: %zu, skipped at a ReLU/max-pool kink within +-h: %zu\n",
           r.n_checked - r.n_kinks, r.n_kinks);
    printf("largest single-entry error (diagnostic): %.3e at %s (analytic %.10e, numerical "
           "%.10e)\n", r.max_entry_rel_err, r.worst_entry, r.worst_analytic, r.worst_numeric);
    printf("global relative error ||a-n||/||a+n|| over all entries: %.3e\n", r.global_rel_err);
    printf("max relative error: %.3e\n", r.max_rel_err);
    return r.max_rel_err <= PASS_THRESHOLD ? 0 : 1;
}
