/* Data-parallel training under mpirun, run as the built tool on a synthetic
 * CIFAR-10 folder: 2 ranks at global batch 64 follow 1 process at batch 64
 * step by step and end with bit-identical parameters on both ranks; a 2-rank
 * checkpoint resumes on 1 process on the same loss curve; a bad device or a
 * NaN loss on one rank ends both in bounded time. Built without MPI, the
 * suite checks that `clcnn train --help` says how to get it. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "clcnn/distributed.h"
#include "test_env.h"
#include "test_files.h"
#include "train_fixtures.h"

/* Under AddressSanitizer the CPU reference runs ten times slower: a third of
 * the steps keeps this suite near a minute there too. */
#if defined(__SANITIZE_ADDRESS__)
#define STEPS 10
#define RESUME_AT 5
#else
#define STEPS 30
#define RESUME_AT 15
#endif
/* Per-step loss agreement, ranks vs one process. The two runs differ only in
 * the order of float sums (two half-batch GEMMs + an allreduce vs one GEMM),
 * about 1e-7 relative per step; training amplifies it to a measured 1.5e-5
 * after 30 steps. A real mistake (gradient scaled by the rank's batch instead
 * of the global one, a rank's gradient left out, unshared parameters) moves
 * the loss by more than 1e-2 within a few steps. */
#define LOSS_TOL 5e-4
/* Largest parameter difference ranks vs one process after 30 steps
 * (measured 3e-5, parameters up to 0.5). */
#define PARAM_TOL 5e-4

static char out[65536];
static char data_dir[4096];
static char common_args[8192];
static double ref_loss[STEPS + 1]; /* one process, [1..STEPS] */

static const char *tmp(const char *name)
{
    static char path[4][4096];
    static int next;
    next = (next + 1) % 4;
    snprintf(path[next], sizeof path[next], "%s", test_tmp_path(name));
    return path[next];
}

/* "ENV CLCNN ARGS" for one process, or an mpirun of 2 ranks with ENV passed
 * by -x; returns the exit status, output in out. env: "A=1 B=2" or "". */
static int clcnn(int ranks, const char *env, const char *args)
{
    char line[32768], xenv[8192] = "";
    if (ranks == 1) {
        snprintf(line, sizeof line, "%s %s %s", env, CLCNN_EXE, args);
        return test_run(line, out, sizeof out);
    }
    char copy[8192];
    snprintf(copy, sizeof copy, "%s", env);
    for (char *save = NULL, *v = strtok_r(copy, " ", &save); v; v = strtok_r(NULL, " ", &save)) {
        strcat(xenv, " -x ");
        strcat(xenv, v);
    }
    snprintf(line, sizeof line,
             "timeout 120 mpirun --allow-run-as-root --oversubscribe --bind-to none -np %d%s "
             "%s %s", ranks, xenv, CLCNN_EXE, args);
    return test_run(line, out, sizeof out);
}

/* Read the losses of iterations first .. last from a CLCNN_STEP_LOSS_LOG
 * file into loss[first .. last]; returns how many were there. */
static int read_losses(const char *path, int first, int last, double *loss)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int found = 0;
    long iter;
    double value;
    while (fscanf(f, " {\"iter\": %ld, \"loss\": %lf}", &iter, &value) == 2)
        if (iter >= first && iter <= last) {
            loss[iter] = value;
            found++;
        }
    fclose(f);
    return found;
}

static void expect_losses_follow_reference(const char *path, int first, int last)
{
    double loss[STEPS + 1];
    ck_assert_int_eq(read_losses(path, first, last, loss), last - first + 1);
    for (int i = first; i <= last; i++)
        ck_assert_msg(fabs(loss[i] - ref_loss[i]) <= LOSS_TOL,
                      "iteration %d: loss %.9g, one process %.9g (tolerance %g)", i, loss[i],
                      ref_loss[i], LOSS_TOL);
}

/* A file of floats (CLCNN_RANK_PARAMS_DIR); *n floats, malloc'ed. */
static float *read_params(const char *path, size_t *n)
{
    size_t bytes = 0;
    float *p = (float *)test_read_file(path, &bytes);
    *n = bytes / sizeof(float);
    return p;
}

/* The two ranks' parameters in dir (CLCNN_RANK_PARAMS_DIR) are identical;
 * returns their count. */
static size_t expect_ranks_identical(const char *dir)
{
    char path[8192];
    size_t n0, n1;
    snprintf(path, sizeof path, "%s/rank0.params", dir);
    float *p0 = read_params(path, &n0);
    snprintf(path, sizeof path, "%s/rank1.params", dir);
    float *p1 = read_params(path, &n1);
    ck_assert_uint_eq(n0, n1);
    ck_assert_msg(memcmp(p0, p1, n0 * sizeof(float)) == 0, "the ranks' parameters differ");
    free(p0);
    free(p1);
    return n0;
}

static void setup_data(const char *name)
{
    snprintf(data_dir, sizeof data_dir, "%s", tmp(name));
    ck_assert_int_eq(train_fixture_write_cifar10(data_dir, 640, 64, 7), 0);
    snprintf(common_args, sizeof common_args,
             "train --data %s --model small --batch 64 --lr 0.003 --lr-decay none --augment "
             "--val 0 --seed 3 --quiet", data_dir);
}

static void setup_pocl_data(void)
{
    setup_data("mpi-cifar-pocl");
}

/* Once per test case, in the parent: the data and the one-process curve. */
static void setup_reference(void)
{
    setup_data("mpi-cifar");
    char env[8192], args[16384];
    snprintf(env, sizeof env, "CLCNN_STEP_LOSS_LOG=%s", tmp("mpi-ref.jsonl"));
    snprintf(args, sizeof args, "%s --cpu --iters %d", common_args, STEPS);
    int status = clcnn(1, env, args);
    ck_assert_msg(status == 0, "one-process run: exit %d: %s", status, out);
    ck_assert_int_eq(read_losses(tmp("mpi-ref.jsonl"), 1, STEPS, ref_loss), STEPS);
    /* the curve must move, or agreeing with it would prove nothing */
    ck_assert_msg(ref_loss[STEPS] < 0.5 * ref_loss[1], "loss %g -> %g", ref_loss[1],
                  ref_loss[STEPS]);
}

START_TEST(two_ranks_follow_one_process_and_stay_identical)
{
    const char *params = tmp("mpi-params");
    mkdir(params, 0755);
    char env[8192], args[16384];
    snprintf(env, sizeof env, "CLCNN_STEP_LOSS_LOG=%s CLCNN_RANK_PARAMS_DIR=%s",
             tmp("mpi-two.jsonl"), params);
    snprintf(args, sizeof args, "%s --cpu --iters %d", common_args, STEPS);
    int status = clcnn(2, env, args);
    ck_assert_msg(status == 0, "2 ranks: exit %d: %s", status, out);
    expect_losses_follow_reference(tmp("mpi-two.jsonl"), 1, STEPS);

    ck_assert_uint_gt(expect_ranks_identical(params), 100000); /* small's 134890 floats */
}
END_TEST

/* A graph (an identity shortcut, global pooling; no batchnorm, whose batch
 * statistics would differ per rank) trains on two ranks as in one process,
 * the ranks identical. */
START_TEST(a_graph_trains_on_two_ranks_as_in_one_process)
{
    const char *model = tmp("mpi-graph.txt");
    FILE *f = fopen(model, "w");
    ck_assert_ptr_nonnull(f);
    fputs("input 3 32 32\nconv 8 3 pad=1 stride=2\nrelu name=a\nconv 8 3 pad=1\nrelu\n"
          "conv 8 3 pad=1\nadd a\nrelu\navgpool global\nfc 10\n", f);
    fclose(f);
    char params[4096], env[8192], args[16384];
    snprintf(params, sizeof params, "%s", tmp("mpi-graph-params"));
    mkdir(params, 0755);
    double one[STEPS + 1], two[STEPS + 1];
    snprintf(args, sizeof args, "train --data %s --model %s --batch 64 --lr 0.01 --lr-decay none "
             "--val 0 --seed 3 --quiet --cpu --iters %d", data_dir, model, STEPS);
    snprintf(env, sizeof env, "CLCNN_STEP_LOSS_LOG=%s", tmp("mpi-graph-one.jsonl"));
    ck_assert_msg(clcnn(1, env, args) == 0, "one process: %s", out);
    snprintf(env, sizeof env, "CLCNN_STEP_LOSS_LOG=%s CLCNN_RANK_PARAMS_DIR=%s",
             tmp("mpi-graph-two.jsonl"), params);
    ck_assert_msg(clcnn(2, env, args) == 0, "2 ranks: %s", out);
    ck_assert_int_eq(read_losses(tmp("mpi-graph-one.jsonl"), 1, STEPS, one), STEPS);
    ck_assert_int_eq(read_losses(tmp("mpi-graph-two.jsonl"), 1, STEPS, two), STEPS);
    for (int i = 1; i <= STEPS; i++)
        ck_assert_msg(fabs(two[i] - one[i]) <= LOSS_TOL * fabs(one[i]),
                      "iteration %d: 2 ranks %.7g, one process %.7g", i, two[i], one[i]);
    ck_assert_msg(one[STEPS] < one[1], "loss %g -> %g", one[1], one[STEPS]);
    expect_ranks_identical(params);
}
END_TEST

START_TEST(three_ranks_share_an_uneven_batch)
{
    /* 64 = 22 + 21 + 21 images: the loss and gradient scaling use the whole
     * batch, so the uneven shares still follow one process. */
    enum { UNEVEN_STEPS = 10 };
    char env[8192], args[16384];
    snprintf(env, sizeof env, "CLCNN_STEP_LOSS_LOG=%s", tmp("mpi-three.jsonl"));
    snprintf(args, sizeof args, "%s --cpu --iters %d", common_args, UNEVEN_STEPS);
    int status = clcnn(3, env, args);
    ck_assert_msg(status == 0, "3 ranks: exit %d: %s", status, out);
    expect_losses_follow_reference(tmp("mpi-three.jsonl"), 1, UNEVEN_STEPS);
}
END_TEST

START_TEST(two_rank_checkpoint_resumes_on_one_process)
{
    const char *ckpt = tmp("mpi-two.ckpt");
    remove(ckpt);
    char env[8192], args[16384];
    snprintf(env, sizeof env, "CLCNN_STEP_LOSS_LOG=%s", tmp("mpi-first.jsonl"));
    snprintf(args, sizeof args, "%s --cpu --iters %d --save %s", common_args, RESUME_AT, ckpt);
    int status = clcnn(2, env, args);
    ck_assert_msg(status == 0, "2 ranks: exit %d: %s", status, out);
    expect_losses_follow_reference(tmp("mpi-first.jsonl"), 1, RESUME_AT);

    snprintf(env, sizeof env, "CLCNN_STEP_LOSS_LOG=%s", tmp("mpi-resumed.jsonl"));
    snprintf(args, sizeof args, "train --cpu --resume %s --iters %d --quiet", ckpt, STEPS);
    status = clcnn(1, env, args);
    ck_assert_msg(status == 0, "resume on 1 process: exit %d: %s", status, out);
    expect_losses_follow_reference(tmp("mpi-resumed.jsonl"), RESUME_AT + 1, STEPS);
}
END_TEST

START_TEST(a_bad_device_on_one_rank_stops_both)
{
    /* Two programs (MPMD): rank 0 trains on the CPU, rank 1 asks for a device
     * that is not there. */
    char line[40000];
    snprintf(line, sizeof line,
             "timeout 60 mpirun --allow-run-as-root --oversubscribe --bind-to none "
             "-np 1 %s %s --cpu --iters %d : -np 1 %s %s --device 99 --iters %d",
             CLCNN_EXE, common_args, STEPS, CLCNN_EXE, common_args, STEPS);
    time_t start = time(NULL);
    int status = test_run(line, out, sizeof out);
    double seconds = difftime(time(NULL), start);
    ck_assert_msg(status != 0 && status != 124, "exit %d (124: still running after 60 s): %s",
                  status, out);
    ck_assert_msg(seconds < 30, "took %.0f s", seconds);
    ck_assert_msg(strstr(out, "--device 99: no device with that index") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "rank 1 of 2 failed") != NULL, "%s", out);
}
END_TEST

START_TEST(a_nan_loss_ends_every_rank_at_the_same_iteration)
{
    /* Three linear layers and no activation: at lr 10 the weights grow
     * geometrically and the loss overflows within a few steps, whatever the seed. */
    const char *model = tmp("mpi-linear.txt");
    FILE *f = fopen(model, "w");
    ck_assert_ptr_nonnull(f);
    fputs("input 3 32 32\nfc 64\nfc 64\nfc 10\n", f);
    fclose(f);
    char args[16384];
    snprintf(args, sizeof args, "train --data %s --model %s --batch 64 --optimizer sgd --lr 10 "
             "--val 0 --seed 3 --quiet --cpu --iters %d", data_dir, model, STEPS);
    int status = clcnn(2, "", args);
    ck_assert_msg(status == 1, "exit %d: %s", status, out);
    /* both ranks stop at the same iteration with the same message; neither
     * had to be aborted */
    int iteration[2] = {0, 0};
    const char *at = out;
    for (int rank = 0; rank < 2; rank++) {
        at = strstr(at, "the loss became");
        ck_assert_msg(at != NULL, "%d rank(s) reported the loss: %s", rank, out);
        at = strstr(at, "at iteration ");
        ck_assert_msg(at && sscanf(at, "at iteration %d", &iteration[rank]) == 1, "%s", out);
    }
    ck_assert_int_eq(iteration[0], iteration[1]);
    ck_assert_msg(strstr(out, "stopping every rank") == NULL, "%s", out);
}
END_TEST

START_TEST(two_ranks_follow_one_process_on_pocl)
{
    /* The same on the OpenCL device (PoCL here), shorter: 8 steps at batch 32. */
    enum { POCL_STEPS = 8 };
    char env[8192], args[16384];
    double one[POCL_STEPS + 1], two[POCL_STEPS + 1];
    snprintf(args, sizeof args, "%s --device 0 --no-check --batch 32 --iters %d", common_args,
             POCL_STEPS);
    snprintf(env, sizeof env, "CLCNN_STEP_LOSS_LOG=%s", tmp("mpi-pocl-one.jsonl"));
    int status = clcnn(1, env, args);
    ck_assert_msg(status == 0, "one process: exit %d: %s", status, out);
    snprintf(env, sizeof env, "CLCNN_STEP_LOSS_LOG=%s", tmp("mpi-pocl-two.jsonl"));
    status = clcnn(2, env, args);
    ck_assert_msg(status == 0, "2 ranks: exit %d: %s", status, out);
    ck_assert_int_eq(read_losses(tmp("mpi-pocl-one.jsonl"), 1, POCL_STEPS, one), POCL_STEPS);
    ck_assert_int_eq(read_losses(tmp("mpi-pocl-two.jsonl"), 1, POCL_STEPS, two), POCL_STEPS);
    for (int i = 1; i <= POCL_STEPS; i++)
        ck_assert_msg(fabs(one[i] - two[i]) <= LOSS_TOL, "iteration %d: %.9g vs %.9g", i, two[i],
                      one[i]);
}
END_TEST

START_TEST(shares_cover_the_batch_in_order)
{
    for (int size = 1; size <= 8; size++)
        for (int n = size; n <= 100; n++) {
            int next = 0;
            for (int rank = 0; rank < size; rank++) {
                int first, count;
                clcnn_comm_shard(n, rank, size, &first, &count);
                ck_assert_int_eq(first, next); /* contiguous, in rank order */
                /* n / size each, the first n % size ranks one more */
                ck_assert_int_eq(count, n / size + (rank < n % size));
                next = first + count;
            }
            ck_assert_int_eq(next, n);
        }
}
END_TEST

START_TEST(help_says_how_to_get_mpi)
{
    int status = clcnn(1, "", "train --help");
    ck_assert_int_eq(status, 0);
    ck_assert_msg(strstr(out, "libopenmpi-dev and openmpi-bin") != NULL, "%s", out);
}
END_TEST

static Suite *mpi_suite(void)
{
    Suite *s = suite_create("mpi_train");
    TCase *shares = tcase_create("shares");
    tcase_add_test(shares, shares_cover_the_batch_in_order);
    suite_add_tcase(s, shares);
    if (!clcnn_mpi_available()) {
        TCase *help = tcase_create("without_mpi");
        tcase_add_test(help, help_says_how_to_get_mpi);
        suite_add_tcase(s, help);
        return s;
    }
    TCase *tc = tcase_create("cpu");
    tcase_add_unchecked_fixture(tc, setup_reference, NULL);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, two_ranks_follow_one_process_and_stay_identical);
    tcase_add_test(tc, a_graph_trains_on_two_ranks_as_in_one_process);
    tcase_add_test(tc, three_ranks_share_an_uneven_batch);
    tcase_add_test(tc, two_rank_checkpoint_resumes_on_one_process);
    tcase_add_test(tc, a_bad_device_on_one_rank_stops_both);
    tcase_add_test(tc, a_nan_loss_ends_every_rank_at_the_same_iteration);
    suite_add_tcase(s, tc);
    TCase *cl = tcase_create("pocl");
    tcase_add_unchecked_fixture(cl, setup_pocl_data, NULL);
    tcase_set_timeout(cl, 300);
    tcase_add_test(cl, two_ranks_follow_one_process_on_pocl);
    suite_add_tcase(s, cl);
    return s;
}

int main(void)
{
    return test_run_suite(mpi_suite());
}
