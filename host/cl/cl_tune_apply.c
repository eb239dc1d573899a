/* Tuning results into CLBlast: its parameter database is per process and
 * device, so every backend that opens a device applies the stored file. */
#include <clblast_c.h>
#include <string.h>

#include "cl/cl_tune_apply.h"

clcnn_status clcnn_cl_tune_apply(cl_device_id device, const clcnn_tune_set *set)
{
    for (int i = 0; i < set->count; i++) {
        const clcnn_tune_kernel *k = &set->kernels[i];
        const char *names[CLCNN_TUNE_MAX_PARAMS];
        for (int p = 0; p < k->count; p++)
            names[p] = k->param[p];
        CLBlastStatusCode st = CLBlastOverrideParameters(device, k->name, CLBlastPrecisionSingle,
                                                         (size_t)k->count, names, k->value);
        if (st != CLBlastSuccess)
            return clcnn_fail(CLCNN_ERR_CLBLAST, "applying tuning parameters of CLBlast kernel "
                              "%s: CLBlastOverrideParameters returned %d%s", k->name, (int)st,
                              st == CLBlastMissingOverrideParameter ? " (missing parameters)"
                              : st == CLBlastInvalidOverrideKernel ? " (unknown kernel)" : "");
    }
    return CLCNN_OK;
}

void clcnn_cl_tune_load(const clcnn_cl *cl, clcnn_cl_gemm_tuning *t)
{
    t->loaded = clcnn_tune_load(&cl->info, &t->tuning) && t->tuning.sets[0].count > 0;
    t->applied_class = -1;
}

static int same_set(const clcnn_tune_set *a, const clcnn_tune_set *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

clcnn_status clcnn_cl_tune_select(const clcnn_cl *cl, clcnn_cl_gemm_tuning *t, int cls)
{
    if (!t->loaded || cls == t->applied_class)
        return CLCNN_OK;
    const clcnn_tune_set *want = &t->tuning.sets[cls];
    if (t->applied_class < 0 || !same_set(want, &t->tuning.sets[t->applied_class])) {
        clcnn_status st = clcnn_cl_tune_apply(cl->device, want);
        if (st != CLCNN_OK)
            return st;
    }
    t->applied_class = cls;
    return CLCNN_OK;
}
