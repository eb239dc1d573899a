/* clcnn: the command-line tool. Dispatches to one file per command. */
#include <stdio.h>
#include <string.h>

#include "clcnn/check.h"
#include "clcnn/device.h"
#include "cli/commands.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"devices", cmd_devices, "list OpenCL platforms and devices, marking the default"},
    {"check", cmd_check, "check a device's ops and a training step against the CPU reference"},
    {"train", cmd_train, "train a network (CIFAR-10/100, Fashion-MNIST) on a device or --cpu"},
    {"eval", cmd_eval, "test loss, accuracy and confusion matrix of a checkpoint"},
    {"predict", cmd_predict, "top-3 classes of PPM/PGM images with a checkpoint"},
    {"export", cmd_export, "write a checkpoint's network as an ONNX model"},
    {"plot", cmd_plot, "draw training curves of JSON Lines logs as an SVG picture"},
    {"bench", cmd_bench, "time the CPU reference against an OpenCL device, per op and end to end"},
    {"tune", cmd_tune, "tune CLBlast's GEMM kernels for a device and a network's shapes"},
    {"gradcheck", cmd_gradcheck, "check gradients against finite differences (double precision)"},
};
static const int command_count = (int)(sizeof commands / sizeof commands[0]);

static void usage(FILE *out)
{
    fprintf(out, "clcnn %s — train convolutional networks on any OpenCL device\n\n"
                 "usage: clcnn COMMAND [OPTIONS]\n       clcnn COMMAND --help\n\ncommands:\n",
            CLCNN_VERSION);
    for (int i = 0; i < command_count; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nenvironment:\n"
                 "  CLCNN_DEVICE      default device spec (index or name substring)\n"
                 "  CLCNN_KERNEL_DIR  load the .cl kernels from this folder instead of the embedded copy\n"
                 "  CLCNN_CACHE_DIR   kernel cache folder (default ~/.cache/clcnn; empty disables it)\n"
                 "  CLCNN_DEVICE_SHAPE  gpu or cpu: the kernel shape on every device (default: the\n"
                 "                    device type's; gpu runs the GPU paths on any device)\n");
}

int main(int argc, char **argv)
{
    /* A device whose last check failed is never the default device. */
    clcnn_device_set_failed_lookup(clcnn_check_record_failed);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("clcnn %s\n", CLCNN_VERSION);
        return 0;
    }
    for (int i = 0; i < command_count; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "clcnn: unknown command '%s' (see clcnn --help)\n", argv[1]);
    return 2;
}
