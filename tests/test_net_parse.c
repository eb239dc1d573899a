/* Model descriptions: the text parser (every malformed case with its line and
 * reason), presets against the shipped model files, shapes and parameter
 * counts of the presets, formatting back to text. No backend needed. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/net.h"
#include "test_env.h"
#include "test_files.h"

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

START_TEST(presets_equal_model_files)
{
    const char *const *names = clcnn_model_preset_names();
    int count = 0;
    for (int i = 0; names[i]; i++, count++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/host/nn/models/%s.txt", CLCNN_SOURCE_DIR, names[i]);
        clcnn_model_spec from_file, preset;
        ck_assert_msg(clcnn_model_spec_load(path, &from_file) == CLCNN_OK, "%s",
                      clcnn_last_error());
        ck_assert_int_eq(clcnn_model_spec_preset(names[i], &preset), CLCNN_OK);
        ck_assert_msg(clcnn_model_spec_equal(&from_file, &preset), "%s differs from preset %s",
                      path, names[i]);
    }
    /* 4 networks, the notebook's check net, 3 recipes, resnet20, resnet8 and
     * the residual check net */
    ck_assert_int_eq(count, 11);
}
END_TEST

static void assert_preset(const char *name, size_t params, int n_layers, clcnn_shape first,
                          clcnn_shape last_hidden_pool)
{
    clcnn_model_spec spec;
    ck_assert_int_eq(clcnn_model_spec_preset(name, &spec), CLCNN_OK);
    ck_assert_int_eq(spec.n_layers, n_layers);
    ck_assert_uint_eq(clcnn_model_spec_param_count(&spec), params);
    clcnn_shape shapes[CLCNN_MAX_LAYERS];
    ck_assert_int_eq(clcnn_model_spec_shapes(&spec, shapes), CLCNN_OK);
    ck_assert_int_eq(shapes[0].c, first.c);
    ck_assert_int_eq(shapes[0].h, first.h);
    ck_assert_int_eq(shapes[0].w, first.w);
    /* the input of the first fc layer */
    int fc = 0;
    while (spec.layers[fc].kind != CLCNN_LAYER_FC)
        fc++;
    ck_assert_int_eq(shapes[fc - 1].c, last_hidden_pool.c);
    ck_assert_int_eq(shapes[fc - 1].h, last_hidden_pool.h);
    ck_assert_int_eq(shapes[fc - 1].w, last_hidden_pool.w);
    ck_assert_int_eq(shapes[n_layers - 1].c, 10);
    ck_assert_int_eq(shapes[n_layers - 1].h, 1);
    ck_assert_int_eq(shapes[n_layers - 1].w, 1);
}

START_TEST(preset_shapes_and_parameter_counts)
{
    /* cifar: conv1 32*3*25 = 2400, bn1 2*32 = 64, conv2 64*32*25 = 51200,
     * bn2 128, conv3 128*64*25 = 204800, bn3 256, fc1 (128*4*4 = 2048)*256 =
     * 524288 (no bias), bn4 512, fc2 256*10 + 10 = 2570: 786218 in all. */
    assert_preset("cifar", 786218, 17, clcnn_shape_make(1, 32, 32, 32),
                  clcnn_shape_make(1, 128, 4, 4));
    /* lenet: conv1 6*25+6 = 156, conv2 16*6*25+16 = 2416, fc1 400*120+120 =
     * 48120, fc2 120*84+84 = 10164, fc3 84*10+10 = 850: 61706. */
    assert_preset("lenet", 61706, 11, clcnn_shape_make(1, 6, 28, 28),
                  clcnn_shape_make(1, 16, 5, 5));
    /* small: conv1 10*3*25+10 = 760, conv2 20*10*25+20 = 5020, fc1
     * 1280*100+100 = 128100, fc2 100*10+10 = 1010: 134890. */
    assert_preset("small", 134890, 9, clcnn_shape_make(1, 10, 32, 32),
                  clcnn_shape_make(1, 20, 8, 8));
    /* gradcheck: convs 2*3*25 + 3*2*25 + 4*3*25 = 600, their bn 2*(2+3+4) =
     * 18, fc 64*20 = 1280 and 20*10 = 200, their bn 40 + 20: 2158. */
    assert_preset("gradcheck", 2158, 17, clcnn_shape_make(1, 2, 32, 32),
                  clcnn_shape_make(1, 4, 4, 4));
}
END_TEST

START_TEST(parses_every_layer_and_option)
{
    const char *text = "# all the syntax\n"
                       "  input 2 9 8   # trailing comment\n"
                       "conv 6 5x3 pad=2x1 stride=2 bias=0 init=xavier\n"
                       "batchnorm momentum=0.2 eps=1e-3\n"
                       "leakyrelu alpha=0.1\n"
                       "\n"
                       "maxpool 3 stride=1 pad=1\n"
                       "avgpool 2x1\n"
                       "sigmoid\n"
                       "relu\n"
                       "dropout 0.25\n"
                       "fc 7 init=he\n";
    clcnn_model_spec s;
    ck_assert_msg(clcnn_model_spec_parse(text, "all.txt", &s) == CLCNN_OK, "%s", clcnn_last_error());
    ck_assert_int_eq(s.c, 2);
    ck_assert_int_eq(s.h, 9);
    ck_assert_int_eq(s.w, 8);
    ck_assert_int_eq(s.input_line, 2);
    ck_assert_int_eq(s.n_layers, 9);
    const clcnn_layer_spec *conv = &s.layers[0];
    ck_assert_int_eq(conv->kind, CLCNN_LAYER_CONV);
    ck_assert_int_eq(conv->line, 3);
    ck_assert_int_eq(conv->outputs, 6);
    ck_assert_int_eq(conv->kh, 5);
    ck_assert_int_eq(conv->kw, 3);
    ck_assert_int_eq(conv->ph, 2);
    ck_assert_int_eq(conv->pw, 1);
    ck_assert_int_eq(conv->sh, 2);
    ck_assert_int_eq(conv->sw, 2);
    ck_assert_int_eq(conv->bias, 0);
    ck_assert_int_eq(conv->init, CLCNN_INIT_XAVIER);
    ck_assert_float_eq(s.layers[1].momentum, 0.2f);
    ck_assert_float_eq(s.layers[1].eps, 1e-3f);
    ck_assert_float_eq(s.layers[2].alpha, 0.1f);
    ck_assert_int_eq(s.layers[3].kind, CLCNN_LAYER_MAXPOOL);
    ck_assert_int_eq(s.layers[3].sh, 1); /* stride given */
    ck_assert_int_eq(s.layers[3].ph, 1);
    ck_assert_int_eq(s.layers[4].kind, CLCNN_LAYER_AVGPOOL);
    ck_assert_int_eq(s.layers[4].sh, 2); /* stride defaults to the window */
    ck_assert_int_eq(s.layers[4].sw, 1);
    ck_assert_int_eq(s.layers[5].kind, CLCNN_LAYER_SIGMOID);
    ck_assert_int_eq(s.layers[6].kind, CLCNN_LAYER_RELU);
    ck_assert_float_eq(s.layers[7].p, 0.25f);
    ck_assert_int_eq(s.layers[8].outputs, 7);
    ck_assert_int_eq(s.layers[8].bias, 1); /* default */
    ck_assert_int_eq(s.layers[8].init, CLCNN_INIT_HE);
    ck_assert_int_eq(s.layers[8].kind, CLCNN_LAYER_FC);
    ck_assert_int_eq(s.layers[8].line, 12);

    clcnn_shape shapes[CLCNN_MAX_LAYERS];
    ck_assert_int_eq(clcnn_model_spec_shapes(&s, shapes), CLCNN_OK);
    /* conv: (9 + 4 - 5)/2 + 1 = 5, (8 + 2 - 3)/2 + 1 = 4 */
    ck_assert_int_eq(shapes[0].h, 5);
    ck_assert_int_eq(shapes[0].w, 4);
    /* maxpool 3 stride 1 pad 1 keeps 5x4; avgpool 2x1 -> 2x4 */
    ck_assert_int_eq(shapes[3].h, 5);
    ck_assert_int_eq(shapes[4].h, 2);
    ck_assert_int_eq(shapes[4].w, 4);
}
END_TEST

START_TEST(stops_at_a_section_header)
{
    const char *text = "input 1 4 4\nfc 3\n\n[train]\nthis is not a layer\n";
    clcnn_model_spec s;
    ck_assert_msg(clcnn_model_spec_parse(text, "t.txt", &s) == CLCNN_OK, "%s", clcnn_last_error());
    ck_assert_int_eq(s.n_layers, 1);
    ck_assert_int_eq(s.section_line, 4);
}
END_TEST

START_TEST(format_parses_back_to_the_same_spec)
{
    const char *const *names = clcnn_model_preset_names();
    for (int i = 0; names[i]; i++) {
        clcnn_model_spec a, b;
        char text[8192];
        ck_assert_int_eq(clcnn_model_spec_preset(names[i], &a), CLCNN_OK);
        ck_assert_uint_lt(clcnn_model_spec_format(&a, text, sizeof text), sizeof text);
        ck_assert_msg(clcnn_model_spec_parse(text, "formatted", &b) == CLCNN_OK, "%s",
                      clcnn_last_error());
        ck_assert(clcnn_model_spec_equal(&a, &b));
    }
    clcnn_model_spec odd, back;
    char text[1024];
    ck_assert_int_eq(clcnn_model_spec_parse("input 1 5 5\nbatchnorm momentum=0.3 eps=2e-7\n"
                                            "leakyrelu alpha=0.123456789\ndropout 0.1\nfc 2\n",
                                            "odd", &odd), CLCNN_OK);
    clcnn_model_spec_format(&odd, text, sizeof text);
    ck_assert_int_eq(clcnn_model_spec_parse(text, "odd formatted", &back), CLCNN_OK);
    ck_assert(clcnn_model_spec_equal(&odd, &back));
    ck_assert_ptr_nonnull(strstr(text, "momentum=0.3 eps=2e-07")); /* shortest exact form */
}
END_TEST

/* One statement per layer kind with settings off their defaults, and the
 * same kind with its defaults (NULL: a kind without settings). A new kind
 * adds its line here; the test fails until it does. */
static const struct {
    const char *sample, *plain;
} kind_samples[] = {
    {"conv 3 3x2 pad=1x0 stride=2x1 bias=0 init=normal:0.25", "conv 3 3x2"},
    {"fc 5 bias=0 init=xavier", "fc 5"},
    {"maxpool 2 stride=1 pad=1", "maxpool 2"},
    {"avgpool 3x2 stride=2 pad=1x0", "avgpool 3x2"},
    {"batchnorm per=activation momentum=0.3 eps=1e-4", "batchnorm"},
    {"relu", NULL},
    {"leakyrelu alpha=0.2", "leakyrelu"},
    {"sigmoid", NULL},
    {"dropout 0.3", "dropout 0.5"},
    {"groupnorm 2 eps=1e-3", "groupnorm 4"},
    {"layernorm eps=1e-4", "layernorm"},
    {"add input", NULL}, /* x + x: the input is the first summand */
};

/* The sample of the kind with keyword name, or -1. */
static int kind_sample(const char *name)
{
    size_t len = strlen(name);
    for (int i = 0; i < (int)(sizeof kind_samples / sizeof kind_samples[0]); i++)
        if (strncmp(kind_samples[i].sample, name, len) == 0 &&
            (kind_samples[i].sample[len] == ' ' || kind_samples[i].sample[len] == '\0'))
            return i;
    return -1;
}

static void parse_one_layer(const char *statement, clcnn_model_spec *spec)
{
    char text[256];
    snprintf(text, sizeof text, "input 4 6 6\n%s\nfc 2\n", statement);
    ck_assert_msg(clcnn_model_spec_parse(text, "kind", spec) == CLCNN_OK, "%s",
                  clcnn_last_error());
}

/* Every kind of the table has its own keyword, parses from its statement,
 * writes back to text that parses to an equal spec, and is unequal to the
 * same kind with its defaults (equality looks at its settings). */
START_TEST(every_layer_kind_parses_and_formats_back)
{
    ck_assert_ptr_null(clcnn_layer_kind_name(CLCNN_LAYER_KIND_COUNT));
    for (int k = 0; k < CLCNN_LAYER_KIND_COUNT; k++) {
        const char *name = clcnn_layer_kind_name((clcnn_layer_kind)k);
        ck_assert_ptr_nonnull(name);
        for (int j = 0; j < k; j++)
            ck_assert_str_ne(name, clcnn_layer_kind_name((clcnn_layer_kind)j));
        int i = kind_sample(name);
        ck_assert_msg(i >= 0, "no sample statement for layer kind '%s'", name);
        clcnn_model_spec a, b;
        char formatted[512];
        parse_one_layer(kind_samples[i].sample, &a);
        ck_assert_int_eq(a.layers[0].kind, k);
        clcnn_model_spec_format(&a, formatted, sizeof formatted);
        ck_assert_msg(clcnn_model_spec_parse(formatted, "formatted", &b) == CLCNN_OK, "%s",
                      clcnn_last_error());
        ck_assert_msg(clcnn_model_spec_equal(&a, &b), "%s", formatted);
        if (kind_samples[i].plain) {
            parse_one_layer(kind_samples[i].plain, &b);
            ck_assert_msg(!clcnn_model_spec_equal(&a, &b), "%s", kind_samples[i].plain);
        }
    }
}
END_TEST

/* Layer names: a prefix per kind, counted per kind, the same as in the
 * network's parameter names. */
START_TEST(layer_names_count_per_kind)
{
    clcnn_model_spec s;
    ck_assert_int_eq(clcnn_model_spec_parse("input 4 6 6\nconv 4 3\nbatchnorm\nrelu\nconv 4 1\n"
                                            "groupnorm 2\nlayernorm\nbatchnorm\nfc 2\n",
                                            "names", &s), CLCNN_OK);
    const char *expected[] = {"conv1", "bn1", "relu1", "conv2", "gn1", "ln1", "bn2", "fc1"};
    for (int i = 0; i < s.n_layers; i++) {
        char name[32];
        clcnn_model_spec_layer_name(&s, i, name, sizeof name);
        ck_assert_str_eq(name, expected[i]);
    }
}
END_TEST

START_TEST(summary_lists_layers_and_total)
{
    clcnn_model_spec s;
    char text[8192];
    ck_assert_int_eq(clcnn_model_spec_preset("cifar", &s), CLCNN_OK);
    ck_assert_uint_lt(clcnn_model_spec_summary(&s, text, sizeof text), sizeof text);
    ck_assert_ptr_nonnull(strstr(text, "total parameters: 786218"));
    ck_assert_ptr_nonnull(strstr(text, "128x4x4"));
    /* a too small buffer is truncated, and the full length still returned */
    char tiny[16];
    size_t full = clcnn_model_spec_summary(&s, tiny, sizeof tiny);
    ck_assert_uint_eq(full, strlen(text));
    ck_assert_uint_eq(strlen(tiny), sizeof tiny - 1);
}
END_TEST

/* A malformed model: the error must be CLCNN_ERR_FORMAT and read
 * "bad.txt:<line>: ..." with the reason in it. */
typedef struct bad_case {
    const char *text;
    int line;
    const char *reason;
} bad_case;

static const bad_case bad_cases[] = {
    {"input 3 8 8\nconv 4 3\nmaxpool 9\nfc 2\n", 3, "window 9x9 larger than its input 6x6"},
    {"input 3 8 8\nconv 4 3 pad=1\nmaxpool 2 pad=2\nfc 2\n", 3, "padding 2x2 must be smaller"},
    {"input 3 4 4\nconv 4 7\nfc 2\n", 2, "non-positive output size"},
    {"input 3 4 4\nconv 4 5x3 pad=0x1\nfc 2\n", 2, "non-positive output size"},
    {"input 3 8 8\nconvolution 4 3\nfc 2\n", 2, "unknown layer 'convolution'"},
    {"input 3 8 8\nconv 4\nfc 2\n", 2, "conv: missing value"},
    {"input 3 8 8\nfc\n", 2, "fc: missing value"},
    {"input 3 8 8\ndropout\nfc 2\n", 2, "dropout: missing value"},
    {"input 3 8\nfc 2\n", 1, "input: expected 3 values"},
    {"input 3 8 8\nconv four 3\nfc 2\n", 2, "bad number 'four' for filter count"},
    {"input 3 8 8\nconv 4 3x\nfc 2\n", 2, "bad number '' for kernel size"},
    {"input 3 8 8\nconv 0 3\nfc 2\n", 2, "bad number '0' for filter count"},
    {"input 3 8 8\nconv 4 3 stride=0\nfc 2\n", 2, "bad number '0' for stride"},
    {"input 3 8 8\nconv 4 3 bias=2\nfc 2\n", 2, "bad number '2' for bias"},
    {"input 3 8 8\nfc 2 init=lecun\n", 2, "bad value 'lecun' for init"},
    {"input 3 8 8\nfc 2\ndropout 1\n", 3, "bad number '1' for drop probability"},
    {"input 3 8 8\nbatchnorm momentum=abc\nfc 2\n", 2, "bad number 'abc' for momentum"},
    {"input 3 8 8\nbatchnorm eps=0\nfc 2\n", 2, "bad number '0' for eps"},
    {"input 3 8 8\nconv 4 3 padding=1\nfc 2\n", 2, "conv: unknown key 'padding'"},
    {"input 3 8 8\nrelu alpha=0.1\nfc 2\n", 2, "relu: unknown key 'alpha'"},
    {"input 3 8 8\nfc 2 stride=2\n", 2, "fc: unknown key 'stride'"},
    {"input 3 8 8\nconv 4 3 pad=\nfc 2\n", 2, "bad option"},
    {"input 3 8 8\nfc 2 3\n", 2, "fc: unexpected value '3'"},
    {"# nothing but a comment\n\n", 2, "no input line"},
    {"", 1, "no input line"},
    {"fc 2\ninput 3 8 8\n", 1, "layer before the input line"},
    {"input 3 8 8\ninput 3 8 8\nfc 2\n", 2, "second input line (the first is line 1)"},
    {"input 3 8 8\n", 1, "no layers"},
    {"input 3 8 8\nconv 4 3\nrelu\n", 3, "last layer produces 4x6x6, not a vector"},
    {"input 3 8 8\nfc 10\n[train]\n", 0, NULL}, /* valid: the section ends the layers */
};

START_TEST(rejects_malformed_models)
{
    const bad_case *c = &bad_cases[_i];
    clcnn_model_spec s;
    clcnn_clear_error();
    clcnn_status st = clcnn_model_spec_parse(c->text, "bad.txt", &s);
    if (!c->reason) {
        ck_assert_msg(st == CLCNN_OK, "%s", clcnn_last_error());
        return;
    }
    ck_assert_int_eq(st, CLCNN_ERR_FORMAT);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "bad.txt:%d: ", c->line);
    const char *msg = clcnn_last_error();
    ck_assert_msg(strncmp(msg, prefix, strlen(prefix)) == 0, "case %d: '%s' does not start with '%s'",
                  _i, msg, prefix);
    ck_assert_msg(strstr(msg, c->reason) != NULL, "case %d: '%s' lacks '%s'", _i, msg, c->reason);
}
END_TEST

START_TEST(file_errors_name_the_file)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", test_tmp_path("net_parse_bad.txt"));
    write_file(path, "input 1 4 4\n\nfc 2 bias=yes\n");
    clcnn_model_spec s;
    ck_assert_int_eq(clcnn_model_spec_load(path, &s), CLCNN_ERR_FORMAT);
    char prefix[4200];
    snprintf(prefix, sizeof prefix, "%s:3: fc: bad number 'yes' for bias", path);
    ck_assert_msg(strncmp(clcnn_last_error(), prefix, strlen(prefix)) == 0, "%s",
                  clcnn_last_error());
    ck_assert_int_eq(clcnn_model_spec_load(test_tmp_path("no_such_model.txt"), &s), CLCNN_ERR_IO);
    ck_assert_ptr_nonnull(strstr(clcnn_last_error(), "no_such_model.txt"));
    ck_assert_int_eq(clcnn_model_spec_resolve("no_such_preset_or_file", &s), CLCNN_ERR_IO);
    ck_assert_int_eq(clcnn_model_spec_preset("resnet", &s), CLCNN_ERR_ARG);
    /* resolve: a preset name, or else a path */
    ck_assert_int_eq(clcnn_model_spec_resolve("lenet", &s), CLCNN_OK);
    ck_assert_int_eq(s.c, 1);
    write_file(path, "input 2 4 4\nfc 2\n");
    ck_assert_int_eq(clcnn_model_spec_resolve(path, &s), CLCNN_OK);
    ck_assert_int_eq(s.c, 2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("net_parse");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, presets_equal_model_files);
    tcase_add_test(tc, preset_shapes_and_parameter_counts);
    tcase_add_test(tc, parses_every_layer_and_option);
    tcase_add_test(tc, stops_at_a_section_header);
    tcase_add_test(tc, format_parses_back_to_the_same_spec);
    tcase_add_test(tc, every_layer_kind_parses_and_formats_back);
    tcase_add_test(tc, layer_names_count_per_kind);
    tcase_add_test(tc, summary_lists_layers_and_total);
    tcase_add_loop_test(tc, rejects_malformed_models, 0,
                        (int)(sizeof bad_cases / sizeof bad_cases[0]));
    tcase_add_test(tc, file_errors_name_the_file);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
