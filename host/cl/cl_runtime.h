/* The OpenCL runtime behind the "cl" backend: one device, its context, an
 * in-order profiling queue, the program built from kernels/ .cl files, and the
 * helpers every op file uses to look up kernels and launch them.
 * Only files under host/cl/ include this (and OpenCL headers). */
#ifndef CLCNN_CL_RUNTIME_H
#define CLCNN_CL_RUNTIME_H

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

#include "clcnn/device.h"

typedef struct clcnn_cl_kernel_entry {
    char name[64];
    cl_kernel kernel;
} clcnn_cl_kernel_entry;

typedef struct clcnn_cl {
    cl_platform_id platform;
    cl_device_id device;
    cl_context context;
    cl_command_queue queue;  /* in-order, CL_QUEUE_PROFILING_ENABLE */
    cl_program program;      /* every kernels/ .cl file, built once */
    clcnn_device_info info;
    size_t max_work_group;   /* device limit, lowered by CLCNN_MAX_WORK_GROUP */
    cl_ulong local_mem_bytes;
    cl_ulong max_alloc_bytes;/* device limit, lowered by CLCNN_MAX_ALLOC_MB */
    size_t part_align_bytes; /* sub-buffer origins: CL_DEVICE_MEM_BASE_ADDR_ALIGN */
    clcnn_cl_kernel_entry *kernels;
    int kernel_count, kernel_capacity;
    /* Event recording for the bench: when recording, every launch keeps its
     * event and clcnn_cl_take_kernel_ns() sums and releases them. */
    int recording;
    cl_event *events;
    int event_count, event_capacity;
} clcnn_cl;

/* The runtime of a "cl" backend. */
static inline clcnn_cl *clcnn_cl_of(clcnn_backend *be) { return (clcnn_cl *)be->impl; }

/* "CL_OUT_OF_RESOURCES" for -5; "CL_UNKNOWN_ERROR(-n)" otherwise. */
const char *clcnn_cl_error_name(cl_int err);

/* On err != CL_SUCCESS record "<what>: <CL_ERROR_NAME> (<file>:<line>)" and
 * return CLCNN_ERR_OPENCL (CLCNN_ERR_NOMEM for the out-of-memory codes). */
clcnn_status clcnn_cl_fail(cl_int err, const char *what, const char *file, int line);
#define CLCNN_CL_CHECK(err, what)                                                     \
    do {                                                                              \
        cl_int clcnn_err_ = (err);                                                    \
        if (clcnn_err_ != CL_SUCCESS)                                                 \
            return clcnn_cl_fail(clcnn_err_, (what), __FILE__, __LINE__);             \
    } while (0)

/* The kernel called name from the program (created once, cached). */
clcnn_status clcnn_cl_kernel(clcnn_cl *cl, const char *name, cl_kernel *out);

/* One kernel argument: its size and a pointer to its value (NULL with the
 * size of a __local buffer). */
typedef struct clcnn_cl_arg {
    size_t size;
    const void *value;
} clcnn_cl_arg;
#define CLCNN_ARG(x) ((clcnn_cl_arg){sizeof(x), (const void *)&(x)})
#define CLCNN_LOCAL_ARG(bytes) ((clcnn_cl_arg){(bytes), NULL})

/* Set arguments 0 .. count-1 of kernel from args. */
clcnn_status clcnn_cl_set_arg_array(cl_kernel kernel, const char *kernel_name,
                                    const clcnn_cl_arg *args, int count);
/* Set the kernel's arguments from a list of CLCNN_ARG and CLCNN_LOCAL_ARG,
 * counted by the compiler (a hand count that disagreed with the list was
 * undefined behaviour). */
#define clcnn_cl_set_args(kernel, kernel_name, ...)                                               \
    clcnn_cl_set_arg_array((kernel), (kernel_name), (const clcnn_cl_arg[]){__VA_ARGS__},          \
                           (int)(sizeof((const clcnn_cl_arg[]){__VA_ARGS__}) /                    \
                                 sizeof(clcnn_cl_arg)))

/* Work-group size to use for kernel: min(kernel's CL_KERNEL_WORK_GROUP_SIZE,
 * device max (capped), preferred), rounded down to a power of two, >= 1. */
size_t clcnn_cl_group_size(clcnn_cl *cl, cl_kernel kernel, size_t preferred);

/* Enqueue kernel over global[0..dims) work-items with the given local size
 * (global is rounded up to a multiple of local; kernels bounds-check). local
 * may be NULL: then a 1-D launch uses clcnn_cl_group_size(cl, k, 256) and
 * multi-dimensional launches let the driver choose. Counts the launch. */
clcnn_status clcnn_cl_launch(clcnn_backend *be, cl_kernel kernel, const char *kernel_name,
                             cl_uint dims, const size_t *global, const size_t *local);

/* Event slot for an enqueue call that is not a kernel launch (CLBlast): NULL
 * unless recording. Counts it as a launch. */
cl_event *clcnn_cl_event_slot(clcnn_backend *be);

/* Start/stop event recording; take = wait for and sum the recorded events'
 * execution time in nanoseconds, then forget them. */
void clcnn_cl_set_recording(clcnn_backend *be, int on);
clcnn_status clcnn_cl_take_kernel_ns(clcnn_backend *be, double *ns);

/* The cl_mem of a tensor of the "cl" backend. */
static inline cl_mem clcnn_cl_mem(const clcnn_tensor *t) { return (cl_mem)t->storage; }

/* 1 when needle occurs in haystack, ignoring ASCII case (cl_devices.c). */
int clcnn_cl_contains_ignoring_case(const char *haystack, const char *needle);

/* The ids and description of the device that spec selects (cl_devices.c). */
clcnn_status clcnn_cl_find_device(const char *spec, cl_platform_id *platform, cl_device_id *device,
                                  clcnn_device_info *info);

/* Runtime lifecycle (cl_runtime.c): open the selected device, build the
 * program; close releases everything. */
clcnn_status clcnn_cl_open(const char *spec, clcnn_cl *cl);
void clcnn_cl_close(clcnn_cl *cl);

/* Storage ops of the backend table (cl_memory.c). */
clcnn_status clcnn_cl_alloc(clcnn_backend *be, clcnn_tensor *t);
void clcnn_cl_release(clcnn_backend *be, clcnn_tensor *t);
/* A part of parent: a sub-buffer from element offset (clcnn/backend.h). */
clcnn_status clcnn_cl_alloc_part(clcnn_backend *be, const clcnn_tensor *parent, size_t offset,
                                 clcnn_tensor *t);
clcnn_status clcnn_cl_upload(clcnn_backend *be, clcnn_tensor *t, size_t offset, size_t count,
                             const void *src);
clcnn_status clcnn_cl_download(clcnn_backend *be, const clcnn_tensor *t, size_t offset,
                               size_t count, void *dst);
clcnn_status clcnn_cl_finish(clcnn_backend *be);

#endif
