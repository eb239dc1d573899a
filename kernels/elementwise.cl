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

/* The derivative from the forward output y (x > 0 exactly when y > 0 for
 * ReLU and for leaky ReLU with a positive slope). dx may alias dy. */
__kernel void activation_backward_kernel(int kind, float alpha, __global const float *y,
                                         __global const float *dy, __global float *dx,
                                         int total)
{
    int gid = (int)get_global_id(0);
    if (gid >= total)
        return;
    float out = y[gid], g = dy[gid];
    if (kind == CLCNN_ACT_RELU)
        g = out > 0.0f ? g : 0.0f;
    else if (kind == CLCNN_ACT_LEAKY_RELU)
        g = out > 0.0f ? g : alpha * g;
    else
        g = g * out * (1.0f - out);
    dx[gid] = g;
}
