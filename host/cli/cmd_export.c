/* clcnn export: a checkpoint's network as an ONNX model. */
#include <stdio.h>

#include "clcnn/export.h"
#include "cli/cli_args.h"
#include "cli/commands.h"

static void help(void)
{
    printf("usage: clcnn export --model CHECKPOINT -o FILE.onnx\n\n"
           "Writes the trained network as an ONNX model (opset 13) for other runtimes\n"
           "(OpenCV's DNN module, ONNX Runtime, ...). The model takes raw pixel values\n"
           "as floats in 0..255, N x C x H x W (channels RGB or gray, as clcnn reads\n"
           "them); the checkpoint's input normalization is part of the graph. Outputs:\n"
           "\"logits\" (N x classes, evaluation mode: batchnorm running statistics, no\n"
           "dropout) and \"probabilities\" (softmax, or sigmoid for a network trained with\n"
           "--loss bce). Metadata: class_names (one a line), loss, clcnn_model.\n"
           "The file is written atomically; a network with a layer that cannot be\n"
           "exported fails naming it and writes nothing.\n\n"
           "  --model FILE       the checkpoint written by `clcnn train --save` (required)\n"
           "  -o, --output FILE  the ONNX file to write (required)\n");
}

int cmd_export(int argc, char **argv)
{
    const char *model = NULL, *output = NULL;
    cli_parser p;
    cli_parser_init(&p, "export", argc, argv);
    while (cli_more(&p)) {
        const char *v;
        if (cli_flag(&p, "--help") || cli_flag(&p, "-h")) {
            help();
            return 0;
        } else if (cli_option(&p, "--model", &v)) {
            model = v;
        } else if (cli_option(&p, "--output", &v) || cli_option(&p, "-o", &v)) {
            output = v;
        } else {
            cli_unknown(&p);
        }
    }
    if (!p.failed && !model)
        cli_error(&p, "--model CHECKPOINT is required");
    if (!p.failed && !output)
        cli_error(&p, "-o FILE is required");
    if (!p.failed)
        cli_output_path(&p, "-o", output);
    if (p.failed)
        return 2;
    clcnn_checkpoint k;
    if (clcnn_checkpoint_read(model, &k) != CLCNN_OK) {
        fprintf(stderr, "clcnn export: --model: %s\n", clcnn_last_error());
        return 1;
    }
    int status = 0;
    if (clcnn_export_onnx(&k, output) != CLCNN_OK) {
        fprintf(stderr, "clcnn export: %s\n", clcnn_last_error());
        status = 1;
    }
    clcnn_checkpoint_free(&k);
    return status;
}
