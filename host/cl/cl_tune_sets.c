/* The candidates of `clcnn tune` as CLBlast parameter sets: a point of the
 * search space (cl_tune_space.h) becomes the Xgemm, XgemmDirect and
 * GemmRoutine parameters, and those of the helper kernels of the indirect
 * GEMM. Every candidate but CLBlast's defaults names the same kernels with
 * all their parameters, so that it replaces the previous candidate's
 * overrides whole. */
#include <string.h>

#include "cl/cl_tune_worker.h"

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

static void put_xgemm(clcnn_tune_set *set, const tune_xgemm *v)
{
    clcnn_tune_kernel *x = add_kernel(set, "Xgemm");
    put(x, "GEMMK", 0);
    put(x, "KREG", 1);
    put(x, "KWG", (size_t)v->kwg);
    put(x, "KWI", (size_t)v->kwi);
    put(x, "MDIMA", (size_t)v->mdima);
    put(x, "MDIMC", (size_t)v->mdimc);
    put(x, "MWG", (size_t)v->mwg);
    put(x, "NDIMB", (size_t)v->ndimb);
    put(x, "NDIMC", (size_t)v->ndimc);
    put(x, "NWG", (size_t)v->nwg);
    put(x, "SA", (size_t)v->sa);
    put(x, "SB", (size_t)v->sb);
    put(x, "STRM", 0);
    put(x, "STRN", 0);
    put(x, "VWM", (size_t)v->vwm);
    put(x, "VWN", (size_t)v->vwn);
}

static void put_direct(clcnn_tune_set *set, const tune_direct *v)
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
void clcnn_tune_point_set(const tune_point *p, clcnn_tune_set *set)
{
    memset(set, 0, sizeof *set);
    if (p->path == TUNE_PATH_DEFAULTS)
        return;
    int with_helpers = !p->clblast_helpers;
    put_xgemm(set, &p->x);
    put_direct(set, &p->d);
    put(add_kernel(set, "GemmRoutine"), "XGEMM_MIN_INDIRECT_SIZE",
        p->path == TUNE_PATH_DIRECT ? ALL_DIRECT : ALL_INDIRECT);
    for (int h = 0; h < HELPER_COUNT; h++) {
        clcnn_tune_kernel *k = add_kernel(set, HELPERS[h].name);
        /* clblast_helpers: CLBlast's own defaults for these kernels, which a
         * candidate must still name so that it undoes an earlier override. */
        static const size_t defaults[][4] = {{16, 16, 4, 2}, {32, 8, 2, 1}, {8, 0, 1, 4},
                                             {0, 8, 4, 0}};
        for (int j = 0; j < HELPERS[h].count; j++)
            put(k, HELPERS[h].param[j], with_helpers ? HELPERS[h].value[j] : defaults[h][j]);
    }
}

int clcnn_tune_set_path(const clcnn_tune_set *set)
{
    if (set->count < 3)
        return TUNE_PATH_DEFAULTS;
    const clcnn_tune_kernel *routine = &set->kernels[TUNE_KERNEL_ROUTINE];
    return routine->value[0] >= ALL_DIRECT ? TUNE_PATH_DIRECT : TUNE_PATH_INDIRECT;
}

void clcnn_tune_seed_sets(const clcnn_tune_device *dev, int quick, clcnn_tune_set *sets,
                          int max, int *count)
{
    tune_point points[TUNE_MAX_SEEDS + 1] = {{TUNE_PATH_DEFAULTS}};
    int n = max > 0 ? 1 + tune_space_seeds(dev, quick, points + 1,
                                           max - 1 < TUNE_MAX_SEEDS ? max - 1 : TUNE_MAX_SEEDS)
                    : 0;
    for (int i = 0; i < n; i++)
        clcnn_tune_point_set(&points[i], &sets[i]);
    *count = n;
}
