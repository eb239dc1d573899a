/* Process-wide counts of live OpenCL objects (see cl_objects.h). */
#include "cl/cl_objects.h"

#include <stdatomic.h>

static atomic_long live[CLCNN_CL_OBJ_KINDS];

void clcnn_cl_objects_created(clcnn_cl_object_kind kind)
{
    atomic_fetch_add_explicit(&live[kind], 1, memory_order_relaxed);
}

void clcnn_cl_objects_released(clcnn_cl_object_kind kind)
{
    atomic_fetch_sub_explicit(&live[kind], 1, memory_order_relaxed);
}

long clcnn_cl_objects_live(clcnn_cl_object_kind kind)
{
    return atomic_load_explicit(&live[kind], memory_order_relaxed);
}

const char *clcnn_cl_object_name(clcnn_cl_object_kind kind)
{
    static const char *const names[CLCNN_CL_OBJ_KINDS] = {
        "cl_context", "cl_command_queue", "cl_program", "cl_kernel", "cl_mem", "cl_event"};
    return kind >= 0 && kind < CLCNN_CL_OBJ_KINDS ? names[kind] : "?";
}
