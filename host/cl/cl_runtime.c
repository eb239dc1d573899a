/* The OpenCL runtime of a "cl" backend: opening a device, kernel lookup,
 * launches, and event recording for the bench. */
#include <stdlib.h>
#include <string.h>

#include <clblast_c.h>

#include "cl/cl_objects.h"
#include "cl/cl_program.h"
#include "cl/cl_runtime.h"

/* A positive integer from the environment, or 0 when unset/invalid. */
static unsigned long env_cap(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return 0;
    char *end;
    unsigned long x = strtoul(v, &end, 10);
    return *end == '\0' ? x : 0;
}

/* Device limits, lowered by the test caps CLCNN_MAX_WORK_GROUP / CLCNN_MAX_ALLOC_MB
 * so that small-device behaviour can be exercised on any device. */
static void apply_limits(clcnn_cl *cl)
{
    cl->max_work_group = cl->info.max_work_group_size ? cl->info.max_work_group_size : 1;
    /* Every launch is 1-D, so a group must also fit the first dimension's
     * item limit, which some devices set below the group limit. */
    size_t item_sizes[16] = {0};
    if (clGetDeviceInfo(cl->device, CL_DEVICE_MAX_WORK_ITEM_SIZES, sizeof item_sizes, item_sizes,
                        NULL) == CL_SUCCESS && item_sizes[0] && item_sizes[0] < cl->max_work_group)
        cl->max_work_group = item_sizes[0];
    cl->local_mem_bytes = cl->info.local_mem_bytes;
    /* Sub-buffer origins must be multiples of the base-address alignment (in
     * bits; at least one float, and whole floats). */
    cl_uint align_bits = 0;
    clGetDeviceInfo(cl->device, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof align_bits, &align_bits,
                    NULL);
    cl->part_align_bytes = align_bits / 8 > sizeof(float) ? align_bits / 8 : sizeof(float);
    cl->part_align_bytes = (cl->part_align_bytes + sizeof(float) - 1) / sizeof(float) * sizeof(float);
    cl->max_alloc_bytes = cl->info.max_alloc_bytes;
    unsigned long group_cap = env_cap("CLCNN_MAX_WORK_GROUP");
    if (group_cap && group_cap < cl->max_work_group)
        cl->max_work_group = group_cap;
    unsigned long alloc_cap_mb = env_cap("CLCNN_MAX_ALLOC_MB");
    if (alloc_cap_mb && (cl_ulong)alloc_cap_mb * 1048576u < cl->max_alloc_bytes)
        cl->max_alloc_bytes = (cl_ulong)alloc_cap_mb * 1048576u;
    cl->info.max_work_group_size = cl->max_work_group;
    cl->info.max_alloc_bytes = cl->max_alloc_bytes;
}

clcnn_status clcnn_cl_open(const char *spec, clcnn_cl *cl)
{
    memset(cl, 0, sizeof *cl);
    clcnn_status st = clcnn_cl_find_device(spec, &cl->platform, &cl->device, &cl->info);
    if (st != CLCNN_OK)
        return st;
    apply_limits(cl);
    cl_int err;
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)cl->platform, 0};
    cl->context = clCreateContext(props, 1, &cl->device, NULL, NULL, &err);
    if (err != CL_SUCCESS)
        return clcnn_cl_fail(err, "clCreateContext", __FILE__, __LINE__);
    clcnn_cl_objects_created(CLCNN_CL_OBJ_CONTEXT);
    cl->queue = clCreateCommandQueue(cl->context, cl->device, CL_QUEUE_PROFILING_ENABLE, &err);
    if (err != CL_SUCCESS) {
        st = clcnn_cl_fail(err, "clCreateCommandQueue", __FILE__, __LINE__);
        clcnn_cl_close(cl);
        return st;
    }
    clcnn_cl_objects_created(CLCNN_CL_OBJ_QUEUE);
    st = clcnn_cl_build_program(cl->context, cl->device, &cl->info, &cl->program);
    if (st == CLCNN_OK)
        clcnn_cl_objects_created(CLCNN_CL_OBJ_PROGRAM);
    if (st != CLCNN_OK) {
        clcnn_fail_context(st, "device %d (%s): ", cl->info.index, cl->info.name);
        clcnn_cl_close(cl);
    }
    return st;
}

static void release_events(clcnn_cl *cl)
{
    for (int i = 0; i < cl->event_count; i++) {
        if (cl->events[i])
            clReleaseEvent(cl->events[i]);
        clcnn_cl_objects_released(CLCNN_CL_OBJ_EVENT);
    }
    cl->event_count = 0;
}

void clcnn_cl_close(clcnn_cl *cl)
{
    if (cl->queue)
        clFinish(cl->queue);
    release_events(cl);
    free(cl->events);
    for (int i = 0; i < cl->kernel_count; i++) {
        clReleaseKernel(cl->kernels[i].kernel);
        clcnn_cl_objects_released(CLCNN_CL_OBJ_KERNEL);
    }
    free(cl->kernels);
    if (cl->device)
        CLBlastClearCache();
    if (cl->program) {
        clReleaseProgram(cl->program);
        clcnn_cl_objects_released(CLCNN_CL_OBJ_PROGRAM);
    }
    if (cl->queue) {
        clReleaseCommandQueue(cl->queue);
        clcnn_cl_objects_released(CLCNN_CL_OBJ_QUEUE);
    }
    if (cl->context) {
        clReleaseContext(cl->context);
        clcnn_cl_objects_released(CLCNN_CL_OBJ_CONTEXT);
    }
    memset(cl, 0, sizeof *cl);
}

clcnn_status clcnn_cl_kernel(clcnn_cl *cl, const char *name, cl_kernel *out)
{
    for (int i = 0; i < cl->kernel_count; i++) {
        if (strcmp(cl->kernels[i].name, name) == 0) {
            *out = cl->kernels[i].kernel;
            return CLCNN_OK;
        }
    }
    if (strlen(name) >= sizeof cl->kernels[0].name)
        return clcnn_fail(CLCNN_ERR_ARG, "kernel name %s is too long", name);
    if (cl->kernel_count == cl->kernel_capacity) {
        int capacity = cl->kernel_capacity ? 2 * cl->kernel_capacity : 32;
        clcnn_cl_kernel_entry *k = realloc(cl->kernels, (size_t)capacity * sizeof *k);
        if (!k)
            return clcnn_fail(CLCNN_ERR_NOMEM, "kernel table: out of memory");
        cl->kernels = k;
        cl->kernel_capacity = capacity;
    }
    cl_int err;
    cl_kernel kernel = clCreateKernel(cl->program, name, &err);
    if (err != CL_SUCCESS)
        return clcnn_fail(CLCNN_ERR_OPENCL, "clCreateKernel(%s): %s", name,
                          clcnn_cl_error_name(err));
    clcnn_cl_objects_created(CLCNN_CL_OBJ_KERNEL);
    clcnn_cl_kernel_entry *e = &cl->kernels[cl->kernel_count++];
    strcpy(e->name, name);
    e->kernel = kernel;
    *out = kernel;
    return CLCNN_OK;
}

clcnn_status clcnn_cl_set_arg_array(cl_kernel kernel, const char *kernel_name,
                                    const clcnn_cl_arg *args, int count)
{
    /* A list that misses or adds an argument (the kernel changed, its call
     * did not) fails here by name, not at the launch. */
    cl_uint expected = 0;
    if (clGetKernelInfo(kernel, CL_KERNEL_NUM_ARGS, sizeof expected, &expected, NULL) ==
            CL_SUCCESS &&
        expected != (cl_uint)count)
        return clcnn_fail(CLCNN_ERR_ARG, "%s takes %u arguments, %d given", kernel_name,
                          (unsigned)expected, count);
    for (int i = 0; i < count; i++) {
        cl_int err = clSetKernelArg(kernel, (cl_uint)i, args[i].size, args[i].value);
        if (err != CL_SUCCESS)
            return clcnn_fail(CLCNN_ERR_OPENCL, "clSetKernelArg(%s, argument %d): %s", kernel_name,
                              i, clcnn_cl_error_name(err));
    }
    return CLCNN_OK;
}

size_t clcnn_cl_group_size(clcnn_cl *cl, cl_kernel kernel, size_t preferred)
{
    size_t limit = cl->max_work_group;
    size_t kernel_limit = 0;
    if (clGetKernelWorkGroupInfo(kernel, cl->device, CL_KERNEL_WORK_GROUP_SIZE, sizeof kernel_limit,
                                 &kernel_limit, NULL) == CL_SUCCESS && kernel_limit &&
        kernel_limit < limit)
        limit = kernel_limit;
    if (preferred && preferred < limit)
        limit = preferred;
    size_t size = 1;
    while (size * 2 <= limit)
        size *= 2;
    return size;
}

static cl_event *next_event(clcnn_cl *cl)
{
    if (!cl->recording)
        return NULL;
    if (cl->event_count == cl->event_capacity) {
        int capacity = cl->event_capacity ? 2 * cl->event_capacity : 256;
        cl_event *e = realloc(cl->events, (size_t)capacity * sizeof *e);
        if (!e)
            return NULL; /* recording is best effort: timing only */
        cl->events = e;
        cl->event_capacity = capacity;
    }
    cl->events[cl->event_count] = NULL;
    clcnn_cl_objects_created(CLCNN_CL_OBJ_EVENT); /* a slot: released with its event */
    return &cl->events[cl->event_count++];
}

cl_event *clcnn_cl_event_slot(clcnn_backend *be)
{
    be->counters.launches++;
    return next_event(clcnn_cl_of(be));
}

clcnn_status clcnn_cl_launch(clcnn_backend *be, cl_kernel kernel, const char *kernel_name,
                             cl_uint dims, const size_t *global, const size_t *local)
{
    clcnn_cl *cl = clcnn_cl_of(be);
    size_t rounded[3], chosen_local[3];
    const size_t *use_local = local;
    if (!local && dims == 1) {
        chosen_local[0] = clcnn_cl_group_size(cl, kernel, 256);
        use_local = chosen_local;
    }
    for (cl_uint d = 0; d < dims; d++) {
        size_t l = use_local ? use_local[d] : 1;
        rounded[d] = (global[d] + l - 1) / l * l;
        if (rounded[d] == 0)
            return CLCNN_OK; /* nothing to do */
    }
    be->counters.launches++;
    cl_event *event = next_event(cl);
    cl_int err = clEnqueueNDRangeKernel(cl->queue, kernel, dims, NULL, rounded, use_local, 0, NULL,
                                        event);
    if (err != CL_SUCCESS) {
        if (event) {
            cl->event_count--;
            clcnn_cl_objects_released(CLCNN_CL_OBJ_EVENT);
        }
        return clcnn_fail(err == CL_MEM_OBJECT_ALLOCATION_FAILURE ? CLCNN_ERR_NOMEM
                                                                  : CLCNN_ERR_OPENCL,
                          "clEnqueueNDRangeKernel(%s, global %zu, local %zu): %s", kernel_name,
                          rounded[0], use_local ? use_local[0] : 0, clcnn_cl_error_name(err));
    }
    return CLCNN_OK;
}

void clcnn_cl_set_recording(clcnn_backend *be, int on) { clcnn_cl_of(be)->recording = on; }

clcnn_status clcnn_cl_take_kernel_ns(clcnn_backend *be, double *ns)
{
    clcnn_cl *cl = clcnn_cl_of(be);
    *ns = 0;
    if (cl->event_count == 0)
        return CLCNN_OK;
    CLCNN_CL_CHECK(clFinish(cl->queue), "clFinish");
    for (int i = 0; i < cl->event_count; i++) {
        cl_ulong start = 0, end = 0;
        if (!cl->events[i])
            continue;
        clGetEventProfilingInfo(cl->events[i], CL_PROFILING_COMMAND_START, sizeof start, &start,
                                NULL);
        clGetEventProfilingInfo(cl->events[i], CL_PROFILING_COMMAND_END, sizeof end, &end, NULL);
        if (end > start)
            *ns += (double)(end - start);
    }
    release_events(cl);
    return CLCNN_OK;
}
