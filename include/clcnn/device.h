/* clcnn — OpenCL devices: listing, selection, and the OpenCL backend.
 *
 * A device spec selects one device: an index into the list printed by
 * `clcnn devices` ("1"), or a case-insensitive substring of the device or
 * platform name ("nvidia"). An empty or NULL spec falls back to the
 * CLCNN_DEVICE environment variable, then to the default device: the best
 * one (clcnn_device_default).
 */
#ifndef CLCNN_DEVICE_H
#define CLCNN_DEVICE_H

#include <stddef.h>

#include "clcnn/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct clcnn_device_info {
    int index;                 /* position in the flat list */
    int platform_index;
    char platform[256];
    char name[256];
    char vendor[256];
    char driver_version[128];
    char opencl_version[128];  /* "OpenCL 3.0 PoCL ..." */
    char type[16];             /* "GPU", "CPU", "ACCELERATOR", "OTHER" */
    int is_gpu;                /* CL_DEVICE_TYPE_GPU */
    /* 1 when the cl backend takes the GPU's decisions on this device: one
     * element per work-item in the row kernels, work-groups of at most 256,
     * and CLBlast making its own operand transposes. A GPU takes them, any
     * other device the CPU's; CLCNN_DEVICE_SHAPE=gpu or =cpu imposes one
     * shape on every device (to run the GPU paths on PoCL in CI). */
    int gpu_shape;
    unsigned compute_units;
    unsigned clock_mhz;        /* CL_DEVICE_MAX_CLOCK_FREQUENCY */
    int host_unified_memory;   /* CL_DEVICE_HOST_UNIFIED_MEMORY: an integrated GPU */
    /* 1 when the last `clcnn check` of this device failed, as the lookup set
     * by clcnn_device_set_failed_lookup tells (0 without one). */
    int check_failed;
    unsigned long long global_mem_bytes;
    unsigned long long local_mem_bytes;
    unsigned long long max_alloc_bytes;
    size_t max_work_group_size;
} clcnn_device_info;

/* List every device of every platform. *out is malloc'ed (free with free()).
 * No platform at all is not an error: *count = 0. */
clcnn_status clcnn_devices_list(clcnn_device_info **out, int *count);

/* Calls visit with the index and name of each platform that lists no device
 * (Mesa's Clover, rusticl without RUSTICL_ENABLE), which clcnn_devices_list
 * leaves out, so that `clcnn devices` can say it was found. */
typedef void (*clcnn_empty_platform_fn)(int platform_index, const char *name, void *ctx);
clcnn_status clcnn_platforms_without_devices(clcnn_empty_platform_fn visit, void *ctx);

/* Resolve spec (see above) to an index in the list. */
clcnn_status clcnn_device_select(const char *spec, const clcnn_device_info *devices, int count,
                                 int *index);

/* Index of the default device, the best of the list; -1 when count is 0.
 * In order: a device whose last check failed comes after every other; then a
 * discrete GPU, an integrated GPU (host-unified memory), any other hardware
 * device (a CPU), and last a simulator or software device (Oclgrind, Mesa's
 * llvmpipe: clcnn_device_is_software); then the most compute units x clock;
 * then the first listed. */
int clcnn_device_default(const clcnn_device_info *devices, int count);

/* In a few words, why clcnn_device_default's choice won ("a discrete GPU,
 * before a hardware device (device 1)"). */
void clcnn_device_default_reason(const clcnn_device_info *devices, int count, char *out,
                                 size_t size);

/* 1 for a simulator or a software device: Oclgrind, llvmpipe, softpipe,
 * SwiftShader (by device, vendor or platform name). */
int clcnn_device_is_software(const clcnn_device_info *device);

/* How clcnn_devices_list learns that a device failed its last check (the
 * records belong to clcnn/check.h, above this layer; the tool sets
 * clcnn_check_record_failed). NULL, the initial state: none failed. */
typedef int (*clcnn_device_failed_fn)(const clcnn_device_info *device);
void clcnn_device_set_failed_lookup(clcnn_device_failed_fn fn);

/* The OpenCL backend's gemm_multiple_mk and gemm_multiple_n (clcnn/backend.h).
 * CLBlast's indirect GEMM pads every operand whose dimensions are not
 * multiples of its tile sizes into a temporary copy first; for an im2col
 * matrix that copy costs as much as the GEMM on a CPU device. The backend
 * hands CLBlast the column-major transpose of each row-major GEMM, so m
 * meets the tile NWG, n meets MWG and k meets KWG: `clcnn tune`'s grid has
 * NWG and KWG of 16 or 32 (but two NWG of 64) and MWG of 32 or 64 (but one
 * of 128). */
#define CLCNN_CL_GEMM_MULTIPLE_MK 32
#define CLCNN_CL_GEMM_MULTIPLE_N 64

/* Create the OpenCL backend on the device named by spec: context, in-order
 * queue with profiling, kernels built, CLBlast ready. */
clcnn_status clcnn_backend_cl_create(const char *spec, clcnn_backend **out);

/* Information on the device of an OpenCL backend (NULL for other backends). */
const clcnn_device_info *clcnn_backend_cl_device(const clcnn_backend *be);

/* 1 when `clcnn tune` has stored CLBlast tuning parameters for this device,
 * driver and CLBlast version (the backend applies them when it opens the
 * device); 0 otherwise, also when the stored file is corrupt (with a warning). */
int clcnn_device_is_tuned(const clcnn_device_info *info);

/* Kernel-time profiling (the bench): between begin and end, every kernel and
 * GEMM the OpenCL backend enqueues keeps its profiling event; end waits for
 * them and sets *kernel_ns to the sum of their execution times (end - start
 * of each, so gaps between kernels are not counted). Both fail with
 * CLCNN_ERR_ARG on a backend that is not "cl". */
clcnn_status clcnn_backend_cl_profile_begin(clcnn_backend *be);
clcnn_status clcnn_backend_cl_profile_end(clcnn_backend *be, double *kernel_ns);

#ifdef __cplusplus
}
#endif
#endif
