/* Recipes: the [train] section of a model text (clcnn_recipe_parse) and the
 * notebooks' recipes shipped as presets. Every shipped recipe parses to the
 * notebook's settings and trains 20 iterations through `clcnn train --cpu` on
 * data the test writes; a flag overrides a recipe value; every malformed
 * section is rejected naming its line; the input scalings give the
 * trainer's normalization. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/train.h"
#include "data_fixtures.h"
#include "test_env.h"
#include "test_files.h"
#include "train_fixtures.h"

#define OK(expr) ck_assert_msg((expr) == CLCNN_OK, "%s: %s", #expr, clcnn_last_error())

static clcnn_recipe load(const char *name)
{
    clcnn_train_config base = clcnn_train_config_default();
    clcnn_recipe r;
    OK(clcnn_recipe_load(name, &base, &r));
    ck_assert_int_gt(r.section_line, 0);
    clcnn_model_spec spec; /* the layers parse too, stopping at the section */
    OK(clcnn_model_spec_preset(name, &spec));
    ck_assert_int_eq(spec.section_line, r.section_line);
    return r;
}

START_TEST(seed_cifar_is_notebook_000)
{
    clcnn_recipe r = load("seed-cifar");
    const clcnn_train_config *c = &r.cfg;
    ck_assert_int_eq(c->optimizer.kind, CLCNN_OPT_ADAM);
    ck_assert_float_eq(c->optimizer.lr, 1e-3f);
    ck_assert_float_eq(c->optimizer.l2, 1e-3f);
    ck_assert_float_eq(c->optimizer.weight_decay, 0.0f);
    ck_assert_int_eq(c->schedule.kind, CLCNN_LR_CONSTANT);
    ck_assert_int_eq(c->batch, 128);
    ck_assert_int_eq(c->iterations, 2000);
    ck_assert_int_eq(c->val_count, 1024);
    ck_assert_int_eq(c->input, CLCNN_INPUT_UNIT);
    ck_assert_int_eq(r.augment, 0);
    ck_assert(r.has_length && r.has_val);
    clcnn_model_spec spec;
    OK(clcnn_model_spec_preset("seed-cifar", &spec));
    int per_activation = 0, normal = 0;
    for (int i = 0; i < spec.n_layers; i++) {
        per_activation += spec.layers[i].per_activation;
        normal += spec.layers[i].init == CLCNN_INIT_NORMAL && spec.layers[i].init_std == 0.1f;
        if (spec.layers[i].kind == CLCNN_LAYER_CONV || spec.layers[i].kind == CLCNN_LAYER_FC)
            ck_assert_int_eq(spec.layers[i].bias, 0);
    }
    ck_assert_int_eq(per_activation, 3);
    ck_assert_int_eq(normal, 5);
    ck_assert_int_eq(spec.layers[spec.n_layers - 1].kind, CLCNN_LAYER_DROPOUT);
}
END_TEST

START_TEST(seed_lenet_is_notebook_002)
{
    clcnn_recipe r = load("seed-lenet");
    const clcnn_train_config *c = &r.cfg;
    ck_assert_int_eq(c->optimizer.kind, CLCNN_OPT_MOMENTUM);
    ck_assert_int_eq(c->optimizer.nesterov, 0);
    ck_assert_float_eq(c->optimizer.momentum, 0.9f);
    ck_assert_float_eq(c->optimizer.lr, 0.1f);
    ck_assert_int_eq(c->schedule.kind, CLCNN_LR_STEP);
    ck_assert_float_eq(c->schedule.gamma, 0.9f);
    ck_assert_int_eq(c->schedule.every, 30);
    /* lr 0.1 * 0.9^(iteration / 30), integer division */
    ck_assert_float_eq_tol(clcnn_train_lr_at(c, 29, 468), 0.1f, 1e-9f);
    ck_assert_float_eq_tol(clcnn_train_lr_at(c, 65, 468), 0.1f * 0.81f, 1e-7f);
    ck_assert_float_eq(c->optimizer.weight_decay, 4e-3f);
    ck_assert_float_eq(c->optimizer.l2, 0.0f);
    ck_assert_int_eq(c->epochs, 1);
    ck_assert_int_eq(c->iterations, 0);
    ck_assert_int_eq(c->input, CLCNN_INPUT_CONSTANTS);
    ck_assert_int_eq(c->input_values, 1);
    ck_assert_float_eq(c->input_mean[0], 0.1307f);
    ck_assert_float_eq(c->input_std[0], 0.3081f);
    ck_assert_int_eq(c->val_count, 0);
}
END_TEST

START_TEST(seed_small_is_notebook_001)
{
    clcnn_recipe r = load("seed-small");
    ck_assert_int_eq(r.cfg.optimizer.kind, CLCNN_OPT_SGD);
    ck_assert_float_eq(r.cfg.optimizer.l2, 1e-3f);
    ck_assert_int_eq(r.cfg.input, CLCNN_INPUT_DATA);
    clcnn_model_spec spec;
    OK(clcnn_model_spec_preset("seed-small", &spec));
    ck_assert_int_eq(spec.layers[0].bias, 1);
    ck_assert_float_eq(spec.layers[0].init_std, 0.0376f);
}
END_TEST

START_TEST(label_smoothing_and_warmup_keys)
{
    clcnn_train_config base = clcnn_train_config_default();
    clcnn_recipe r;
    OK(clcnn_recipe_parse("input 1 4 4\nfc 2\n[train]\nlabel-smoothing 0.1\nwarmup 390\n",
                          "t.txt", &base, &r));
    ck_assert_float_eq(r.cfg.label_smoothing, 0.1f);
    ck_assert_int_eq(r.cfg.warmup, 390);
    ck_assert_float_eq(base.label_smoothing, 0.0f); /* the defaults: none */
    ck_assert_int_eq(base.warmup, 0);
}
END_TEST

START_TEST(a_text_without_a_section_leaves_the_base)
{
    clcnn_train_config base = clcnn_train_config_default();
    base.batch = 77;
    clcnn_recipe r;
    OK(clcnn_recipe_parse("input 1 4 4\nfc 2\n", "plain", &base, &r));
    ck_assert_int_eq(r.section_line, 0);
    ck_assert_int_eq(r.cfg.batch, 77);
    ck_assert_int_eq(r.augment, -1);
    OK(clcnn_recipe_load("cifar", &base, &r));
    ck_assert_int_eq(r.section_line, 0);
}
END_TEST

/* Malformed sections after a 2-line model: each names its line and reason. */
static const struct {
    const char *section;
    int line;
    const char *reason;
} bad_sections[] = {
    {"[train]\nlr abc\n", 4, "lr: bad value 'abc'"},
    {"[train]\nlr 0\n", 4, "lr: bad value '0'"},
    {"[train]\nmomentum 1\n", 4, "momentum: bad value '1'"},
    {"[train]\nfoo 1\n", 4, "unknown key 'foo'"},
    {"[train]\n\nlr 0.1 0.2\n", 5, "lr: expected one value"},
    {"[train]\nbatch\n", 4, "batch: expected one value"},
    {"[train]\nepochs 2\niterations 5\n", 5, "epochs and iterations exclude each other"},
    {"[train]\nlr 0.1\nlr 0.2\n", 5, "lr: given twice"},
    {"[optim]\nlr 0.1\n", 3, "unknown section '[optim]'"},
    {"[train]\nlr 0.1\n[train]\n", 5, "unknown section '[train]'"},
    {"[train]\nloss hinge\n", 4, "loss: loss 'hinge': expected softmax, svm or bce"},
    {"[train]\nnormalize 0.5\n", 4, "normalize: input scaling '0.5'"},
    {"[train]\nnormalize 0.5:0\n", 4, "a std must be positive"},
    {"[train]\nlr-decay step:2:10\n", 4, "GAMMA must be a number"},
    {"[train]\naugment yes\n", 4, "augment: bad value 'yes' (expected on or off)"},
    {"[train]\noptimizer adamw\n", 4, "unknown optimizer 'adamw'"},
    {"[train]\nbatch 0\n", 4, "batch: bad value '0'"},
    {"[train]\nlabel-smoothing 1\n", 4, "label-smoothing: bad value '1'"},
    {"[train]\nloss svm\nlabel-smoothing 0.1\n", 3, "softmax loss only, not to svm"},
    {"[train]\nwarmup -5\n", 4, "warmup: bad value '-5'"},
};

START_TEST(malformed_sections_name_the_line)
{
    char text[512], expect[64];
    snprintf(text, sizeof text, "input 1 4 4\nfc 2\n%s", bad_sections[_i].section);
    clcnn_train_config base = clcnn_train_config_default();
    clcnn_recipe r;
    ck_assert_int_eq(clcnn_recipe_parse(text, "t.txt", &base, &r), CLCNN_ERR_FORMAT);
    snprintf(expect, sizeof expect, "t.txt:%d: ", bad_sections[_i].line);
    const char *msg = clcnn_last_error();
    ck_assert_msg(strstr(msg, expect) && strstr(msg, bad_sections[_i].reason),
                  "section %d: got '%s', want '%s' and '%s'", _i, msg, expect,
                  bad_sections[_i].reason);
}
END_TEST

static const float tiny = 1e-4f;

/* UNIT and CONSTANTS replace the data's statistics in the trainer. */
START_TEST(input_scaling_sets_the_trainer_normalization)
{
    clcnn_dataset train;
    train_fixture_dataset(&train, 16, 3, 8, 2, 5u);
    clcnn_model_spec spec;
    OK(clcnn_model_spec_parse("input 3 8 8\nfc 2\n", "tiny", &spec));
    clcnn_backend *be;
    OK(clcnn_backend_ref_create(&be));
    const char *scalings[] = {"unit", "0.1307:0.3081", "0.4,0.5,0.6:0.2,0.25,0.5", "data"};
    const float want_mean[][3] = {{0, 0, 0}, {33.3285f, 33.3285f, 33.3285f}, {102, 127.5f, 153}};
    const float want_std[][3] = {{255, 255, 255}, {78.5655f, 78.5655f, 78.5655f},
                                 {51, 63.75f, 127.5f}};
    for (int k = 0; k < 4; k++) {
        clcnn_train_config cfg = clcnn_train_config_default();
        cfg.batch = 8;
        OK(clcnn_input_scaling_parse(scalings[k], &cfg));
        char back[128];
        clcnn_input_scaling_format(&cfg, back, sizeof back);
        ck_assert_str_eq(back, scalings[k]);
        clcnn_trainer *t;
        OK(clcnn_trainer_create(be, &spec, &train, NULL, NULL, &cfg, &t));
        for (int c = 0; c < 3; c++) {
            if (k == 3) { /* the data's own statistics: not those of the others */
                ck_assert(clcnn_trainer_mean(t)[c] > 1 && clcnn_trainer_std(t)[c] < 200);
                continue;
            }
            ck_assert_float_eq_tol(clcnn_trainer_mean(t)[c], want_mean[k][c], tiny * 255);
            ck_assert_float_eq_tol(clcnn_trainer_std(t)[c], want_std[k][c], tiny * 255);
        }
        clcnn_trainer_destroy(t);
    }
    /* per-channel constants for another channel count */
    clcnn_train_config cfg = clcnn_train_config_default();
    cfg.batch = 8;
    OK(clcnn_input_scaling_parse("0.1,0.2:0.3,0.4", &cfg));
    clcnn_trainer *t = NULL;
    ck_assert_int_eq(clcnn_trainer_create(be, &spec, &train, NULL, NULL, &cfg, &t), CLCNN_ERR_ARG);
    ck_assert_msg(strstr(clcnn_last_error(), "2 constants for images of 3 channels"), "%s",
                  clcnn_last_error());
    clcnn_backend_destroy(be);
    clcnn_dataset_free(&train);
}
END_TEST

/* ---- through the command line ---- */

static char out[65536];

static int clcnn(const char *args)
{
    char line[20480];
    snprintf(line, sizeof line, "%s %s", CLCNN_EXE, args);
    return test_run(line, out, sizeof out);
}

static char cifar_dir[4096], idx_dir[4096];

static void write_data(void)
{
    snprintf(cifar_dir, sizeof cifar_dir, "%s", test_tmp_path("seed-recipes-cifar"));
    snprintf(idx_dir, sizeof idx_dir, "%s", test_tmp_path("seed-recipes-idx"));
    ck_assert_int_eq(train_fixture_write_cifar10(cifar_dir, 96, 24, 3u), 0);
    ck_assert_int_eq(fixture_write_idx(idx_dir, 96, 24, 28, 28, 4u, 0), 0);
}

/* Each recipe trains 20 iterations (of 4 images: fast under sanitizers too);
 * --batch and --val (flags) override the recipe's, the rest of its settings
 * show in the header. */
static const struct {
    const char *model, *data, *flags, *header;
} runs[] = {
    {"seed-cifar", "cifar", "--val 16",
     "adam, lr 0.001 none, l2 0.001, weight decay 0, loss softmax, batch 4, 20 iterations"},
    {"seed-small", "cifar", "",
     "sgd, lr 0.05 none, l2 0.001, weight decay 0, loss softmax, batch 4, 20 iterations"},
    {"seed-lenet", "idx", "",
     "momentum (momentum 0.9), lr 0.1 step:0.9:30, l2 0, weight decay 0.004, loss softmax, "
     "batch 4, 20 iterations"},
};

START_TEST(every_recipe_trains_20_iterations)
{
    write_data();
    char args[16384];
    snprintf(args, sizeof args, "train --cpu --data %s --model %s --iters 20 --batch 4 %s",
             strcmp(runs[_i].data, "idx") == 0 ? idx_dir : cifar_dir, runs[_i].model,
             runs[_i].flags);
    ck_assert_msg(clcnn(args) == 0, "%s:\n%s", args, out);
    ck_assert_msg(strstr(out, runs[_i].header), "%s: header lacks '%s':\n%s", runs[_i].model,
                  runs[_i].header, out);
    ck_assert_msg(strstr(out, "test: loss"), "%s", out);
    const char *loss = strstr(out, "train loss ");
    ck_assert_msg(loss && isfinite(atof(loss + 11)), "%s", out);
}
END_TEST

/* A small network with seed-cifar's recipe. */
static const char *write_recipe_model(void)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s", test_tmp_path("seed-recipe-model.txt"));
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("input 3 32 32\navgpool 4\nfc 10\n\n[train]\noptimizer adam\nlr 1e-3\n"
          "lr-decay none\nl2 1e-3\nbatch 128\niterations 2000\nval 1024\nloss softmax\n"
          "normalize unit\naugment off\n", f);
    fclose(f);
    return path;
}

START_TEST(flags_override_the_recipe)
{
    write_data();
    const char *model = write_recipe_model();
    char args[16384];
    snprintf(args, sizeof args,
             "train --cpu --data %s --model %s --iters 4 --batch 8 --val 16 --lr 0.01 "
             "--optimizer sgd --normalize data --loss svm --eval-every 2", cifar_dir, model);
    ck_assert_msg(clcnn(args) == 0, "%s", out);
    ck_assert_msg(strstr(out, "sgd, lr 0.01 none, l2 0.001"), "%s", out);
    ck_assert_msg(strstr(out, "loss svm") && strstr(out, "inputs data"), "%s", out);
    /* --eval-every: iterations 2 and 4 on the 16 held-out images */
    ck_assert_msg(strstr(out, "iteration 2: val loss") && strstr(out, "iteration 4: val loss"),
                  "%s", out);
    /* --epochs replaces the recipe's iterations: 80 training images / 8 = 10 steps */
    snprintf(args, sizeof args, "train --cpu --data %s --model %s --epochs 1 --batch 8 --val 16",
             cifar_dir, model);
    ck_assert_msg(clcnn(args) == 0 && strstr(out, ", 10 iterations (10 per epoch)"), "%s", out);
}
END_TEST

START_TEST(a_malformed_recipe_file_fails_with_its_line)
{
    write_data();
    char path[4096], args[12288];
    snprintf(path, sizeof path, "%s", test_tmp_path("seed-bad-recipe.txt"));
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("input 3 32 32\nfc 10\n\n[train]\nbatch 64\nlr fast\n", f);
    fclose(f);
    snprintf(args, sizeof args, "train --cpu --data %s --model %s", cifar_dir, path);
    ck_assert_int_eq(clcnn(args), 1);
    char expect[4200];
    snprintf(expect, sizeof expect, "%s:6: lr: bad value 'fast'", path);
    ck_assert_msg(strstr(out, expect), "%s", out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("seed_recipes");
    TCase *lib = tcase_create("library");
    tcase_add_test(lib, seed_cifar_is_notebook_000);
    tcase_add_test(lib, seed_lenet_is_notebook_002);
    tcase_add_test(lib, seed_small_is_notebook_001);
    tcase_add_test(lib, a_text_without_a_section_leaves_the_base);
    tcase_add_test(lib, label_smoothing_and_warmup_keys);
    tcase_add_loop_test(lib, malformed_sections_name_the_line, 0,
                        (int)(sizeof bad_sections / sizeof bad_sections[0]));
    tcase_add_test(lib, input_scaling_sets_the_trainer_normalization);
    suite_add_tcase(s, lib);
    TCase *cli = tcase_create("cli");
    tcase_set_timeout(cli, 120);
    tcase_add_loop_test(cli, every_recipe_trains_20_iterations, 0,
                        (int)(sizeof runs / sizeof runs[0]));
    tcase_add_test(cli, flags_override_the_recipe);
    tcase_add_test(cli, a_malformed_recipe_file_fails_with_its_line);
    suite_add_tcase(s, cli);
    return test_run_suite(s);
}
