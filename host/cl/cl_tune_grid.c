/* The candidate parameter sets of `clcnn tune`: a small grid around sets
 * known to be good on CPUs under PoCL (work-groups of 4x4 work-items, each
 * computing a 16x8 or 8x16 block with 8-wide vectors, no local memory: on a
 * CPU a work-item is a loop iteration, so few work-items with much work each,
 * vector loads and no local-memory staging win), varied one or two
 * parameters at a time. GPUs get the same grid: it is cheap to run and
 * CLBlast's own defaults (candidate 0) stay in the race.
 *
 * Every candidate but the first names the same kernels with all their
 * parameters, so that it replaces the previous candidate's overrides whole. */
#include <string.h>

#include "cl/cl_tune_worker.h"

/* An Xgemm kernel-0 variant (CLBlast's indirect GEMM); MDIMA = MDIMC,
 * NDIMB = NDIMC, KREG 1, STRM = STRN = 0. sa_sb: local-memory staging of A
 * and B. CLBlast's second kernel (GEMMK 1) is left out: with CLBlast 1.5.3
 * on PoCL it gave wrong results and corrupted the heap for some shapes. */
typedef struct xgemm_variant {
    int mwg, nwg, kwg, mdimc, ndimc, vwm, vwn, kwi, sa_sb;
} xgemm_variant;

/* The quick grid is the first QUICK_COUNT entries. MWG and NWG = 32 divide
 * the row and column counts of conv weight matrices (F = 32, 64, 128;
 * C*K*K = 800, 1600), so that no operand needs a padded copy. */
static const xgemm_variant GRID[] = {
    {64, 32, 32, 4, 4, 8, 8, 2, 0},
    {32, 32, 32, 4, 4, 8, 8, 2, 0},
    {64, 64, 32, 4, 4, 8, 8, 2, 0},
    {128, 32, 32, 4, 4, 8, 8, 2, 0},
    {64, 32, 16, 4, 4, 8, 8, 2, 0},
    {64, 32, 32, 4, 2, 8, 8, 2, 0},
    {64, 32, 32, 8, 4, 8, 8, 2, 0},
    {64, 32, 32, 4, 4, 16, 8, 2, 0},
    {64, 32, 32, 4, 4, 8, 8, 8, 0},
    {64, 32, 32, 4, 4, 8, 8, 2, 1},
    {64, 32, 32, 4, 4, 4, 4, 2, 0},
    {32, 64, 32, 4, 4, 8, 8, 2, 0},
};
#define GRID_COUNT ((int)(sizeof GRID / sizeof GRID[0]))
#define QUICK_COUNT 3

/* An XgemmDirect variant (CLBlast's single-kernel GEMM: no padding or
 * transposing passes, WGD x WGD tiles staged in local memory). It wins where
 * the indirect GEMM's helper passes or its per-work-item streams cost more
 * than the GEMM: small k (conv1's 75), small outputs with a huge k (weight
 * gradients), and the small fc GEMMs. CLBlast's defaults for unknown CPUs
 * (8x8 work-groups) run these at 4-7 GFLOP/s on PoCL; these reach 20-26 on
 * a weight-gradient shape (found with CLBlast's clblast_tuner_xgemm_direct). */
typedef struct direct_variant {
    int wgd, mdimcd, ndimcd, mdimad, ndimbd, kwid, vwmd, vwnd, pada, padb;
} direct_variant;

static const direct_variant DIRECT[] = {
    {64, 32, 8, 8, 32, 2, 2, 2, 1, 1},
    {64, 16, 8, 8, 16, 16, 2, 1, 0, 1},
    {64, 32, 8, 32, 8, 8, 2, 2, 1, 1},
    {32, 16, 8, 16, 8, 2, 2, 2, 1, 1},
    {64, 32, 8, 32, 16, 16, 2, 2, 0, 1},
    {64, 16, 16, 16, 16, 8, 4, 4, 1, 1},
};
#define DIRECT_COUNT ((int)(sizeof DIRECT / sizeof DIRECT[0]))
#define QUICK_DIRECT_COUNT 3

/* XGEMM_MIN_INDIRECT_SIZE: CLBlast runs the direct kernel when m*n*k is
 * below its cube. A candidate forces one path for every shape, and the
 * search (cl_tune_search.c) picks the threshold per class from the two. */
#define ALL_INDIRECT 1
#define ALL_DIRECT 65536

/* The helper kernels of an indirect GEMM (pad, copy, transposes) with many
 * elements per work-item: fewer, longer work-items suit CPUs. */
typedef struct fixed_kernel {
    const char *name;
    int count;
    const char *param[4];
    size_t value[4];
} fixed_kernel;

static const fixed_kernel HELPERS[] = {
    {"Copy", 4, {"COPY_DIMX", "COPY_DIMY", "COPY_VW", "COPY_WPT"}, {8, 8, 8, 4}},
    {"Pad", 4, {"PAD_DIMX", "PAD_DIMY", "PAD_WPTX", "PAD_WPTY"}, {8, 8, 4, 4}},
    {"Transpose", 4, {"TRA_DIM", "TRA_PAD", "TRA_SHUFFLE", "TRA_WPT"}, {8, 0, 0, 8}},
    {"Padtranspose", 3, {"PADTRA_PAD", "PADTRA_TILE", "PADTRA_WPT"}, {0, 8, 4}},
};
#define HELPER_COUNT ((int)(sizeof HELPERS / sizeof HELPERS[0]))

static void put(clcnn_tune_kernel *k, const char *name, size_t value)
{
    strcpy(k->param[k->count], name);
    k->value[k->count++] = value;
}

static clcnn_tune_kernel *add_kernel(clcnn_tune_set *set, const char *name)
{
    clcnn_tune_kernel *k = &set->kernels[set->count++];
    strcpy(k->name, name);
    return k;
}

static void put_xgemm(clcnn_tune_set *set, const xgemm_variant *v)
{
    clcnn_tune_kernel *x = add_kernel(set, "Xgemm");
    put(x, "GEMMK", 0);
    put(x, "KREG", 1);
    put(x, "KWG", (size_t)v->kwg);
    put(x, "KWI", (size_t)v->kwi);
    put(x, "MDIMA", (size_t)v->mdimc);
    put(x, "MDIMC", (size_t)v->mdimc);
    put(x, "MWG", (size_t)v->mwg);
    put(x, "NDIMB", (size_t)v->ndimc);
    put(x, "NDIMC", (size_t)v->ndimc);
    put(x, "NWG", (size_t)v->nwg);
    put(x, "SA", (size_t)v->sa_sb);
    put(x, "SB", (size_t)v->sa_sb);
    put(x, "STRM", 0);
    put(x, "STRN", 0);
    put(x, "VWM", (size_t)v->vwm);
    put(x, "VWN", (size_t)v->vwn);
}

static void put_direct(clcnn_tune_set *set, const direct_variant *v)
{
    clcnn_tune_kernel *d = add_kernel(set, "XgemmDirect");
    put(d, "KWID", (size_t)v->kwid);
    put(d, "MDIMAD", (size_t)v->mdimad);
    put(d, "MDIMCD", (size_t)v->mdimcd);
    put(d, "NDIMBD", (size_t)v->ndimbd);
    put(d, "NDIMCD", (size_t)v->ndimcd);
    put(d, "PADA", (size_t)v->pada);
    put(d, "PADB", (size_t)v->padb);
    put(d, "VWMD", (size_t)v->vwmd);
    put(d, "VWND", (size_t)v->vwnd);
    put(d, "WGD", (size_t)v->wgd);
}

/* Kernels in the TUNE_KERNEL_* order, then the helpers. */
static void make_set(const xgemm_variant *x, const direct_variant *d, size_t min_indirect,
                     int with_helpers, clcnn_tune_set *set)
{
    memset(set, 0, sizeof *set);
    put_xgemm(set, x);
    put_direct(set, d);
    put(add_kernel(set, "GemmRoutine"), "XGEMM_MIN_INDIRECT_SIZE", min_indirect);
    for (int h = 0; h < HELPER_COUNT; h++) {
        clcnn_tune_kernel *k = add_kernel(set, HELPERS[h].name);
        /* Without helpers: CLBlast's own defaults for these kernels, which a
         * candidate must still name so that it undoes an earlier override. */
        static const size_t defaults[][4] = {{16, 16, 4, 2}, {32, 8, 2, 1}, {8, 0, 1, 4},
                                             {0, 8, 4, 0}};
        for (int p = 0; p < HELPERS[h].count; p++)
            put(k, HELPERS[h].param[p], with_helpers ? HELPERS[h].value[p] : defaults[h][p]);
    }
}

int clcnn_tune_set_path(const clcnn_tune_set *set)
{
    if (set->count < 3)
        return TUNE_PATH_DEFAULTS;
    const clcnn_tune_kernel *routine = &set->kernels[TUNE_KERNEL_ROUTINE];
    return routine->value[0] >= ALL_DIRECT ? TUNE_PATH_DIRECT : TUNE_PATH_INDIRECT;
}

void clcnn_tune_grid(int quick, clcnn_tune_set *sets, int max, int *count)
{
    int n = 0;
    if (n < max)
        memset(&sets[n++], 0, sizeof sets[0]); /* CLBlast's defaults */
    /* Indirect and direct variants interleaved: a search cut short still
     * tries both paths. */
    int indirect = quick ? QUICK_COUNT : GRID_COUNT;
    int direct = quick ? QUICK_DIRECT_COUNT : DIRECT_COUNT;
    for (int i = 0; (i < indirect || i < direct) && n < max; i++) {
        if (i < indirect)
            make_set(&GRID[i], &DIRECT[0], ALL_INDIRECT, 1, &sets[n++]);
        if (i < direct && n < max)
            make_set(&GRID[0], &DIRECT[i], ALL_DIRECT, 1, &sets[n++]);
    }
    /* The reference point with CLBlast's helper kernels: do the helpers pay? */
    if (n < max)
        make_set(&GRID[0], &DIRECT[0], ALL_INDIRECT, 0, &sets[n++]);
    *count = n;
}
