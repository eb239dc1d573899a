/* The GEMM plan of a convolution (core/conv_plan.h): the padded sizes and
 * chunks the README states for the CIFAR network, and the three users of
 * the plan (the conv layer, `clcnn tune`'s shapes, the bench) reading the
 * same GEMMs from it. No device needed. */
#include <check.h>
#include <stdlib.h>

#include "cl/cl_tune.h"
#include "clcnn/device.h"
#include "core/conv_plan.h"
#include "nn/net_internal.h"
#include "test_env.h"
#include "test_files.h"

/* A conv layer of the cifar preset on the OpenCL backend's GEMM multiples. */
static clcnn_conv_plan cl_plan(int filters, int c, int size, size_t budget, int batch)
{
    return clcnn_conv_plan_make(filters, c, 5, 5, size, size, CLCNN_CL_GEMM_MULTIPLE_MK,
                                CLCNN_CL_GEMM_MULTIPLE_N, sizeof(float), budget, batch);
}

START_TEST(pads_and_chunks_as_the_readme_says)
{
    /* conv1: 3 x 5 x 5 = 75, padded to 96 as the forward k, to 128 as the
     * weight gradient's n; 32 x 32 positions */
    clcnn_conv_plan p = cl_plan(32, 3, 32, CLCNN_DEFAULT_COL_BUDGET, 128);
    ck_assert_int_eq(p.ckk, 75);
    ck_assert_int_eq(p.col_rows, 96);
    ck_assert_int_eq(p.colt_row_len, 128);
    ck_assert_uint_eq(p.col_per_image, 128 * 1024);
    ck_assert_uint_eq(p.cnp_per_image, 32 * 1024);
    ck_assert_int_eq(p.chunk, 128); /* 128 images of 512 KiB fit 256 MiB */
    ck_assert_int_eq(p.full_chunks, 1);
    ck_assert_int_eq(p.rest, 0);
    clcnn_conv_gemm g = clcnn_conv_plan_gemm(&p, CLCNN_CONV_GEMM_FORWARD, 128);
    ck_assert(g.trans_a == 0 && g.trans_b == 0 && g.m == 32 && g.n == 131072 && g.k == 96);
    g = clcnn_conv_plan_gemm(&p, CLCNN_CONV_GEMM_WEIGHT_GRAD, 128);
    ck_assert(g.trans_a == 0 && g.trans_b == 0 && g.m == 32 && g.n == 128 && g.k == 131072);
    g = clcnn_conv_plan_gemm(&p, CLCNN_CONV_GEMM_INPUT_GRAD, 128);
    ck_assert(g.trans_a == 1 && g.trans_b == 0 && g.m == 96 && g.n == 131072 && g.k == 32);

    /* conv2: 32 x 5 x 5 = 800, already a multiple of 32, padded to 832 as n;
     * a budget of 5 images of its 832 x 256 floats: 25 chunks of 5 and one of 3 */
    p = cl_plan(64, 32, 16, (size_t)5 * 832 * 256 * 4 + 100, 128);
    ck_assert_int_eq(p.col_rows, 800);
    ck_assert_int_eq(p.colt_row_len, 832);
    ck_assert_int_eq(p.chunk, 5);
    ck_assert_int_eq(p.full_chunks, 25);
    ck_assert_int_eq(p.rest, 3);
    g = clcnn_conv_plan_gemm(&p, CLCNN_CONV_GEMM_WEIGHT_GRAD, p.rest);
    ck_assert(g.m == 64 && g.n == 832 && g.k == 3 * 256);

    /* no padding (the reference backend), and at least one image a chunk */
    p = clcnn_conv_plan_make(64, 32, 5, 5, 16, 16, 1, 1, sizeof(double), 1, 7);
    ck_assert_int_eq(p.col_rows, 800);
    ck_assert_int_eq(p.colt_row_len, 800);
    ck_assert_int_eq(p.chunk, 1);
    ck_assert_int_eq(p.full_chunks, 7);
}
END_TEST

/* `clcnn tune` lists each conv layer's GEMMs as its plan gives them. */
START_TEST(tune_shapes_come_from_the_plan)
{
    clcnn_model_spec spec;
    ck_assert_int_eq(clcnn_model_spec_preset("cifar", &spec), CLCNN_OK);
    clcnn_gemm_shape s[CLCNN_TUNE_MAX_SHAPES];
    int n = 0;
    size_t budget = (size_t)5 * 832 * 256 * 4;
    ck_assert_int_eq(clcnn_tune_model_shapes(&spec, 128, budget, s, CLCNN_TUNE_MAX_SHAPES, &n),
                     CLCNN_OK);
    clcnn_conv_plan plans[] = {cl_plan(32, 3, 32, budget, 128), cl_plan(64, 32, 16, budget, 128),
                               cl_plan(128, 64, 8, budget, 128)};
    for (int layer = 0; layer < 3; layer++) {
        const clcnn_conv_plan *p = &plans[layer];
        for (int part = 0; part < 2; part++) {
            int nb = part ? p->rest : p->chunk, calls = part ? 1 : p->full_chunks;
            if (nb == 0)
                continue;
            for (int role = layer == 0 ? 1 : 0; role < CLCNN_CONV_GEMM_ROLES; role++) {
                if (layer == 0 && role == CLCNN_CONV_GEMM_INPUT_GRAD)
                    continue; /* the first layer computes no input gradient */
                clcnn_conv_gemm g = clcnn_conv_plan_gemm(p, (clcnn_conv_gemm_role)role, nb);
                int found = 0;
                for (int i = 0; i < n; i++)
                    found |= s[i].trans_a == g.trans_a && s[i].trans_b == g.trans_b &&
                             s[i].m == g.m && s[i].n == g.n && s[i].k == g.k &&
                             s[i].calls >= calls;
                ck_assert_msg(found, "conv%d role %d: %dx%dx%d not among tune's shapes",
                              layer + 1, role, g.m, g.n, g.k);
            }
        }
    }
}
END_TEST

/* The network's conv layers run the plan of their backend's multiples and
 * the network's budget, and size the shared scratch by it. */
START_TEST(network_conv_layers_run_the_plan)
{
    clcnn_backend *be;
    ck_assert_int_eq(clcnn_backend_ref_create(&be), CLCNN_OK);
    clcnn_model_spec spec;
    ck_assert_int_eq(clcnn_model_spec_preset("cifar", &spec), CLCNN_OK);
    clcnn_net_options opts = {.col_budget_bytes = (size_t)3 * 800 * 256 * 4};
    clcnn_net *net;
    ck_assert_msg(clcnn_net_create_ex(be, &spec, 16, 1, &opts, &net) == CLCNN_OK, "%s",
                  clcnn_last_error());
    size_t most_col = 0;
    for (int i = 0; i < net->n_layers; i++) {
        const nn_layer *l = &net->layers[i];
        if (l->spec.kind != CLCNN_LAYER_CONV)
            continue;
        clcnn_conv_plan p = clcnn_conv_plan_make(l->spec.outputs, l->in.c, l->spec.kh,
                                                 l->spec.kw, l->out.h, l->out.w, 1, 1,
                                                 be->real_size, opts.col_budget_bytes, 16);
        ck_assert_int_eq(l->plan.col_rows, p.col_rows);
        ck_assert_int_eq(l->plan.chunk, p.chunk);
        if (p.col_per_image * p.chunk > most_col)
            most_col = p.col_per_image * p.chunk;
    }
    ck_assert_int_eq(net->layers[4].plan.chunk, 3); /* conv2: the budget's 3 images */
    ck_assert_uint_eq(net->scratch.col.count, most_col);
    clcnn_net_destroy(net);
    clcnn_backend_destroy(be);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("conv_plan");
    TCase *tc = tcase_create("plan");
    tcase_add_test(tc, pads_and_chunks_as_the_readme_says);
    tcase_add_test(tc, tune_shapes_come_from_the_plan);
    tcase_add_test(tc, network_conv_layers_run_the_plan);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
