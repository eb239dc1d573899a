/* clcnn devices: every OpenCL platform and device, the default marked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clcnn/device.h"
#include "cli/commands.h"

static void help(void)
{
    printf("usage: clcnn devices\n\n"
           "Lists every OpenCL platform and device with its index, type, compute units,\n"
           "global and local memory, maximum allocation, maximum work-group size and OpenCL\n"
           "version. '*' marks the device used when no --device / CLCNN_DEVICE is given\n"
           "(the first GPU, else the first device).\n");
}

int cmd_devices(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            help();
            return 0;
        }
        fprintf(stderr, "clcnn devices: unknown option '%s' (see clcnn devices --help)\n", argv[i]);
        return 2;
    }
    clcnn_device_info *devices = NULL;
    int count = 0;
    if (clcnn_devices_list(&devices, &count) != CLCNN_OK) {
        fprintf(stderr, "clcnn devices: %s\n", clcnn_last_error());
        return 1;
    }
    if (count == 0) {
        printf("no OpenCL device found (install an OpenCL driver, e.g. Debian's pocl-opencl-icd)\n");
        free(devices);
        return 1;
    }
    int chosen = clcnn_device_default(devices, count);
    int platform = -1;
    for (int i = 0; i < count; i++) {
        const clcnn_device_info *d = &devices[i];
        if (d->platform_index != platform) {
            platform = d->platform_index;
            printf("platform %d: %s\n", platform, d->platform);
        }
        printf(" %c %d: %s\n", i == chosen ? '*' : ' ', d->index, d->name);
        printf("      type %s, %u compute units, %s\n", d->type, d->compute_units, d->opencl_version);
        printf("      global memory %.1f MiB, local memory %.1f KiB, max allocation %.1f MiB, "
               "max work-group %zu\n",
               d->global_mem_bytes / 1048576.0, d->local_mem_bytes / 1024.0,
               d->max_alloc_bytes / 1048576.0, d->max_work_group_size);
        printf("      vendor %s, driver %s\n", d->vendor, d->driver_version);
    }
    free(devices);
    return 0;
}
