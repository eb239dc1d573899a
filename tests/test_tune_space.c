/* The candidates of `clcnn tune` from a device description
 * (cl_tune_space.c), on made-up devices: every seed and every neighbour
 * meets CLBlast's constraints and the device's limits, and the seeds use the
 * vector width the device prefers. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cl/cl_tune_space.h"
#include "cl/cl_tune_worker.h"
#include "test_files.h"

/* gpu, preferred and native float width, work-group limit, per-dimension
 * limits, local memory, cache */
static const clcnn_tune_device AVX512 = {0, 16, 16, 4096, {4096, 4096}, 1 << 20, 32u << 20};
static const clcnn_tune_device AVX2 = {0, 8, 8, 4096, {4096, 4096}, 1 << 20, 8u << 20};
static const clcnn_tune_device SSE = {0, 4, 4, 1024, {1024, 1024}, 32768, 1 << 20};
static const clcnn_tune_device GPU = {1, 4, 4, 256, {256, 256}, 48 * 1024, 2u << 20};
static const clcnn_tune_device *const DEVICES[] = {&AVX512, &AVX2, &SSE, &GPU};
#define DEVICE_COUNT 4

static int multiple(int x, int of)
{
    return of > 0 && x % of == 0;
}

/* The limits stated by CLBlast's tuners and the device, checked here one by
 * one so that a failure names the one broken. */
static void assert_point_fits(const clcnn_tune_device *dev, const tune_point *p)
{
    if (p->path == TUNE_PATH_INDIRECT) {
        const tune_xgemm *x = &p->x;
        ck_assert_int_le(x->mdimc * x->ndimc, (int)dev->max_work_group);
        ck_assert_uint_le(tune_xgemm_local_bytes(x), dev->local_mem);
        ck_assert(multiple(x->mwg, x->mdimc * x->vwm));
        ck_assert(multiple(x->nwg, x->ndimc * x->vwn));
        ck_assert(multiple(x->mwg, x->mdima * x->vwm));
        ck_assert(multiple(x->nwg, x->ndimb * x->vwn));
        ck_assert(multiple(x->kwg, x->kwi));
        ck_assert(multiple(x->kwg, x->mdimc * x->ndimc / x->mdima));
        ck_assert(multiple(x->kwg, x->mdimc * x->ndimc / x->ndimb));
        ck_assert(tune_xgemm_fits(dev, x));
    } else {
        ck_assert_int_eq(p->path, TUNE_PATH_DIRECT);
        const tune_direct *d = &p->d;
        ck_assert_int_le(d->mdimcd * d->ndimcd, (int)dev->max_work_group);
        ck_assert_uint_le(tune_direct_local_bytes(d), dev->local_mem);
        ck_assert(multiple(d->wgd, d->kwid));
        ck_assert(multiple(d->wgd, d->mdimcd * d->vwmd));
        ck_assert(multiple(d->wgd, d->ndimcd * d->vwnd));
        ck_assert(multiple(d->wgd, d->mdimad * d->vwmd));
        ck_assert(multiple(d->wgd, d->ndimbd * d->vwnd));
        ck_assert(multiple(d->wgd, d->mdimcd * d->ndimcd / d->mdimad));
        ck_assert(multiple(d->wgd, d->mdimcd * d->ndimcd / d->ndimbd));
        ck_assert(tune_direct_fits(dev, d));
    }
}

START_TEST(local_memory_follows_clblast)
{
    tune_xgemm x = {64, 32, 32, 4, 4, 4, 4, 2, 8, 8, 1, 0};
    ck_assert_uint_eq(tune_xgemm_local_bytes(&x), 4 * 32 * 64); /* A staged */
    x.sb = 1;
    ck_assert_uint_eq(tune_xgemm_local_bytes(&x), 4 * 32 * (64 + 32));
    tune_direct d = {32, 8, 8, 8, 8, 2, 2, 2, 1, 0};
    ck_assert_uint_eq(tune_direct_local_bytes(&d), 4 * (32 * 33 + 32 * 32));
}
END_TEST

START_TEST(fits_rejects_each_broken_limit)
{
    const tune_xgemm good = {64, 32, 32, 4, 4, 4, 4, 2, 16, 8, 0, 0};
    ck_assert(tune_xgemm_fits(&AVX512, &good));
    tune_xgemm x = good;
    x.mwg = 32; /* MWG % (MDIMC * VWM) */
    ck_assert(!tune_xgemm_fits(&AVX512, &x));
    x = good;
    x.kwi = 64; /* KWG % KWI */
    ck_assert(!tune_xgemm_fits(&AVX512, &x));
    x = good;
    x.vwn = 3; /* not a vector width */
    ck_assert(!tune_xgemm_fits(&AVX512, &x));
    x = (tune_xgemm){128, 128, 32, 32, 16, 32, 16, 2, 1, 1, 0, 0}; /* 512 work-items */
    ck_assert(tune_xgemm_fits(&AVX512, &x));
    ck_assert(!tune_xgemm_fits(&GPU, &x));
    x = (tune_xgemm){128, 128, 64, 16, 16, 16, 16, 2, 1, 1, 1, 1}; /* 64 KiB local */
    ck_assert(tune_xgemm_fits(&AVX512, &x));
    ck_assert(!tune_xgemm_fits(&GPU, &x));
    tune_direct d = {64, 16, 16, 16, 16, 2, 2, 2, 1, 1}; /* 33 KiB local */
    ck_assert(tune_direct_fits(&GPU, &d));
    ck_assert(!tune_direct_fits(&SSE, &d));
    d.vwmd = 8; /* WGD % (MDIMCD * VWMD) */
    ck_assert(!tune_direct_fits(&AVX512, &d));
}
END_TEST

START_TEST(widths_start_with_the_preferred_one)
{
    int w[3], n;
    tune_space_widths(&AVX512, w, &n);
    ck_assert_int_eq(w[0], 16);
    ck_assert_int_eq(n, 2); /* 16, 8 */
    tune_space_widths(&AVX2, w, &n);
    ck_assert_int_eq(w[0], 8);
    tune_space_widths(&SSE, w, &n);
    ck_assert_int_eq(w[0], 4);
    clcnn_tune_device odd = {1, 1, 1, 1024, {1024, 1024}, 49152, 0}; /* prefers scalars */
    tune_space_widths(&odd, w, &n);
    ck_assert_int_eq(w[0], 1);
    ck_assert_int_eq(n, 1);
}
END_TEST

START_TEST(seeds_fit_and_use_the_preferred_width)
{
    for (int i = 0; i < DEVICE_COUNT; i++)
        for (int quick = 0; quick <= 1; quick++) {
            const clcnn_tune_device *dev = DEVICES[i];
            tune_point seeds[TUNE_MAX_SEEDS];
            int n = tune_space_seeds(dev, quick, seeds, TUNE_MAX_SEEDS);
            ck_assert_int_ge(n, 3);
            ck_assert_int_eq(seeds[0].path, TUNE_PATH_INDIRECT);
            ck_assert_int_eq(seeds[1].path, TUNE_PATH_DIRECT);
            ck_assert_int_eq(seeds[0].x.vwm, dev->vector_preferred);
            int staged = 0;
            for (int s = 0; s < n; s++) {
                assert_point_fits(dev, &seeds[s]);
                /* the other path's kernel fits too: CLBlast compiles it */
                ck_assert(tune_xgemm_fits(dev, &seeds[s].x));
                ck_assert(tune_direct_fits(dev, &seeds[s].d));
                staged |= seeds[s].path == TUNE_PATH_INDIRECT && (seeds[s].x.sa || seeds[s].x.sb);
                for (int t = 0; t < s; t++)
                    ck_assert(memcmp(&seeds[s], &seeds[t], sizeof seeds[s]) != 0);
            }
            /* GPUs and CPUs both get sets that stage tiles in local memory
             * (on CPUs, one: CLBlast's tuner's kind) */
            ck_assert(staged);
            if (quick)
                ck_assert_int_le(n, 6);
        }
}
END_TEST

START_TEST(neighbours_fit_and_differ_in_one_step)
{
    for (int i = 0; i < DEVICE_COUNT; i++) {
        const clcnn_tune_device *dev = DEVICES[i];
        tune_point seeds[TUNE_MAX_SEEDS], near[64];
        int n = tune_space_seeds(dev, 0, seeds, TUNE_MAX_SEEDS);
        for (int s = 0; s < n; s++) {
            int m = tune_space_neighbours(dev, &seeds[s], near, 64);
            ck_assert_int_ge(m, 4);
            int width_moved = 0;
            for (int k = 0; k < m; k++) {
                assert_point_fits(dev, &near[k]);
                ck_assert_int_eq(near[k].path, seeds[s].path);
                ck_assert(memcmp(&near[k], &seeds[s], sizeof near[k]) != 0);
                width_moved |= near[k].x.vwm != seeds[s].x.vwm;
                for (int t = 0; t < k; t++)
                    ck_assert(memcmp(&near[k], &near[t], sizeof near[k]) != 0);
            }
            /* the indirect GEMM's vector width is explored (the direct one's
             * may be pinned by local memory: WGD x WGD tiles) */
            ck_assert(width_moved || seeds[s].path == TUNE_PATH_DIRECT);
        }
    }
}
END_TEST

START_TEST(device_description_is_printed)
{
    char line[256];
    clcnn_tune_device_format(&GPU, line, sizeof line);
    ck_assert_str_eq(line, "vector float 4 preferred, 4 native; work-group 256 (256 x 256); "
                           "local 48 KiB; cache 2048 KiB; GPU");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tune_space");
    TCase *tc = tcase_create("space");
    tcase_add_test(tc, local_memory_follows_clblast);
    tcase_add_test(tc, fits_rejects_each_broken_limit);
    tcase_add_test(tc, widths_start_with_the_preferred_one);
    tcase_add_test(tc, seeds_fit_and_use_the_preferred_width);
    tcase_add_test(tc, neighbours_fit_and_differ_in_one_step);
    tcase_add_test(tc, device_description_is_printed);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
