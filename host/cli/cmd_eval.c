/* clcnn eval: test loss, accuracy, per-class accuracy and confusion matrix of
 * a checkpoint on a data set's test split. */
#include <stdio.h>
#include <string.h>

#include "clcnn/train.h"
#include "cli/cli_args.h"
#include "cli/cli_progress.h"
#include "cli/commands.h"

#define DEFAULT_BATCH 256

static void help(void)
{
    printf("usage: clcnn eval --model CHECKPOINT [OPTIONS]\n\n"
           "Evaluates a checkpoint written by `clcnn train --save` on every image of the test\n"
           "split: loss, accuracy, per-class accuracy and the confusion matrix (rows: true\n"
           "class, columns: predicted). Images are normalized with the checkpoint's mean/std.\n\n"
           "  --model FILE   the checkpoint (required)\n"
           "  --data DIR     data set folder (default: the folder the checkpoint was trained on)\n"
           "  --format F     cifar10 | cifar100 | idx | folder | auto (default: the checkpoint's,\n"
           "                 or detected from the files of a --data folder)\n"
           "  --batch N      images per forward pass (default %d)\n"
           "  --tta T        none | flip: average the probabilities (softmax; sigmoids for\n"
           "                 bce) of each image and its horizontal mirror (default: the\n"
           "                 checkpoint's recipe; not with svm)\n"
           "  --device SPEC  OpenCL device (index or name substring; default: $CLCNN_DEVICE,\n"
           "                 else the best one: see clcnn devices)\n"
           "  --cpu          evaluate on the CPU reference backend\n",
           DEFAULT_BATCH);
}

typedef struct eval_args {
    const char *model, *data_dir, *device;
    clcnn_data_format format;
    int batch, cpu, help;
    int has_tta;
    clcnn_tta tta;
} eval_args;

static int parse_args(int argc, char **argv, eval_args *a)
{
    cli_parser p;
    cli_parser_init(&p, "eval", argc, argv);
    while (cli_more(&p)) {
        const char *v;
        if (cli_flag(&p, "--help") || cli_flag(&p, "-h")) {
            a->help = 1;
            return 1;
        } else if (cli_option(&p, "--model", &v)) {
            a->model = v;
        } else if (cli_option(&p, "--data", &v)) {
            a->data_dir = v;
        } else if (cli_option(&p, "--format", &v)) {
            if (clcnn_data_format_parse(v, &a->format) != CLCNN_OK)
                cli_error(&p, "--format: '%s' is not one of cifar10, cifar100, idx, folder, auto", v);
        } else if (cli_option(&p, "--batch", &v)) {
            cli_int(&p, "--batch", v, 1, 65536, &a->batch);
        } else if (cli_option(&p, "--tta", &v)) {
            a->has_tta = 1;
            if (clcnn_tta_parse(v, &a->tta) != CLCNN_OK)
                cli_error(&p, "--tta: '%s' is not one of none, flip", v);
        } else if (cli_option(&p, "--device", &v)) {
            a->device = v;
        } else if (cli_flag(&p, "--cpu")) {
            a->cpu = 1;
        } else {
            cli_unknown(&p);
        }
    }
    if (!p.failed && !a->model)
        cli_error(&p, "--model CHECKPOINT is required");
    if (!p.failed && a->cpu && a->device)
        cli_error(&p, "--cpu and --device exclude each other");
    return !p.failed;
}

static int fail(const char *prefix)
{
    fprintf(stderr, "clcnn eval: %s%s\n", prefix, clcnn_last_error());
    return 1;
}

static int evaluate(const eval_args *a, const clcnn_checkpoint *k, clcnn_backend *be)
{
    const char *dir = a->data_dir ? a->data_dir : k->data_dir;
    if (!dir[0]) {
        fprintf(stderr, "clcnn eval: the checkpoint names no data folder: give --data\n");
        return 2;
    }
    /* a --data folder of another kind than the checkpoint's is detected */
    clcnn_data_format format = a->format != CLCNN_DATA_AUTO ? a->format
                               : a->data_dir               ? CLCNN_DATA_AUTO
                                                           : (clcnn_data_format)k->data_format;
    clcnn_dataset test;
    if (clcnn_train_data_load_test(dir, format, &k->spec, &test) != CLCNN_OK)
        return fail("");
    clcnn_net *net = NULL;
    clcnn_eval_result r;
    int status = 0;
    clcnn_tta tta = a->has_tta ? a->tta : k->config.tta;
    if (clcnn_checkpoint_create_net(k, be, a->batch, &net) != CLCNN_OK ||
        clcnn_evaluate_tta(net, k->mean, k->std, &test, k->config.loss, tta, &r) != CLCNN_OK) {
        status = fail("");
    } else {
        char device[600];
        cli_backend_describe(be, device, sizeof device);
        printf("checkpoint %s (iteration %ld) on %s, %s\n", a->model, k->iteration, dir, device);
        cli_print_eval(stdout, tta == CLCNN_TTA_FLIP ? "test (tta flip)" : "test", &r,
                       k->class_names);
        clcnn_eval_result_free(&r);
    }
    clcnn_net_destroy(net);
    clcnn_dataset_free(&test);
    return status;
}

int cmd_eval(int argc, char **argv)
{
    eval_args a;
    memset(&a, 0, sizeof a);
    a.batch = DEFAULT_BATCH;
    if (!parse_args(argc, argv, &a))
        return 2;
    if (a.help) {
        help();
        return 0;
    }
    clcnn_checkpoint k;
    if (clcnn_checkpoint_read(a.model, &k) != CLCNN_OK)
        return fail("--model: ");
    clcnn_backend *be = NULL;
    int status = 1;
    if (cli_open_backend("eval", a.cpu, a.device, &be))
        status = evaluate(&a, &k, be);
    clcnn_backend_destroy(be);
    clcnn_checkpoint_free(&k);
    return status;
}
