/* The built-in model presets. The same text ships as models/<name>.txt;
 * tests/test_net_parse.c checks that each file parses to the same spec. */
#include <string.h>

#include "clcnn/net.h"

static const char cifar_text[] =
    "input 3 32 32\n"
    "conv 32 5 pad=2 bias=0\n"
    "batchnorm\n"
    "relu\n"
    "maxpool 2\n"
    "conv 64 5 pad=2 bias=0\n"
    "batchnorm\n"
    "relu\n"
    "maxpool 2\n"
    "conv 128 5 pad=2 bias=0\n"
    "batchnorm\n"
    "relu\n"
    "maxpool 2\n"
    "fc 256 bias=0\n"
    "batchnorm\n"
    "relu\n"
    "dropout 0.5\n"
    "fc 10\n"
    ;

static const char lenet_text[] =
    "input 1 32 32\n"
    "conv 6 5\n"
    "relu\n"
    "maxpool 2\n"
    "conv 16 5\n"
    "relu\n"
    "maxpool 2\n"
    "fc 120\n"
    "relu\n"
    "fc 84\n"
    "relu\n"
    "fc 10\n"
    ;

static const char small_text[] =
    "input 3 32 32\n"
    "conv 10 5 pad=2\n"
    "relu\n"
    "maxpool 2\n"
    "conv 20 5 pad=2\n"
    "relu\n"
    "maxpool 2\n"
    "fc 100\n"
    "relu\n"
    "fc 10\n"
    ;

static const char gradcheck_text[] =
    "input 3 32 32\n"
    "conv 2 5 pad=2 bias=0\n"
    "batchnorm\n"
    "relu\n"
    "maxpool 2\n"
    "conv 3 5 pad=2 bias=0\n"
    "batchnorm\n"
    "relu\n"
    "maxpool 2\n"
    "conv 4 5 pad=2 bias=0\n"
    "batchnorm\n"
    "relu\n"
    "maxpool 2\n"
    "fc 20 bias=0\n"
    "batchnorm\n"
    "relu\n"
    "fc 10 bias=0\n"
    "batchnorm\n"
    ;

static const char *const preset_names[] = {"cifar", "lenet", "small", "gradcheck", NULL};
static const char *const preset_texts[] = {cifar_text, lenet_text, small_text, gradcheck_text};

const char *const *clcnn_model_preset_names(void) { return preset_names; }

const char *clcnn_model_preset_text(const char *name)
{
    for (int i = 0; preset_names[i]; i++)
        if (strcmp(preset_names[i], name) == 0)
            return preset_texts[i];
    return NULL;
}

clcnn_status clcnn_model_spec_preset(const char *name, clcnn_model_spec *spec)
{
    const char *text = clcnn_model_preset_text(name);
    if (!text)
        return clcnn_fail(CLCNN_ERR_ARG,
                          "model preset '%s': unknown (presets: cifar, lenet, small, gradcheck)",
                          name);
    return clcnn_model_spec_parse(text, name, spec);
}
