/* Optimizer steps for one parameter tensor, one work-item per weight. Every
 * kind first adds the L2 term to the gradient (g += l2 * w) and ends with the
 * decoupled weight decay w -= lr * weight_decay * w, applied as w *= decay
 * with decay = 1 - lr * weight_decay from the host. Formulas as
 * clcnn_optimizer_kind in clcnn/backend.h. */

float clcnn_regularized_grad(float g, float w, float l2) { return g + l2 * w; }

__kernel void sgd_step_kernel(__global float *w, __global const float *g, float lr, float l2,
                              float decay, int total)
{
    int i = (int)get_global_id(0);
    if (i >= total)
        return;
    float wi = w[i];
    wi -= lr * clcnn_regularized_grad(g[i], wi, l2);
    w[i] = wi * decay;
}

/* v = mu*v - lr*g; w += v, or for Nesterov w += mu*v - lr*g (the look-ahead
 * form, equal to -mu*v_old + (1+mu)*v). */
__kernel void momentum_step_kernel(__global float *w, __global const float *g,
                                   __global float *v, float lr, float mu, int nesterov,
                                   float l2, float decay, int total)
{
    int i = (int)get_global_id(0);
    if (i >= total)
        return;
    float wi = w[i];
    float gi = clcnn_regularized_grad(g[i], wi, l2);
    float vi = mu * v[i] - lr * gi;
    v[i] = vi;
    wi += nesterov ? mu * vi - lr * gi : vi;
    w[i] = wi * decay;
}

/* c = rho*c + (1-rho)*g^2; w -= lr*g/(sqrt(c)+eps). */
__kernel void rmsprop_step_kernel(__global float *w, __global const float *g,
                                  __global float *cache, float lr, float rho, float eps,
                                  float l2, float decay, int total)
{
    int i = (int)get_global_id(0);
    if (i >= total)
        return;
    float wi = w[i];
    float gi = clcnn_regularized_grad(g[i], wi, l2);
    float ci = rho * cache[i] + (1.0f - rho) * gi * gi;
    cache[i] = ci;
    wi -= lr * gi / (sqrt(ci) + eps);
    w[i] = wi * decay;
}

/* m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
 * w -= lr * (m/correction1) / (sqrt(v/correction2) + eps), with the bias
 * corrections 1 - beta^step computed on the host. */
__kernel void adam_step_kernel(__global float *w, __global const float *g, __global float *m,
                               __global float *v, float lr, float beta1, float beta2,
                               float eps, float correction1, float correction2, float l2,
                               float decay, int total)
{
    int i = (int)get_global_id(0);
    if (i >= total)
        return;
    float wi = w[i];
    float gi = clcnn_regularized_grad(g[i], wi, l2);
    float mi = beta1 * m[i] + (1.0f - beta1) * gi;
    float vi = beta2 * v[i] + (1.0f - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    wi -= lr * (mi / correction1) / (sqrt(vi / correction2) + eps);
    w[i] = wi * decay;
}
