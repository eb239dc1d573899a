/* The candidates of `clcnn tune` from a device description (cl_tune_space.h).
 *
 * CPUs (PoCL and the like): a work-item is a loop iteration and a
 * work-group one task on a core, so few work-items each computing a block
 * of C with the device's vector width win, with no local-memory staging. The
 * block is sized so that its accumulators fill about half the vector
 * registers (32 of them where the preferred width is 16, as AVX-512 has, 16
 * otherwise, as AVX/AVX2 and SSE have): enough independent multiply-adds to
 * hide their latency, room left for the A and B vectors; and one set of the
 * kind CLBlast's own tuner finds on PoCL (local-memory staging, 8 x 8).
 * GPUs: 64 to 256 work-items per group (within the device's limit), A and B
 * staged in local memory (within its size) or not, 64 and 128 tiles.
 * Either way the refinement (tune_space_neighbours) walks from there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl/cl_tune_space.h"
#include "cl/cl_tune_worker.h"

/* The parameters as int arrays, in the structs' order. */
enum { MWG, NWG, KWG, MDIMC, NDIMC, MDIMA, NDIMB, KWI, VWM, VWN, SA, SB, XN };
enum { WGD, MDIMCD, NDIMCD, MDIMAD, NDIMBD, KWID, VWMD, VWND, PADA, PADB, DN };
_Static_assert(sizeof(tune_xgemm) == XN * sizeof(int), "tune_xgemm is XN ints");
_Static_assert(sizeof(tune_direct) == DN * sizeof(int), "tune_direct is DN ints");

#define MAX_WIDTH 16
#define POOL 96

static int divides(int of, int x)
{
    return of > 0 && x % of == 0;
}

static int pow2_width(int w)
{
    return w >= 1 && w <= MAX_WIDTH && (w & (w - 1)) == 0;
}

static int work_group_fits(const clcnn_tune_device *dev, int x, int y)
{
    return x >= 1 && y >= 1 && (size_t)x * (size_t)y <= dev->max_work_group &&
           (size_t)x <= dev->max_work_item[0] && (size_t)y <= dev->max_work_item[1];
}

/* The tiles one work-group reads along its k loop stay within half the
 * cache (0: unknown, no limit). */
static int cache_fits(const clcnn_tune_device *dev, size_t bytes)
{
    return dev->cache == 0 || bytes <= dev->cache / 2;
}

size_t tune_xgemm_local_bytes(const tune_xgemm *x)
{
    return sizeof(float) * ((size_t)x->sa * x->kwg * x->mwg + (size_t)x->sb * x->kwg * x->nwg);
}

size_t tune_direct_local_bytes(const tune_direct *d)
{
    return sizeof(float) *
           ((size_t)d->wgd * (d->wgd + d->pada) + (size_t)d->wgd * (d->wgd + d->padb));
}

int tune_xgemm_fits(const clcnn_tune_device *dev, const tune_xgemm *x)
{
    const int *v = &x->mwg;
    for (int i = 0; i < SA; i++)
        if (v[i] < 1)
            return 0;
    if ((x->sa != 0 && x->sa != 1) || (x->sb != 0 && x->sb != 1))
        return 0;
    if (!pow2_width(x->vwm) || !pow2_width(x->vwn))
        return 0;
    int threads = x->mdimc * x->ndimc;
    /* CLBlast: KWG unrolled by KWI; whole work per work-item (MWI, NWI);
     * whole reshaped loads (MWIA, NWIB); KWG a multiple of the reshaped
     * tiles' k extents (KDIMA, KDIMB). */
    if (!divides(x->kwi, x->kwg) || !divides(x->mdimc * x->vwm, x->mwg) ||
        !divides(x->ndimc * x->vwn, x->nwg) || !divides(x->mdima * x->vwm, x->mwg) ||
        !divides(x->ndimb * x->vwn, x->nwg) || !divides(x->mdima, threads) ||
        !divides(x->ndimb, threads) || !divides(threads / x->mdima, x->kwg) ||
        !divides(threads / x->ndimb, x->kwg))
        return 0;
    return work_group_fits(dev, x->mdimc, x->ndimc) &&
           tune_xgemm_local_bytes(x) <= dev->local_mem &&
           cache_fits(dev, sizeof(float) * (size_t)x->kwg * (size_t)(x->mwg + x->nwg));
}

int tune_direct_fits(const clcnn_tune_device *dev, const tune_direct *d)
{
    const int *v = &d->wgd;
    for (int i = 0; i < PADA; i++)
        if (v[i] < 1)
            return 0;
    if ((d->pada != 0 && d->pada != 1) || (d->padb != 0 && d->padb != 1))
        return 0;
    if (!pow2_width(d->vwmd) || !pow2_width(d->vwnd))
        return 0;
    int threads = d->mdimcd * d->ndimcd;
    if (!divides(d->kwid, d->wgd) || !divides(d->mdimcd * d->vwmd, d->wgd) ||
        !divides(d->ndimcd * d->vwnd, d->wgd) || !divides(d->mdimad * d->vwmd, d->wgd) ||
        !divides(d->ndimbd * d->vwnd, d->wgd) || !divides(d->mdimad, threads) ||
        !divides(d->ndimbd, threads) || !divides(threads / d->mdimad, d->wgd) ||
        !divides(threads / d->ndimbd, d->wgd))
        return 0;
    return work_group_fits(dev, d->mdimcd, d->ndimcd) &&
           tune_direct_local_bytes(d) <= dev->local_mem &&
           cache_fits(dev, tune_direct_local_bytes(d));
}

static int floor_pow2_width(int w)
{
    int p = 1;
    while (p * 2 <= w && p * 2 <= MAX_WIDTH)
        p *= 2;
    return p;
}

void tune_space_widths(const clcnn_tune_device *dev, int widths[3], int *count)
{
    int pref = dev->vector_preferred > 0 ? dev->vector_preferred : 4;
    int want[3] = {pref, dev->vector_native > 0 ? dev->vector_native : pref, pref / 2};
    int n = 0;
    for (int i = 0; i < 3; i++) {
        if (want[i] < 1)
            continue;
        int w = floor_pow2_width(want[i]), seen = 0;
        for (int j = 0; j < n; j++)
            seen |= widths[j] == w;
        if (!seen)
            widths[n++] = w;
    }
    *count = n;
}

/* A seed, how likely it is to win within its group (lower first), the
 * group (a vector width, or a kind of set) and its place in the pool. */
typedef struct scored {
    int score, group, order;
    tune_xgemm x;
    tune_direct d;
} scored;

static int compare_ints(int a, int b)
{
    return (a > b) - (a < b);
}

static int by_score(const void *a, const void *b)
{
    const scored *p = a, *q = b;
    int c = compare_ints(p->score, q->score);
    return c ? c : compare_ints(p->order, q->order);
}

/* Then the groups take turns: the best of each group, then the second of
 * each... (score holds the rank within the group by then). */
static int by_turn(const void *a, const void *b)
{
    const scored *p = a, *q = b;
    int c = compare_ints(p->score, q->score);
    c = c ? c : compare_ints(p->group, q->group);
    return c ? c : compare_ints(p->order, q->order);
}

/* Sort (groups taking turns) and drop repeats (different routes to the same
 * set). */
static int sorted_unique(scored *pool, int n)
{
    for (int i = 0; i < n; i++)
        pool[i].order = i;
    qsort(pool, (size_t)n, sizeof *pool, by_score);
    int rank[8] = {0};
    for (int i = 0; i < n; i++)
        pool[i].score = rank[pool[i].group & 7]++;
    qsort(pool, (size_t)n, sizeof *pool, by_turn);
    int kept = 0;
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < kept && !seen; j++)
            seen = memcmp(&pool[j].x, &pool[i].x, sizeof pool[i].x) == 0 &&
                   memcmp(&pool[j].d, &pool[i].d, sizeof pool[i].d) == 0;
        if (!seen)
            pool[kept++] = pool[i];
    }
    return kept;
}

static int log2_distance(int a, int b)
{
    int d = 0;
    for (; a > b; a /= 2)
        d++;
    for (; b > a; b /= 2)
        d++;
    return d;
}

static int xgemm_pool(const clcnn_tune_device *dev, scored *pool)
{
    int widths[3], nw, n = 0;
    tune_space_widths(dev, widths, &nw);
    /* The register file in floats: 32 registers where the preferred width
     * is 16 (AVX-512), 16 otherwise (AVX/AVX2, SSE); the accumulators take
     * about half, whatever the width a set uses. */
    int regs = widths[0] >= 16 ? 32 : 16, target = regs * widths[0] / 2;
    static const int cpu_groups[][2] = {{4, 4}, {8, 8}, {2, 4}};
    static const int gpu_groups[][2] = {{16, 16}, {8, 8}, {16, 8}, {8, 4}};
    for (int wi = 0; wi < nw; wi++) {
        int v = widths[wi];
        if (!dev->gpu) {
            for (int g = 0; g < 3; g++)
                for (int mwi = v; mwi <= 2 * v; mwi *= 2)
                    for (int nwi = 4; nwi <= 16; nwi *= 2) {
                        int acc = mwi * nwi;
                        if (acc * 4 < target || acc > target || n >= POOL)
                            continue;
                        int mc = cpu_groups[g][0], nc = cpu_groups[g][1];
                        tune_xgemm x = {mc * mwi, nc * nwi, 32, mc, nc, mc, nc, 2, v,
                                        nwi < v ? nwi : v, 0, 0};
                        /* blocks at least as long along M, the vectorized
                         * dimension of A and C, first */
                        pool[n] = (scored){g * 10 + 2 * log2_distance(acc * 2, target) +
                                               (mwi < nwi), wi, 0, x, {0}};
                        n += tune_xgemm_fits(dev, &x);
                    }
            if (wi == 0 && n < POOL) {
                /* A group of its own: CLBlast's own tuner's kind of set, 8 x 8
                 * work-items staging 64 x 64 tiles in local memory with 4-wide
                 * vectors, which it finds best for conv shapes on PoCL. */
                int vs = v < 4 ? v : 4;
                tune_xgemm x = {64, 64, 32, 8, 8, 8, 8, 2, vs, vs, 1, 1};
                pool[n] = (scored){0, 3, 0, x, {0}};
                n += tune_xgemm_fits(dev, &x);
            }
            continue;
        }
        for (int g = 0; g < 4; g++)
            for (int tile = 64; tile <= 128; tile *= 2)
                for (int staged = 1; staged >= 0 && n < POOL; staged--) {
                    int mc = gpu_groups[g][0], nc = gpu_groups[g][1];
                    tune_xgemm x = {tile, tile, 32, mc, nc, mc, nc, 2, v, v, staged, staged};
                    pool[n] = (scored){g * 10 + (tile == 128) * 2 + !staged, wi, 0, x, {0}};
                    n += tune_xgemm_fits(dev, &x);
                }
    }
    return n;
}

static int direct_pool(const clcnn_tune_device *dev, scored *pool)
{
    int widths[3], nw, n = 0;
    tune_space_widths(dev, widths, &nw);
    /* Work-groups (MDIMCD, NDIMCD) with the loads reshaped across them. */
    static const int cpu_groups[][2] = {{32, 8}, {16, 8}, {16, 16}, {8, 8}};
    static const int gpu_groups[][2] = {{16, 16}, {8, 8}, {16, 8}, {32, 8}};
    const int (*groups)[2] = dev->gpu ? gpu_groups : cpu_groups;
    for (int g = 0; g < 4; g++)
        for (int wgd = 64; wgd >= 32; wgd /= 2)
            for (int wi = 0; wi < nw && n < POOL; wi++) {
                int mc = groups[g][0], nc = groups[g][1];
                /* Loads reshaped across the other dimension: MDIMAD = NDIMCD,
                 * NDIMBD = MDIMCD, so both widths are bound by the larger. */
                int w = wgd / (mc > nc ? mc : nc);
                int cap = dev->gpu ? 2 : widths[wi]; /* coalesced GPU loads: narrow */
                w = floor_pow2_width(w < cap ? w : cap);
                tune_direct d = {wgd, mc, nc, nc, mc, 2, w, w, 1, 1};
                pool[n] = (scored){g * 10 + (wgd == 32) * 4 + wi, 0, 0, {0}, d};
                n += tune_direct_fits(dev, &d);
            }
    return n;
}

int tune_space_seeds(const clcnn_tune_device *dev, int quick, tune_point *out, int max)
{
    scored *xs = malloc(2 * POOL * sizeof *xs);
    if (!xs)
        return 0;
    scored *ds = xs + POOL;
    int nx = xgemm_pool(dev, xs), nd = direct_pool(dev, ds);
    nx = sorted_unique(xs, nx);
    nd = sorted_unique(ds, nd);
    int want_x = quick ? 3 : 8, want_d = quick ? 2 : 4;
    nx = nx < want_x ? nx : want_x;
    nd = nd < want_d ? nd : want_d;
    int n = 0;
    for (int i = 0; (i < nx || i < nd) && n < max; i++) {
        /* The other path's kernel: the first seed of that path. */
        if (i < nx)
            out[n++] = (tune_point){.path = TUNE_PATH_INDIRECT, .x = xs[i].x,
                                    .d = nd ? ds[0].d : (tune_direct){0}};
        if (i < nd && n < max)
            out[n++] = (tune_point){.path = TUNE_PATH_DIRECT,
                                    .x = nx ? xs[0].x : (tune_xgemm){0}, .d = ds[i].d};
    }
    free(xs);
    return n;
}

/* A move: parameter a, and b with it (-1: none), doubled or halved; or, for
 * the 0/1 flags, toggled. */
typedef struct move {
    signed char a, b;
} move;

static const move XMOVES[] = {
    {MWG, -1}, {NWG, -1}, {KWG, -1}, {KWI, -1}, {VWM, -1}, {VWN, -1},
    {MDIMC, MDIMA}, {NDIMC, NDIMB}, {MDIMA, -1}, {NDIMB, -1},
    {MWG, VWM}, {NWG, VWN}, {MWG, MDIMC}, {NWG, NDIMC}, /* same blocks, other shapes */
};
static const move XTOGGLES[] = {{SA, SB}, {SA, -1}, {SB, -1}};
static const move DMOVES[] = {
    {WGD, -1}, {KWID, -1}, {VWMD, -1}, {VWND, -1}, {MDIMCD, -1}, {NDIMCD, -1},
    {MDIMAD, -1}, {NDIMBD, -1}, {MDIMCD, NDIMBD}, {NDIMCD, MDIMAD},
    {WGD, VWMD}, {WGD, VWND}, {VWMD, VWND},
};
static const move DTOGGLES[] = {{PADA, PADB}, {PADA, -1}, {PADB, -1}};

/* Apply every move both ways (toggles once) to the n ints of p's path and
 * append what fits and differs from p. */
static int apply_moves(const clcnn_tune_device *dev, const tune_point *p, const move *moves,
                       int nmoves, const move *toggles, int ntoggles, tune_point *out, int max)
{
    int direct = p->path == TUNE_PATH_DIRECT, count = 0;
    int nint = direct ? DN : XN;
    int base[XN];
    memcpy(base, direct ? (const void *)&p->d : (const void *)&p->x, sizeof(int) * (size_t)nint);
    for (int m = 0; m < nmoves + ntoggles && count < max; m++) {
        const move *mv = m < nmoves ? &moves[m] : &toggles[m - nmoves];
        for (int up = 0; up < (m < nmoves ? 2 : 1) && count < max; up++) {
            int v[XN];
            memcpy(v, base, sizeof v);
            for (int k = 0; k < 2; k++) {
                int i = k ? mv->b : mv->a;
                if (i >= 0)
                    v[i] = m >= nmoves ? !v[i] : up ? v[i] * 2 : v[i] / 2;
            }
            if (memcmp(v, base, sizeof(int) * (size_t)nint) == 0)
                continue;
            tune_point q = *p;
            memcpy(direct ? (void *)&q.d : (void *)&q.x, v, sizeof(int) * (size_t)nint);
            if (direct ? tune_direct_fits(dev, &q.d) : tune_xgemm_fits(dev, &q.x))
                out[count++] = q;
        }
    }
    return count;
}

int tune_space_neighbours(const clcnn_tune_device *dev, const tune_point *p, tune_point *out,
                          int max)
{
    if (p->path == TUNE_PATH_DIRECT)
        return apply_moves(dev, p, DMOVES, (int)(sizeof DMOVES / sizeof DMOVES[0]), DTOGGLES,
                           3, out, max);
    int n = apply_moves(dev, p, XMOVES, (int)(sizeof XMOVES / sizeof XMOVES[0]), XTOGGLES, 3,
                        out, max);
    if (n < max) {
        out[n] = *p;
        out[n++].clblast_helpers = !p->clblast_helpers;
    }
    return n;
}

void clcnn_tune_device_format(const clcnn_tune_device *d, char *buf, size_t size)
{
    snprintf(buf, size,
             "vector float %d preferred, %d native; work-group %zu (%zu x %zu); local %llu KiB; "
             "cache %llu KiB; %s",
             d->vector_preferred, d->vector_native, d->max_work_group, d->max_work_item[0],
             d->max_work_item[1], d->local_mem / 1024, d->cache / 1024, d->gpu ? "GPU" : "CPU");
}
