/* Elementwise arithmetic and activations: one work-item per element. */

__kernel void axpy_kernel(float alpha, __global const float *x, __global float *y, int total)
{
    int gid = (int)get_global_id(0);
    if (gid < total)
        y[gid] = alpha * x[gid] + y[gid];
}

/* a or b may be y itself (no restrict) */
__kernel void add_kernel(__global const float *a, __global const float *b, __global float *y,
                         int total)
{
    int gid = (int)get_global_id(0);
    if (gid < total)
        y[gid] = a[gid] + b[gid];
}

__kernel void scale_kernel(float alpha, __global float *y, int total)
{
    int gid = (int)get_global_id(0);
    if (gid < total)
        y[gid] = alpha * y[gid];
}

__kernel void activation_forward_kernel(int kind, float alpha, __global const float *x,
                                        __global float *y, int total)
{
    int gid = (int)get_global_id(0);
    if (gid < total)
        y[gid] = clcnn_act(kind, alpha, x[gid]);
}

/* The derivative from the forward output y (common.cl). dx may alias dy. */
__kernel void activation_backward_kernel(int kind, float alpha, __global const float *y,
                                         __global const float *dy, __global float *dx,
                                         int total)
{
    int gid = (int)get_global_id(0);
    if (gid < total)
        dx[gid] = dy[gid] * clcnn_act_slope_from_output(kind, alpha, y[gid]);
}
