/* clcnn_tune_run: the parent side of the search. It runs rounds of
 * candidates until the time budget is spent or no untried candidate is left:
 * CLBlast's defaults first (the worker reports the device's description
 * with them), then the seeds of that device (cl_tune_space.c), then, round
 * after round, the untried neighbours of the best indirect and the best
 * direct candidate so far. For each round it forks a worker
 * (cl_tune_worker.c), reads its records, and when the worker dies or a
 * candidate outlives the timeout, marks that candidate failed and forks a new
 * worker from the next one. Then it builds, per GEMM transpose class, the set
 * with the least time over the class's shapes (each weighted by its calls per
 * step): the fastest indirect candidate's Xgemm parameters for the class's
 * large GEMMs, the fastest direct candidate's XgemmDirect parameters for its
 * small ones, and between them the XGEMM_MIN_INDIRECT_SIZE threshold that
 * splits the shapes best; and it stores that choice. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cl/cl_tune_choose.h"
#include "cl/cl_tune_worker.h"
#include "core/clock.h"

#define MAX_CANDIDATES 160
#define MAX_NEIGHBOURS 48
/* --quick stops after this many candidates when the budget lasts longer (on
 * an idle machine: the seeds and the first neighbours of the best). */
#define QUICK_CANDIDATES 16
#define DEFAULT_TIMEOUT_S 120.0
/* A candidate still running when the budget ends may take this share of the
 * budget more, then it is abandoned: on a loaded machine one candidate can
 * take minutes. */
#define STOP_GRACE 0.25

typedef struct search {
    const clcnn_tune_options *opts;
    tune_point points[MAX_CANDIDATES];
    clcnn_tune_set sets[MAX_CANDIDATES]; /* the points as CLBlast parameters */
    int count, cap;
    tune_result results[MAX_CANDIDATES];
    clcnn_device_info device;
    clcnn_tune_device space;
    int have_device;
    double begun;                        /* clcnn_now_seconds() the running one began */
    double slowest_done;                 /* the longest a finished candidate took */
    double deadline;                     /* clcnn_now_seconds() when the budget ends */
    double stop;                         /* and when a running candidate is cut */
    char fatal[512];
} search;

static void say(const search *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void say(const search *s, const char *fmt, ...)
{
    if (!s->opts->progress)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    s->opts->progress(line, s->opts->user);
}

/* The least total of the finished candidates of a path; 0 when none. */
static double best_total(const search *s, int path)
{
    double best = 0;
    for (int i = 0; i < s->count; i++)
        if (s->results[i].done && s->results[i].path == path &&
            (best <= 0 || s->results[i].total < best))
            best = s->results[i].total;
    return best;
}

static double gflops(const clcnn_gemm_shape *sh, double seconds)
{
    return seconds > 0 ? 2.0 * sh->m * sh->n * sh->k / seconds * 1e-9 : 0.0;
}

/* Read one whole record; 0 at end of file, -1 on timeout, 1 on success. */
static int read_msg(int fd, tune_msg *m, double timeout_s)
{
    size_t got = 0;
    while (got < sizeof *m) {
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, (int)(timeout_s * 1000));
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            return -1;
        ssize_t n = read(fd, (char *)m + got, sizeof *m - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        got += (size_t)n;
    }
    return 1;
}

static void describe_candidate(const search *s, int i, char *buf, size_t size)
{
    int path = clcnn_tune_set_path(&s->sets[i]);
    if (path == TUNE_PATH_DEFAULTS) {
        snprintf(buf, size, "CLBlast defaults");
        return;
    }
    const clcnn_tune_kernel *k =
        &s->sets[i].kernels[path == TUNE_PATH_DIRECT ? TUNE_KERNEL_DIRECT : TUNE_KERNEL_XGEMM];
    snprintf(buf, size, "%s ", k->name);
    size_t used = strlen(buf);
    clcnn_tune_kernel_format(k, buf + used, size - used);
}

/* " 12.3 45.6 ..." in shape order. */
static const char *shape_rates(const search *s, const tune_result *r, char *buf,
                               size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int q = 0; q < s->opts->shape_count && used < size; q++)
        used += (size_t)snprintf(buf + used, size - used, " %.1f",
                                 gflops(&s->opts->shapes[q], r->shape_s[q]));
    return buf;
}

static void on_record(search *s, const tune_msg *m, int *current)
{
    tune_result *r = m->candidate >= 0 && m->candidate < s->count
                         ? &s->results[m->candidate] : NULL;
    char what[1024];
    switch (m->kind) {
    case TUNE_MSG_DEVICE:
        s->device = m->u.opened.info;
        s->space = m->u.opened.space;
        s->have_device = 1;
        break;
    case TUNE_MSG_BEGIN:
        *current = m->candidate;
        s->begun = clcnn_now_seconds();
        describe_candidate(s, m->candidate, what, sizeof what);
        say(s, "candidate %d/%d (%.0f s left): %s", m->candidate + 1, s->count,
            s->deadline - clcnn_now_seconds(), what);
        break;
    case TUNE_MSG_SHAPE:
        if (r && m->shape >= 0 && m->shape < s->opts->shape_count)
            r->shape_s[m->shape] = m->seconds;
        break;
    case TUNE_MSG_DONE:
        if (r) {
            r->done = 1;
            r->total = m->seconds;
        }
        s->slowest_done = fmax(s->slowest_done, clcnn_now_seconds() - s->begun);
        say(s, "    %.1f ms per step%s; GFLOP/s per shape:%s", m->seconds * 1e3,
            r && best_total(s, r->path) == m->seconds
                ? " (best of its path so far)" : "",
            r ? shape_rates(s, r, what, sizeof what) : "");
        *current = -1;
        break;
    case TUNE_MSG_FAIL:
        if (r)
            r->failed = 1;
        say(s, "    skipped: %s", m->u.text);
        *current = -1;
        break;
    case TUNE_MSG_FATAL:
        snprintf(s->fatal, sizeof s->fatal, "%s", m->u.text);
        break;
    default:
        break;
    }
}

double clcnn_tune_candidate_timeout(double limit_s, double slowest_done_s)
{
    double t = TUNE_TIMEOUT_FACTOR * slowest_done_s;
    if (t < TUNE_TIMEOUT_FLOOR_S)
        t = TUNE_TIMEOUT_FLOOR_S;
    return slowest_done_s > 0 && t < limit_s ? t : limit_s;
}

/* Run one worker on candidates first .. end-1 (none: it only reports the
 * device), no candidate starting after deadline (0: none); returns the next
 * candidate to start from (end when all are done or the deadline passed), or
 * -1 on a fatal error. */
static int run_worker(search *s, int first, int end, double deadline, double timeout_s)
{
    int fds[2];
    if (pipe(fds) != 0) {
        snprintf(s->fatal, sizeof s->fatal, "pipe: %s", strerror(errno));
        return -1;
    }
    tune_job job = {s->opts, s->sets, end, {0}, deadline, s->stop};
    for (int path = 0; path < TUNE_PATHS; path++)
        job.best_total_s[path] = best_total(s, path);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(s->fatal, sizeof s->fatal, "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        _exit(clcnn_tune_worker(&job, first, fds[1]));
    }
    close(fds[1]);
    int current = -1, next = end;
    tune_msg m;
    for (;;) {
        /* Opening the device and computing references take a while too:
         * only a running candidate is held to the others' times. */
        double wait = current >= 0 ? clcnn_tune_candidate_timeout(timeout_s, s->slowest_done)
                                   : timeout_s;
        int r = read_msg(fds[0], &m, wait);
        if (r == 1) {
            on_record(s, &m, &current);
            if (m.kind == TUNE_MSG_FATAL)
                next = -1;
            continue;
        }
        if (r < 0) {
            say(s, "    skipped: still running after %.0f s", wait);
            kill(pid, SIGKILL);
        }
        break;
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (current >= 0) { /* the worker died or hung inside this candidate */
        s->results[current].failed = 1;
        if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
            say(s, "    skipped: the worker crashed (signal %d)", WTERMSIG(status));
        next = current + 1;
    } else if (next >= 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0) && !s->fatal[0]) {
        snprintf(s->fatal, sizeof s->fatal, "the tuning worker exited with status %d",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        next = -1;
    }
    return next;
}

/* The comment block of the stored file: what was measured. */
static void measured_comment(const search *s, const tune_choice choice[CLCNN_TUNE_CLASSES],
                             char *buf, size_t size)
{
    char device[256];
    clcnn_tune_device_format(&s->space, device, sizeof device);
    size_t used = (size_t)snprintf(buf, size, "measured by clcnn tune%s, %d candidates from the "
                                   "device's %s\nseconds per call, fastest run (GFLOP/s)",
                                   s->opts->quick ? " --quick" : "", s->count, device);
    for (int q = 0; q < s->opts->shape_count && used < size; q++) {
        const clcnn_gemm_shape *sh = &s->opts->shapes[q];
        char name[64];
        clcnn_gemm_shape_name(sh, name, sizeof name);
        double d = s->results[0].done ? s->results[0].shape_s[q] : 0;
        double t = clcnn_tune_chosen_time(s->opts->shapes, q, s->results, choice);
        const tune_choice *c = &choice[clcnn_tune_shape_class(sh)];
        used += (size_t)snprintf(buf + used, size - used,
                                 "\ngemm %s x%d: default %.4f (%.1f), tuned %.4f (%.1f)%s", name,
                                 sh->calls, d, gflops(sh, d), t, gflops(sh, t),
                                 c->indirect < 0 ? ""
                                 : clcnn_tune_runs_direct(sh, c->threshold) ? " direct"
                                                                            : " indirect");
    }
}

static int same_point(const tune_point *a, const tune_point *b)
{
    if (a->path != b->path)
        return 0;
    if (a->path == TUNE_PATH_DIRECT)
        return memcmp(&a->d, &b->d, sizeof a->d) == 0;
    return a->path == TUNE_PATH_DEFAULTS ||
           (memcmp(&a->x, &b->x, sizeof a->x) == 0 && a->clblast_helpers == b->clblast_helpers);
}

/* Append p unless it was tried or the candidates are capped; 1 if added. */
static int add_point(search *s, const tune_point *p)
{
    for (int i = 0; i < s->count; i++)
        if (same_point(&s->points[i], p))
            return 0;
    if (s->count >= s->cap)
        return 0;
    s->points[s->count] = *p;
    clcnn_tune_point_set(p, &s->sets[s->count]);
    s->results[s->count].path = p->path;
    s->count++;
    return 1;
}

/* The finished candidate of a path with the least total; -1 when none. */
static int best_of_path(const search *s, int path)
{
    int best = -1;
    for (int i = 0; i < s->count; i++)
        if (s->results[i].done && s->results[i].path == path &&
            (best < 0 || s->results[i].total < s->results[best].total))
            best = i;
    return best;
}

/* Run candidates first .. end-1 (workers restarted past crashes). */
static void run_round(search *s, int first, int end, double deadline, double timeout_s)
{
    while (first >= 0 && first < end)
        first = run_worker(s, first, end, deadline, timeout_s);
}

/* The untried neighbours of the best candidate of each path, the two paths
 * interleaved; how many were added. */
static int add_neighbours(search *s)
{
    tune_point near[2][MAX_NEIGHBOURS];
    int n[2] = {0, 0}, added = 0;
    for (int k = 0; k < 2; k++) {
        int best = best_of_path(s, k ? TUNE_PATH_DIRECT : TUNE_PATH_INDIRECT);
        if (best >= 0)
            n[k] = tune_space_neighbours(&s->space, &s->points[best], near[k], MAX_NEIGHBOURS);
    }
    for (int i = 0; i < n[0] || i < n[1]; i++)
        for (int k = 0; k < 2; k++)
            if (i < n[k])
                added += add_point(s, &near[k][i]);
    return added;
}

static void search_rounds(search *s, double timeout_s)
{
    /* CLBlast's defaults are candidate 0 (clcnn_tune_choose) but run after
     * the first seed, so that they are abandoned early where they are far
     * slower (CPUs); a worker without candidates first reports the device. */
    tune_point defaults = {TUNE_PATH_DEFAULTS};
    add_point(s, &defaults);
    run_worker(s, 0, 0, 0, timeout_s);
    if (s->fatal[0] || !s->have_device)
        return;
    char line[256];
    clcnn_tune_device_format(&s->space, line, sizeof line);
    say(s, "device: %s", line);
    tune_point seeds[TUNE_MAX_SEEDS];
    int n = tune_space_seeds(&s->space, s->opts->quick, seeds, TUNE_MAX_SEEDS), first = s->count;
    for (int i = 0; i < n; i++)
        add_point(s, &seeds[i]);
    say(s, "round 1: %d candidates from the device's description, CLBlast's defaults after "
        "the first", s->count - first);
    run_round(s, first, first + 1, s->deadline, timeout_s);
    run_round(s, 0, 1, 0, timeout_s); /* the baseline: starts even after the budget */
    run_round(s, first + 1, s->count, s->deadline, timeout_s);
    for (int round = 2; !s->fatal[0] && clcnn_now_seconds() < s->deadline; round++) {
        first = s->count;
        if (add_neighbours(s) == 0) {
            say(s, s->count >= s->cap ? "candidate limit reached"
                                      : "no untried neighbour of the best sets is left");
            return;
        }
        say(s, "round %d: %d neighbours of the best sets", round, s->count - first);
        run_round(s, first, s->count, s->deadline, timeout_s);
    }
    if (!s->fatal[0] && clcnn_now_seconds() >= s->deadline)
        say(s, "time budget spent");
}

clcnn_status clcnn_tune_run(const clcnn_tune_options *opts, clcnn_tune_report *report)
{
    memset(report, 0, sizeof *report);
    if (!opts->shapes || opts->shape_count < 1 || opts->shape_count > CLCNN_TUNE_MAX_SHAPES)
        return clcnn_fail(CLCNN_ERR_ARG, "tune: %d GEMM shapes (1 to %d)", opts->shape_count,
                          CLCNN_TUNE_MAX_SHAPES);
    search *s = calloc(1, sizeof *s);
    if (!s)
        return clcnn_fail(CLCNN_ERR_NOMEM, "tune: out of memory");
    s->opts = opts;
    s->cap = opts->quick ? QUICK_CANDIDATES : MAX_CANDIDATES;
    if (opts->max_candidates > 0 && opts->max_candidates < s->cap)
        s->cap = opts->max_candidates;
    double budget = opts->budget_s > 0 ? opts->budget_s
                    : opts->quick ? CLCNN_TUNE_QUICK_BUDGET_S : CLCNN_TUNE_BUDGET_S;
    s->deadline = clcnn_now_seconds() + budget;
    s->stop = s->deadline + budget * STOP_GRACE;
    say(s, "time budget %.0f s: no candidate starts after it, none runs past %.0f s", budget,
        budget * (1 + STOP_GRACE));
    search_rounds(s, opts->candidate_timeout_s > 0 ? opts->candidate_timeout_s
                                                   : DEFAULT_TIMEOUT_S);
    clcnn_status st = CLCNN_OK;
    tune_choice choice[CLCNN_TUNE_CLASSES];
    clcnn_tune_choose(opts->shapes, opts->shape_count, s->results, s->count, choice);
    if (s->fatal[0])
        st = clcnn_fail(CLCNN_ERR_DEVICE, "tune: %s", s->fatal);
    else if (!s->have_device || (choice[0].indirect < 0 && !s->results[0].done))
        st = clcnn_fail(CLCNN_ERR_CLBLAST, "tune: no candidate ran correctly, not even CLBlast's "
                        "defaults");
    if (st == CLCNN_OK) {
        report->device = s->device;
        for (int c = 0; c < CLCNN_TUNE_CLASSES; c++)
            report->best.sets[c] = clcnn_tune_chosen_set(s->sets, &choice[c]);
        for (int i = 0; i < s->count; i++) { /* those the budget left out are neither */
            report->tried += s->results[i].done || s->results[i].failed;
            report->failed += s->results[i].failed;
        }
        for (int q = 0; q < opts->shape_count; q++) {
            report->default_s[q] = s->results[0].done ? s->results[0].shape_s[q] : 0;
            report->tuned_s[q] = clcnn_tune_chosen_time(opts->shapes, q, s->results, choice);
        }
        char *comment = malloc(16384);
        if (!comment)
            st = clcnn_fail(CLCNN_ERR_NOMEM, "tune: out of memory");
        else
            measured_comment(s, choice, comment, 16384);
        if (st == CLCNN_OK)
            st = clcnn_tune_store(&s->device, &report->best, comment);
        if (st == CLCNN_OK)
            st = clcnn_tune_path(&s->device, report->path, sizeof report->path);
        free(comment);
    }
    free(s);
    return st;
}
