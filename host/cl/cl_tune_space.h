/* The search space of `clcnn tune`, derived from what the device reports
 * (cl_tune_space.c): a pure function of a small device description, so that
 * tests can run it on made-up devices. The OpenCL query that fills the
 * description lives in cl_tune_describe.c.
 *
 * The constraints are CLBlast's (its xgemm and xgemm_direct tuners): a
 * parameter set that breaks one does not compile or computes garbage. */
#ifndef CLCNN_CL_TUNE_SPACE_H
#define CLCNN_CL_TUNE_SPACE_H

#include <stddef.h>

/* What the candidates are chosen from. */
typedef struct clcnn_tune_device {
    int gpu;                       /* CL_DEVICE_TYPE_GPU */
    int vector_preferred;          /* CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT */
    int vector_native;             /* CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT */
    size_t max_work_group;         /* CL_DEVICE_MAX_WORK_GROUP_SIZE */
    size_t max_work_item[2];       /* CL_DEVICE_MAX_WORK_ITEM_SIZES, first two */
    unsigned long long local_mem;  /* CL_DEVICE_LOCAL_MEM_SIZE, bytes */
    unsigned long long cache;      /* CL_DEVICE_GLOBAL_MEM_CACHE_SIZE, bytes; 0: unknown */
} clcnn_tune_device;

/* CLBlast's indirect GEMM kernel (Xgemm, GEMMK 0, KREG 1, STRM = STRN = 0):
 * a work-group of MDIMC x NDIMC work-items computes an MWG x NWG tile of C,
 * KWG at a time along k (unrolled by KWI), with VWM- and VWN-wide vectors;
 * MDIMA, NDIMB reshape the loads; SA, SB stage A and B in local memory. */
typedef struct tune_xgemm {
    int mwg, nwg, kwg, mdimc, ndimc, mdima, ndimb, kwi, vwm, vwn, sa, sb;
} tune_xgemm;

/* CLBlast's direct GEMM kernel (XgemmDirect): WGD x WGD tiles, always staged
 * in local memory (PADA, PADB: one padding column against bank conflicts). */
typedef struct tune_direct {
    int wgd, mdimcd, ndimcd, mdimad, ndimbd, kwid, vwmd, vwnd, pada, padb;
} tune_direct;

/* One candidate: the path it forces (TUNE_PATH_INDIRECT or _DIRECT of
 * cl_tune_worker.h) and both kernels' parameters (the other path's are the
 * first seed's, named so that the set replaces an earlier one whole). */
typedef struct tune_point {
    int path;
    tune_xgemm x;
    tune_direct d;
    int clblast_helpers; /* 1: CLBlast's defaults for the indirect GEMM's pad, copy
                          * and transpose kernels; 0: clcnn's (cl_tune_sets.c) */
} tune_point;

/* At most this many seeds. */
#define TUNE_MAX_SEEDS 12

/* Local memory a kernel uses, in bytes (float). */
size_t tune_xgemm_local_bytes(const tune_xgemm *x);
size_t tune_direct_local_bytes(const tune_direct *d);

/* 1 when the parameters meet CLBlast's constraints and the device's limits
 * (work-group size and shape, local memory, and the tiles one work-group
 * streams through along KWG within half the cache). */
int tune_xgemm_fits(const clcnn_tune_device *dev, const tune_xgemm *x);
int tune_direct_fits(const clcnn_tune_device *dev, const tune_direct *d);

/* The first candidates for a device, the likeliest first, indirect and
 * direct interleaved (a search cut short still tries both paths); quick:
 * fewer. Each fits. Returns how many were written (at most max). */
int tune_space_seeds(const clcnn_tune_device *dev, int quick, tune_point *out, int max);

/* The neighbours of p on its path: one parameter (or a pair that keeps the
 * work per work-item) a step up or down, a 0/1 flag flipped (local-memory
 * staging, padding, the helper kernels), each fitting the device. Returns
 * how many were written (at most max). */
int tune_space_neighbours(const clcnn_tune_device *dev, const tune_point *p, tune_point *out,
                          int max);

/* The float vector widths to try on the device: the preferred one first,
 * then the native one, then half the preferred (>= 1); *count of them. */
void tune_space_widths(const clcnn_tune_device *dev, int widths[3], int *count);

/* "vector float 16 preferred, 16 native; work-group 4096 (4096 x 4096);
 * local 4096 KiB; cache 1024 KiB; CPU" */
void clcnn_tune_device_format(const clcnn_tune_device *d, char *buf, size_t size);

#endif
