/* Launch helpers shared by the cl_ops_*.c files. */
#include <limits.h>

#include "cl/cl_ops.h"
#include "core/op_args.h"

/* The work-group size the ops ask for (the runtime caps it to the device's
 * and the kernel's limits): 256 in the GPU shape (clcnn_device_info.gpu_shape), enough warps or wavefronts per group
 * with many groups in flight; 4096 on other devices, CPUs, where each
 * work-group is a task that costs a CPU thread microseconds to schedule
 * (PoCL), so large groups amortize it and vectorize across work-items. */
static size_t preferred_group(clcnn_backend *be)
{
    return clcnn_cl_of(be)->info.gpu_shape ? 256 : 4096;
}

static size_t group_size(clcnn_backend *be, cl_kernel kernel)
{
    return clcnn_cl_group_size(clcnn_cl_of(be), kernel, preferred_group(be));
}

/* Work-groups are the unit a device spreads over its compute units: a launch
 * of few items gets smaller groups, so that every compute unit gets about
 * GROUPS_PER_UNIT of them (a single 4096-item group would run on one CPU
 * thread). */
#define GROUPS_PER_UNIT 4

clcnn_status cl_launch_elements(clcnn_backend *be, cl_kernel kernel, const char *name,
                                size_t count)
{
    size_t local = group_size(be, kernel);
    size_t units = clcnn_cl_of(be)->info.compute_units;
    size_t want = units ? units * GROUPS_PER_UNIT : 1;
    while (local > 1 && (count + local - 1) / local < want)
        local /= 2;
    return clcnn_cl_launch(be, kernel, name, 1, &count, &local);
}

int cl_row_run(clcnn_backend *be, int width)
{
    int run = clcnn_cl_backend_of(be)->row_run;
    if (run <= 0)
        run = clcnn_cl_of(be)->info.gpu_shape ? 1 : width;
    return run < width ? run : width;
}

int cl_reduction_run(clcnn_backend *be, int width)
{
    int run = cl_row_run(be, width);
    return run < 64 ? run : 64;
}

int cl_images_per_item(int nb, size_t per_image)
{
    size_t images = per_image ? 8192 / per_image : (size_t)nb;
    return images < 1 ? 1 : images > (size_t)nb ? nb : (int)images;
}

size_t cl_row_items(size_t lines, int width, int run)
{
    return lines * (size_t)((width + run - 1) / run);
}

/* Reductions use the same size as element-wise launches, so that a device
 * that compiles one variant per work-group size (PoCL) compiles few, halved
 * while their scratch (a float per work-item) would take more than half of
 * the device's local memory. */
size_t cl_reduction_group_size(clcnn_backend *be, cl_kernel kernel)
{
    size_t size = group_size(be, kernel);
    cl_ulong local_bytes = clcnn_cl_of(be)->local_mem_bytes;
    while (size > 1 && local_bytes && size * sizeof(float) > local_bytes / 2)
        size /= 2;
    return size;
}

size_t cl_reduction_group_size_for(clcnn_backend *be, cl_kernel kernel, int n, int p, int run)
{
    size_t size = cl_reduction_group_size(be, kernel);
    size_t units = (size_t)n * (size_t)((p + run - 1) / run);
    while (size > 1 && size > units)
        size /= 2;
    return size;
}

clcnn_status cl_launch_groups(clcnn_backend *be, cl_kernel kernel, const char *name,
                              size_t groups, size_t group_size)
{
    size_t global = groups * group_size;
    return clcnn_cl_launch(be, kernel, name, 1, &global, &group_size);
}
