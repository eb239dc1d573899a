/* Enumerating OpenCL platforms and devices, and resolving a device spec. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl/cl_runtime.h"

static void info_string(cl_device_id dev, cl_device_info what, char *out, size_t size)
{
    out[0] = '\0';
    if (clGetDeviceInfo(dev, what, size, out, NULL) != CL_SUCCESS)
        out[0] = '\0';
    out[size - 1] = '\0';
}

static const char *type_name(cl_device_type type)
{
    if (type & CL_DEVICE_TYPE_GPU) return "GPU";
    if (type & CL_DEVICE_TYPE_CPU) return "CPU";
    if (type & CL_DEVICE_TYPE_ACCELERATOR) return "ACCELERATOR";
    return "OTHER";
}

/* CLCNN_DEVICE_SHAPE: 1 for "gpu", 0 for "cpu", -1 when unset or empty (each
 * device takes its own type's shape), -2 for anything else. */
static int shape_from_env(void)
{
    const char *v = getenv("CLCNN_DEVICE_SHAPE");
    if (!v || !*v)
        return -1;
    if (strcmp(v, "gpu") == 0)
        return 1;
    if (strcmp(v, "cpu") == 0)
        return 0;
    return -2;
}

static void describe(cl_device_id dev, const char *platform, int platform_index,
                     clcnn_device_info *d)
{
    memset(d, 0, sizeof *d);
    d->platform_index = platform_index;
    snprintf(d->platform, sizeof d->platform, "%s", platform);
    info_string(dev, CL_DEVICE_NAME, d->name, sizeof d->name);
    info_string(dev, CL_DEVICE_VENDOR, d->vendor, sizeof d->vendor);
    info_string(dev, CL_DRIVER_VERSION, d->driver_version, sizeof d->driver_version);
    info_string(dev, CL_DEVICE_VERSION, d->opencl_version, sizeof d->opencl_version);
    cl_device_type type = 0;
    cl_uint units = 0, clock = 0;
    cl_bool unified = CL_FALSE;
    cl_ulong global = 0, local = 0, alloc = 0;
    size_t group = 0;
    clGetDeviceInfo(dev, CL_DEVICE_TYPE, sizeof type, &type, NULL);
    clGetDeviceInfo(dev, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof units, &units, NULL);
    clGetDeviceInfo(dev, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof global, &global, NULL);
    clGetDeviceInfo(dev, CL_DEVICE_LOCAL_MEM_SIZE, sizeof local, &local, NULL);
    clGetDeviceInfo(dev, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof alloc, &alloc, NULL);
    clGetDeviceInfo(dev, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof group, &group, NULL);
    clGetDeviceInfo(dev, CL_DEVICE_MAX_CLOCK_FREQUENCY, sizeof clock, &clock, NULL);
    clGetDeviceInfo(dev, CL_DEVICE_HOST_UNIFIED_MEMORY, sizeof unified, &unified, NULL);
    strncpy(d->type, type_name(type), sizeof d->type - 1);
    d->is_gpu = (type & CL_DEVICE_TYPE_GPU) != 0;
    int shape = shape_from_env();
    d->gpu_shape = shape >= 0 ? shape : d->is_gpu;
    d->compute_units = units;
    d->clock_mhz = clock;
    d->host_unified_memory = unified == CL_TRUE;
    d->global_mem_bytes = global;
    d->local_mem_bytes = local;
    d->max_alloc_bytes = alloc;
    d->max_work_group_size = group;
}

/* Walks every device of every platform; calls visit for each (stops on
 * non-zero), and empty, when given, for each platform that lists no device. */
typedef int (*device_visitor)(cl_platform_id, cl_device_id, const clcnn_device_info *, void *);

static clcnn_status for_each_device(device_visitor visit, clcnn_empty_platform_fn empty,
                                    void *ctx)
{
    cl_uint platform_count = 0;
    cl_int err = clGetPlatformIDs(0, NULL, &platform_count);
    if (err == -1001 /* CL_PLATFORM_NOT_FOUND_KHR: the ICD loader found no driver */ ||
        platform_count == 0)
        return CLCNN_OK;
    CLCNN_CL_CHECK(err, "clGetPlatformIDs");
    cl_platform_id *platforms = calloc(platform_count, sizeof *platforms);
    if (!platforms)
        return clcnn_fail(CLCNN_ERR_NOMEM, "listing OpenCL platforms: out of memory");
    err = clGetPlatformIDs(platform_count, platforms, NULL);
    if (err != CL_SUCCESS) {
        free(platforms);
        return clcnn_cl_fail(err, "clGetPlatformIDs", __FILE__, __LINE__);
    }
    int index = 0, stop = 0;
    for (cl_uint p = 0; p < platform_count && !stop; p++) {
        char platform_name[256] = "";
        clGetPlatformInfo(platforms[p], CL_PLATFORM_NAME, sizeof platform_name - 1, platform_name,
                          NULL);
        cl_uint device_count = 0;
        if (clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, 0, NULL, &device_count) !=
                CL_SUCCESS || device_count == 0) {
            if (empty)
                empty((int)p, platform_name, ctx);
            continue;
        }
        cl_device_id *devices = calloc(device_count, sizeof *devices);
        if (!devices)
            break;
        clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, device_count, devices, NULL);
        for (cl_uint d = 0; d < device_count && !stop; d++) {
            clcnn_device_info info;
            describe(devices[d], platform_name, (int)p, &info);
            info.index = index++;
            stop = visit(platforms[p], devices[d], &info, ctx);
        }
        free(devices);
    }
    free(platforms);
    return CLCNN_OK;
}

static clcnn_device_failed_fn failed_lookup;

void clcnn_device_set_failed_lookup(clcnn_device_failed_fn fn) { failed_lookup = fn; }

typedef struct device_list {
    clcnn_device_info *items;
    int count, capacity, failed;
} device_list;

static int collect(cl_platform_id p, cl_device_id d, const clcnn_device_info *info, void *ctx)
{
    device_list *list = ctx;
    if (list->count == list->capacity) {
        int capacity = list->capacity ? 2 * list->capacity : 8;
        clcnn_device_info *items = realloc(list->items, (size_t)capacity * sizeof *items);
        if (!items) {
            list->failed = 1;
            return 1;
        }
        list->items = items;
        list->capacity = capacity;
    }
    list->items[list->count] = *info;
    list->items[list->count++].check_failed = failed_lookup && failed_lookup(info);
    return 0;
}

clcnn_status clcnn_devices_list(clcnn_device_info **out, int *count)
{
    if (shape_from_env() == -2)
        return clcnn_fail(CLCNN_ERR_ARG, "CLCNN_DEVICE_SHAPE=%s: expected gpu or cpu (or unset: "
                          "each device's own type)", getenv("CLCNN_DEVICE_SHAPE"));
    device_list list = {0};
    clcnn_status st = for_each_device(collect, NULL, &list);
    if (st == CLCNN_OK && list.failed)
        st = clcnn_fail(CLCNN_ERR_NOMEM, "listing OpenCL devices: out of memory");
    if (st != CLCNN_OK) {
        free(list.items);
        return st;
    }
    *out = list.items;
    *count = list.count;
    return CLCNN_OK;
}

static int visit_none(cl_platform_id p, cl_device_id d, const clcnn_device_info *info, void *ctx)
{
    (void)p, (void)d, (void)info, (void)ctx;
    return 0;
}

clcnn_status clcnn_platforms_without_devices(clcnn_empty_platform_fn visit, void *ctx)
{
    return for_each_device(visit_none, visit, ctx);
}

int clcnn_cl_contains_ignoring_case(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *h = haystack; *h; h++) {
        size_t i = 0;
        while (i < n && h[i] && tolower((unsigned char)h[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return 1;
    }
    return n == 0;
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

clcnn_status clcnn_device_select(const char *spec, const clcnn_device_info *devices, int count,
                                 int *index)
{
    const char *origin = "--device";
    if (!spec || !*spec) {
        spec = getenv("CLCNN_DEVICE");
        origin = "CLCNN_DEVICE";
    }
    if (count == 0)
        return clcnn_fail(CLCNN_ERR_DEVICE,
                          "no OpenCL device found (is an OpenCL driver installed? On Debian: "
                          "pocl-opencl-icd for the CPU, or your GPU vendor's ICD)");
    if (!spec || !*spec) {
        *index = clcnn_device_default(devices, count);
        return CLCNN_OK;
    }
    if (all_digits(spec)) {
        long i = strtol(spec, NULL, 10);
        if (i >= count)
            return clcnn_fail(CLCNN_ERR_DEVICE,
                              "%s %s: no device with that index (there %s %d device%s: 0..%d; "
                              "see `clcnn devices`)", origin, spec, count == 1 ? "is" : "are",
                              count, count == 1 ? "" : "s", count - 1);
        *index = (int)i;
        return CLCNN_OK;
    }
    for (int i = 0; i < count; i++) {
        if (clcnn_cl_contains_ignoring_case(devices[i].name, spec) ||
            clcnn_cl_contains_ignoring_case(devices[i].platform, spec)) {
            *index = i;
            return CLCNN_OK;
        }
    }
    return clcnn_fail(CLCNN_ERR_DEVICE,
                      "%s %s: no device or platform name contains \"%s\" (see `clcnn devices`)",
                      origin, spec, spec);
}

typedef struct device_lookup {
    int wanted;
    cl_platform_id platform;
    cl_device_id device;
    clcnn_device_info info;
    int found;
} device_lookup;

static int find_by_index(cl_platform_id p, cl_device_id d, const clcnn_device_info *info,
                         void *ctx)
{
    device_lookup *lookup = ctx;
    if (info->index != lookup->wanted)
        return 0;
    lookup->platform = p;
    lookup->device = d;
    lookup->info = *info;
    lookup->found = 1;
    return 1;
}

/* Used by clcnn_cl_open: the ids and description of the device spec names. */
clcnn_status clcnn_cl_find_device(const char *spec, cl_platform_id *platform, cl_device_id *device,
                                  clcnn_device_info *info)
{
    clcnn_device_info *devices = NULL;
    int count = 0, index = 0;
    clcnn_status st = clcnn_devices_list(&devices, &count);
    if (st == CLCNN_OK)
        st = clcnn_device_select(spec, devices, count, &index);
    free(devices);
    if (st != CLCNN_OK)
        return st;
    device_lookup lookup = {.wanted = index};
    st = for_each_device(find_by_index, NULL, &lookup);
    if (st != CLCNN_OK)
        return st;
    if (!lookup.found)
        return clcnn_fail(CLCNN_ERR_DEVICE, "device %d disappeared while opening it", index);
    *platform = lookup.platform;
    *device = lookup.device;
    *info = lookup.info;
    return CLCNN_OK;
}
