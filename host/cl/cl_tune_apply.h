/* Applying a tuning result to CLBlast (cl_tune_apply.c). */
#ifndef CLCNN_CL_TUNE_APPLY_H
#define CLCNN_CL_TUNE_APPLY_H

#include "cl/cl_runtime.h"
#include "cl/cl_tune.h"

/* CLBlastOverrideParameters for every kernel of set on device (single
 * precision), in this process, until overridden again; CLBLAST errors name
 * the kernel. An empty set changes nothing. */
clcnn_status clcnn_cl_tune_apply(cl_device_id device, const clcnn_tune_set *set);

/* Parameter sets per GEMM class, switched before each GEMM (cl_ops_gemm.c). */
typedef struct clcnn_cl_gemm_tuning {
    int loaded;            /* a tuning file with sets was found */
    clcnn_tuning tuning;
    int applied_class;     /* class whose set CLBlast holds now; -1: none */
} clcnn_cl_gemm_tuning;

/* Load the device's stored tuning file, if any (a corrupt one is ignored
 * with a warning). */
void clcnn_cl_tune_load(const clcnn_cl *cl, clcnn_cl_gemm_tuning *t);

/* Before a GEMM of class cls: apply its set unless CLBlast holds it already
 * (or no file was loaded). */
clcnn_status clcnn_cl_tune_select(const clcnn_cl *cl, clcnn_cl_gemm_tuning *t, int cls);

#endif
