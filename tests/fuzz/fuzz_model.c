/* libFuzzer target: the model-file parser and its [train] recipe section.
 * Input: the text. A spec that parses must format back to text that parses
 * to an equal spec (clcnn/net.h promises it), and its summary must fit. */
#include <stdlib.h>
#include <string.h>

#include "clcnn/net.h"
#include "clcnn/train.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    clcnn_model_spec spec, again;
    if (clcnn_model_spec_parse(text, "fuzz.txt", &spec) == CLCNN_OK) {
        size_t n = clcnn_model_spec_format(&spec, NULL, 0);
        char *formatted = malloc(n + 1);
        if (formatted) {
            clcnn_model_spec_format(&spec, formatted, n + 1);
            if (clcnn_model_spec_parse(formatted, "formatted", &again) != CLCNN_OK ||
                !clcnn_model_spec_equal(&spec, &again))
                __builtin_trap();
            free(formatted);
        }
        char summary[8192];
        clcnn_model_spec_summary(&spec, summary, sizeof summary);
        (void)clcnn_model_spec_param_count(&spec);
    }
    clcnn_train_config base = clcnn_train_config_default();
    clcnn_recipe recipe;
    if (clcnn_recipe_parse(text, "fuzz.txt", &base, &recipe) == CLCNN_OK &&
        clcnn_train_config_validate(&recipe.cfg) != CLCNN_OK)
        __builtin_trap(); /* a recipe that parses must be a valid config */
    free(text);
    return 0;
}
