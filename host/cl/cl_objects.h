/* Live OpenCL objects of the "cl" backend, counted process-wide so that a test
 * can assert that destroying every backend, net and trainer releases all it
 * created. Always compiled in: a relaxed atomic add per create/release.
 *
 * What is counted (cl_runtime.c, cl_memory.c): contexts, command queues, the
 * kernel program each runtime keeps, kernels, tensor buffers (the backend's
 * own scratch buffers are tensors too), and the profiling-event slots the
 * runtime hands out while recording (each slot is released with its event, if
 * the enqueue created one). Objects created and released within one function
 * (a program while loading the kernel cache, `clcnn tune`'s candidates) and
 * CLBlast's own objects are not counted. This header needs no OpenCL header. */
#ifndef CLCNN_CL_OBJECTS_H
#define CLCNN_CL_OBJECTS_H

typedef enum clcnn_cl_object_kind {
    CLCNN_CL_OBJ_CONTEXT,
    CLCNN_CL_OBJ_QUEUE,
    CLCNN_CL_OBJ_PROGRAM,
    CLCNN_CL_OBJ_KERNEL,
    CLCNN_CL_OBJ_MEM,
    CLCNN_CL_OBJ_EVENT,
    CLCNN_CL_OBJ_KINDS
} clcnn_cl_object_kind;

/* Record one object of kind created / released. */
void clcnn_cl_objects_created(clcnn_cl_object_kind kind);
void clcnn_cl_objects_released(clcnn_cl_object_kind kind);

/* Objects of kind created and not yet released, process-wide. */
long clcnn_cl_objects_live(clcnn_cl_object_kind kind);

/* "cl_context", "cl_mem", ... */
const char *clcnn_cl_object_name(clcnn_cl_object_kind kind);

#endif
