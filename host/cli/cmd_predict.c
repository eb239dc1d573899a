/* clcnn predict: the top classes of PNG, JPEG, PPM and PGM images according
 * to a checkpoint. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/cache.h"
#include "clcnn/train.h"
#include "cli/cli_args.h"
#include "cli/cli_json.h"
#include "cli/commands.h"

#define TOP 3

static void help(void)
{
    printf("usage: clcnn predict --model CHECKPOINT [--device SPEC | --cpu] [--logits OUT] FILE...\n\n"
           "Prints the %d most probable classes, with softmax probabilities, for each PNG,\n"
           "JPEG, PPM (P3/P6) or PGM (P2/P5) image of any size (the kind is read from the\n"
           "file's first bytes). Each image is converted to the model's input channels\n"
           "(gray <-> RGB, alpha dropped), its shorter side resized (bilinear) to the\n"
           "model's input size and its center cropped, as for an image-folder data set;\n"
           "then normalized with the checkpoint's mean/std and run through the network in\n"
           "evaluation mode.\n\n"
           "  --model FILE   the checkpoint written by `clcnn train --save` (required)\n"
           "  --device SPEC  OpenCL device (index or name substring; default: $CLCNN_DEVICE,\n"
           "                 else the best one: see clcnn devices)\n"
           "  --cpu          run on the CPU reference backend\n"
           "  --logits OUT   also write each image's logits to OUT, JSON Lines:\n"
           "                 {\"file\": PATH, \"logits\": [...]} (written only when every\n"
           "                 image was read)\n",
           TOP);
}

/* Buffers for one image at a time. */
typedef struct predictor {
    const clcnn_checkpoint *ckpt;
    clcnn_net *net;
    clcnn_tensor image, input;
    int classes;
    float *logits;
    FILE *logits_out; /* --logits: lines collected in memory */
} predictor;

static clcnn_status predict_one(predictor *p, const char *path, double *prob)
{
    const clcnn_model_spec *s = &p->ckpt->spec;
    clcnn_backend *be = clcnn_net_backend(p->net);
    clcnn_image img;
    clcnn_status st = clcnn_image_load_for_input(path, s->c, s->h, s->w, &img);
    if (st != CLCNN_OK)
        return st;
    st = clcnn_tensor_upload(&p->image, 0, p->image.count, img.pixels);
    clcnn_image_free(&img);
    if (st == CLCNN_OK)
        st = be->ops->normalize_u8(be, &p->image, p->ckpt->mean, p->ckpt->std, &p->input);
    if (st == CLCNN_OK)
        st = clcnn_net_forward(p->net, &p->input, 1, 0, 0);
    if (st == CLCNN_OK)
        st = clcnn_tensor_download(clcnn_net_output(p->net), 0, (size_t)p->classes, p->logits);
    if (st != CLCNN_OK)
        return clcnn_fail_context(st, "%s: ", path);
    double max = p->logits[0], sum = 0; /* softmax, shifted by the maximum */
    for (int k = 1; k < p->classes; k++)
        if (p->logits[k] > max)
            max = p->logits[k];
    for (int k = 0; k < p->classes; k++)
        sum += prob[k] = exp(p->logits[k] - max);
    for (int k = 0; k < p->classes; k++)
        prob[k] /= sum;
    return CLCNN_OK;
}

static void print_top(const char *path, const double *prob, int classes, char *const *names)
{
    int used[TOP];
    printf("%s:", path);
    for (int t = 0; t < TOP && t < classes; t++) {
        int best = -1;
        for (int k = 0; k < classes; k++) {
            int taken = 0;
            for (int u = 0; u < t; u++)
                taken |= used[u] == k;
            if (!taken && (best < 0 || prob[k] > prob[best]))
                best = k;
        }
        used[t] = best;
        printf("%s %s %.2f%%", t ? "," : "", names[best][0] ? names[best] : "?", 100.0 * prob[best]);
    }
    printf("\n");
}

/* One JSON Lines record; 9 significant digits give back the float exactly. */
static void write_logits(FILE *out, const char *path, const float *logits, int classes)
{
    fprintf(out, "{\"file\": ");
    json_string(out, path);
    fprintf(out, ", \"logits\": [");
    for (int k = 0; k < classes; k++)
        fprintf(out, "%s%.9g", k ? ", " : "", (double)logits[k]);
    fprintf(out, "]}\n");
}

/* The logits collected in out (a memory stream over *text, *size) to path,
 * atomically. */
static int save_logits(FILE *out, char *const *text, const size_t *size, const char *path)
{
    if (fflush(out) != 0) { /* updates *text and *size */
        fprintf(stderr, "clcnn predict: --logits: out of memory\n");
        return 1;
    }
    if (clcnn_cache_write_atomic(path, *text, *size) != CLCNN_OK) {
        fprintf(stderr, "clcnn predict: --logits: %s\n", clcnn_last_error());
        return 1;
    }
    return 0;
}

static int run(const clcnn_checkpoint *k, clcnn_backend *be, char **files, int n_files,
               const char *logits_path)
{
    predictor p;
    memset(&p, 0, sizeof p);
    p.ckpt = k;
    p.classes = k->classes;
    const clcnn_model_spec *s = &k->spec;
    clcnn_shape shape = clcnn_shape_make(1, s->c, s->h, s->w);
    p.logits = malloc(sizeof(float) * (size_t)p.classes);
    double *prob = malloc(sizeof(double) * (size_t)p.classes);
    char *logits_text = NULL;
    size_t logits_size = 0;
    if (logits_path)
        p.logits_out = open_memstream(&logits_text, &logits_size);
    clcnn_status st = p.logits && prob && (!logits_path || p.logits_out)
                          ? CLCNN_OK
                          : clcnn_fail(CLCNN_ERR_NOMEM, "predict: out of memory");
    if (st == CLCNN_OK)
        st = clcnn_checkpoint_create_net(k, be, 1, &p.net);
    if (st == CLCNN_OK)
        st = clcnn_tensor_alloc(be, &p.image, shape, CLCNN_U8, "predict.image");
    if (st == CLCNN_OK)
        st = clcnn_tensor_alloc(be, &p.input, shape, CLCNN_REAL, "predict.input");
    int status = 0;
    for (int i = 0; st == CLCNN_OK && i < n_files; i++) {
        if (predict_one(&p, files[i], prob) == CLCNN_OK) {
            print_top(files[i], prob, p.classes, k->class_names);
            if (p.logits_out)
                write_logits(p.logits_out, files[i], p.logits, p.classes);
        } else { /* report, go on with the other files, exit 1 at the end */
            fprintf(stderr, "clcnn predict: %s\n", clcnn_last_error());
            status = 1;
        }
    }
    if (st != CLCNN_OK) {
        fprintf(stderr, "clcnn predict: %s\n", clcnn_last_error());
        status = 1;
    }
    if (status == 0 && p.logits_out)
        status = save_logits(p.logits_out, &logits_text, &logits_size, logits_path);
    if (p.logits_out)
        fclose(p.logits_out);
    free(logits_text);
    clcnn_tensor_free(&p.image);
    clcnn_tensor_free(&p.input);
    clcnn_net_destroy(p.net);
    free(p.logits);
    free(prob);
    return status;
}

int cmd_predict(int argc, char **argv)
{
    const char *model = NULL, *device = NULL, *logits = NULL;
    int cpu = 0, n_files = 0;
    char **files = calloc((size_t)argc, sizeof *files);
    cli_parser p;
    cli_parser_init(&p, "predict", argc, argv);
    while (files && cli_more(&p)) {
        const char *v;
        if (cli_flag(&p, "--help") || cli_flag(&p, "-h")) {
            help();
            free(files);
            return 0;
        } else if (cli_option(&p, "--model", &v)) {
            model = v;
        } else if (cli_option(&p, "--device", &v)) {
            device = v;
        } else if (cli_flag(&p, "--cpu")) {
            cpu = 1;
        } else if (cli_option(&p, "--logits", &v)) {
            logits = v;
        } else if (cli_positional(&p, &v)) {
            files[n_files++] = (char *)v;
        } else {
            cli_unknown(&p);
        }
    }
    if (!p.failed && !model)
        cli_error(&p, "--model CHECKPOINT is required");
    if (!p.failed && n_files == 0)
        cli_error(&p, "no image files given");
    if (!p.failed && cpu && device)
        cli_error(&p, "--cpu and --device exclude each other");
    if (!p.failed && logits)
        cli_output_path(&p, "--logits", logits);
    if (p.failed || !files) {
        free(files);
        return 2;
    }
    clcnn_checkpoint k;
    int status = 1;
    if (clcnn_checkpoint_read(model, &k) != CLCNN_OK) {
        fprintf(stderr, "clcnn predict: --model: %s\n", clcnn_last_error());
    } else {
        clcnn_backend *be = NULL;
        if (cli_open_backend("predict", cpu, device, &be))
            status = run(&k, be, files, n_files, logits);
        clcnn_backend_destroy(be);
        clcnn_checkpoint_free(&k);
    }
    free(files);
    return status;
}
