/* Model files as graphs: names, from= and add, global pooling, the residual
 * presets (resnet20's parameter count against the paper's architecture
 * counted here by hand), the text form of a graph, and the gradient of a
 * residual net with both shortcut kinds in double precision. (The parser's
 * rejections go through the tool: tests/test_badinput_files.c.) */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "clcnn/net.h"
#include "test_files.h"

static void parse(const char *text, clcnn_model_spec *spec)
{
    ck_assert_msg(clcnn_model_spec_parse(text, "graph", spec) == CLCNN_OK, "%s",
                  clcnn_last_error());
}

/* Parameters of a 3x3 (or 1x1) conv without bias plus its batchnorm. */
static size_t conv_bn(int in, int out, int k) { return (size_t)in * out * k * k + 2u * out; }

/* He et al. 2015, section 4.2, counted from the description: a 3x3 conv with
 * 16 filters, 3 stages of n basic blocks (two 3x3 convs) of 16, 32 and 64
 * filters, option-B projections (1x1 conv + batchnorm) where the width
 * doubles, fc 64 -> 10 with bias. */
static size_t resnet_params(int n)
{
    size_t total = conv_bn(3, 16, 3);
    int width[3] = {16, 32, 64}, in = 16;
    for (int s = 0; s < 3; s++)
        for (int b = 0; b < n; b++) {
            total += conv_bn(in, width[s], 3) + conv_bn(width[s], width[s], 3);
            if (in != width[s])
                total += conv_bn(in, width[s], 1);
            in = width[s];
        }
    return total + 64 * 10 + 10;
}

START_TEST(resnet_presets_have_the_papers_parameter_count)
{
    clcnn_model_spec spec;
    ck_assert_int_eq(clcnn_model_spec_preset("resnet20", &spec), CLCNN_OK);
    ck_assert_uint_eq(clcnn_model_spec_param_count(&spec), resnet_params(3));
    /* the paper's "0.27M" */
    ck_assert_uint_ge(resnet_params(3), 265000);
    ck_assert_uint_lt(resnet_params(3), 275000);
    int convs = 0;
    for (int i = 0; i < spec.n_layers; i++)
        convs += spec.layers[i].kind == CLCNN_LAYER_CONV && spec.layers[i].kh == 3;
    ck_assert_int_eq(convs + 1, 20); /* 19 3x3 convolutions and the fc layer */
    clcnn_shape shapes[CLCNN_MAX_LAYERS];
    ck_assert_int_eq(clcnn_model_spec_shapes(&spec, shapes), CLCNN_OK);
    clcnn_shape pooled = shapes[spec.n_layers - 2];
    ck_assert_int_eq(pooled.c, 64);
    ck_assert_int_eq(pooled.h * pooled.w, 1);

    ck_assert_int_eq(clcnn_model_spec_preset("resnet8", &spec), CLCNN_OK);
    ck_assert_uint_eq(clcnn_model_spec_param_count(&spec), resnet_params(1));
    ck_assert_int_eq(clcnn_model_spec_preset("gradcheck-residual", &spec), CLCNN_OK);
    int identity = 0, projection = 0;
    for (int i = 0; i < spec.n_layers; i++)
        if (spec.layers[i].kind == CLCNN_LAYER_ADD) {
            int j = clcnn_model_spec_source(&spec, i, 1);
            if (spec.layers[j].kind == CLCNN_LAYER_RELU)
                identity++;
            else
                projection += spec.layers[clcnn_model_spec_source(&spec, i, 0) - 1].kh == 1;
        }
    ck_assert_int_eq(identity, 1);
    ck_assert_int_eq(projection, 1);
}
END_TEST

START_TEST(sources_shapes_and_format)
{
    clcnn_model_spec s, back;
    parse("input 2 6 6\n"
          "conv 4 3 pad=1 name=a\n"
          "relu name=r\n"
          "conv 4 3 pad=1 from=a\n"
          "add r a\n"
          "avgpool global\n"
          "fc 3\n",
          &s);
    ck_assert_int_eq(clcnn_model_spec_source(&s, 0, 0), -1);
    ck_assert_int_eq(clcnn_model_spec_source(&s, 2, 0), 0);
    ck_assert_int_eq(clcnn_model_spec_source(&s, 3, 0), 2); /* the layer before */
    ck_assert_int_eq(clcnn_model_spec_source(&s, 3, 1), 1);
    ck_assert_int_eq(clcnn_model_spec_source(&s, 3, 2), 0);
    clcnn_shape shapes[CLCNN_MAX_LAYERS];
    ck_assert_int_eq(clcnn_model_spec_shapes(&s, shapes), CLCNN_OK);
    ck_assert_int_eq(shapes[4].c, 4);
    ck_assert_int_eq(shapes[4].h, 1);
    ck_assert_int_eq(shapes[4].w, 1);
    /* conv 2->4 and 4->4 with biases, fc 4->3 */
    ck_assert_uint_eq(clcnn_model_spec_param_count(&s), (4 * 2 * 9 + 4) + (4 * 4 * 9 + 4) +
                                                          (4 * 3 + 3));

    char text[2048];
    clcnn_model_spec_format(&s, text, sizeof text);
    ck_assert_ptr_nonnull(strstr(text, "add r a\n"));
    ck_assert_ptr_nonnull(strstr(text, "avgpool global\n"));
    ck_assert_ptr_nonnull(strstr(text, "from=a\n"));
    parse(text, &back);
    ck_assert(clcnn_model_spec_equal(&s, &back));

    /* the same layers with another wiring are another network */
    parse("input 2 6 6\n"
          "conv 4 3 pad=1 name=a\n"
          "relu name=r\n"
          "conv 4 3 pad=1\n"
          "add r a\n"
          "avgpool global\n"
          "fc 3\n",
          &back);
    ck_assert(!clcnn_model_spec_equal(&s, &back));
}
END_TEST

/* A gradient check at <= 1e-7 per tensor, with both shortcut kinds, and a
 * stem whose output feeds two layers (its gradient is a sum). */
START_TEST(residual_gradients_in_double_precision)
{
    clcnn_model_spec spec;
    ck_assert_int_eq(clcnn_model_spec_preset("gradcheck-residual", &spec), CLCNN_OK);
    const clcnn_loss_kind losses[] = {CLCNN_LOSS_SOFTMAX, CLCNN_LOSS_SVM, CLCNN_LOSS_BCE};
    for (int i = 0; i < 3; i++) {
        clcnn_gradcheck_result r;
        ck_assert_msg(clcnn_gradcheck(&spec, losses[i], 0.0f, 8, 1, &r) == CLCNN_OK, "%s",
                      clcnn_last_error());
        ck_assert_msg(r.max_rel_err <= 1e-7, "loss %d: %s %g", i, r.worst_tensor, r.max_rel_err);
        ck_assert_int_eq(r.n_tensors, 20);
        for (int t = 0; t < r.n_tensors; t++)
            ck_assert_msg(!r.tensors[t].vanishing, "%s", r.tensors[t].name);
    }
}
END_TEST

/* The last layer an add whose summands meet again: each fc output gets the
 * logits' gradient twice, first by sharing the caller's dlogits (which must
 * never be written) and then summed into a buffer of its own. */
START_TEST(gradients_meet_at_the_logits)
{
    clcnn_model_spec spec;
    parse("input 2 4 4\n"
          "conv 3 3 pad=1 name=c\n"
          "relu\n"
          "fc 10 name=f1\n"
          "fc 10 from=c name=f2\n"
          "add f1\n"
          "add f2 f1\n",
          &spec);
    clcnn_gradcheck_result r;
    ck_assert_msg(clcnn_gradcheck(&spec, CLCNN_LOSS_SOFTMAX, 0.0f, 4, 2, &r) == CLCNN_OK, "%s",
                  clcnn_last_error());
    ck_assert_msg(r.max_rel_err <= 1e-7, "%s %g", r.worst_tensor, r.max_rel_err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("net_graph");
    TCase *tc = tcase_create("graph");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, resnet_presets_have_the_papers_parameter_count);
    tcase_add_test(tc, sources_shapes_and_format);
    tcase_add_test(tc, residual_gradients_in_double_precision);
    tcase_add_test(tc, gradients_meet_at_the_logits);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
