/* Losses over logits N x K and labels, in one work-group: each work-item
 * takes samples lid, lid + L, ... (their loss, argmax and gradient row), then
 * the group sums the losses and the correct count and adds them to stats.
 * Loss kinds as clcnn_loss_kind in clcnn/backend.h. A label outside 0..K-1
 * makes that sample's loss NaN (so the training loop's NaN check stops) and
 * its gradient row zero. */

#define CLCNN_LOSS_SOFTMAX 0
#define CLCNN_LOSS_SVM 1
#define CLCNN_LOSS_BCE 2

/* Softmax cross-entropy of one row, shifted by the row's own maximum, against
 * the smoothed target (1-E) on the label plus E/K on every class. */
float clcnn_softmax_row(__global const float *z, int k, int label, float row_max,
                        float smoothing, float scale, __global float *dz)
{
    float sum = 0.0f, zsum = 0.0f;
    for (int j = 0; j < k; ++j) {
        sum += exp(z[j] - row_max);
        zsum += z[j] - row_max;
    }
    const float off = smoothing / (float)k, on = 1.0f - smoothing + off;
    if (dz)
        for (int j = 0; j < k; ++j)
            dz[j] = scale * (exp(z[j] - row_max) / sum - (j == label ? on : off));
    /* sum_j t_j = 1, so logsumexp(z) - sum_j t_j z_j needs only the shifted z */
    return log(sum) - (1.0f - smoothing) * (z[label] - row_max) - off * zsum;
}

/* Multiclass hinge loss, margin 1. */
float clcnn_svm_row(__global const float *z, int k, int label, float scale, __global float *dz)
{
    float loss = 0.0f, target = z[label];
    int violations = 0;
    for (int j = 0; j < k; ++j) {
        if (j == label)
            continue;
        float margin = z[j] - target + 1.0f;
        int active = margin > 0.0f;
        if (active) {
            loss += margin;
            ++violations;
        }
        if (dz)
            dz[j] = active ? scale : 0.0f;
    }
    if (dz)
        dz[label] = -scale * (float)violations;
    return loss;
}

/* Binary cross-entropy of independent sigmoids against the one-hot target,
 * in the stable form max(z,0) - z*t + log(1 + exp(-|z|)). */
float clcnn_bce_row(__global const float *z, int k, int label, float scale, __global float *dz)
{
    float loss = 0.0f;
    for (int j = 0; j < k; ++j) {
        float v = z[j], t = j == label ? 1.0f : 0.0f;
        loss += fmax(v, 0.0f) - v * t + log1p(exp(-fabs(v)));
        if (dz) {
            float e = exp(-fabs(v)); /* sigmoid without overflow on either side */
            float sig = v >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
            dz[j] = scale * (sig - t);
        }
    }
    return loss;
}

__kernel void loss_kernel(int kind, float smoothing, __global const float *logits,
                          __global const int *labels, int n, int k, float grad_scale, int has_grad,
                          __global float *dlogits, __global float *stats,
                          __local float *scratch)
{
    float loss_sum = 0.0f, correct = 0.0f;
    for (int i = (int)get_local_id(0); i < n; i += (int)get_local_size(0)) {
        __global const float *z = logits + (size_t)i * k;
        __global float *dz = has_grad ? dlogits + (size_t)i * k : 0;
        int label = labels[i];
        int best = 0;
        for (int j = 1; j < k; ++j)
            if (z[j] > z[best])
                best = j;
        if (label < 0 || label >= k) {
            loss_sum += NAN;
            if (dz)
                for (int j = 0; j < k; ++j)
                    dz[j] = 0.0f;
            continue;
        }
        correct += best == label ? 1.0f : 0.0f;
        if (kind == CLCNN_LOSS_SOFTMAX)
            loss_sum += clcnn_softmax_row(z, k, label, z[best], smoothing, grad_scale, dz);
        else if (kind == CLCNN_LOSS_SVM)
            loss_sum += clcnn_svm_row(z, k, label, grad_scale, dz);
        else
            loss_sum += clcnn_bce_row(z, k, label, grad_scale, dz);
    }
    loss_sum = clcnn_group_sum(scratch, loss_sum);
    correct = clcnn_group_sum(scratch, correct);
    if (get_local_id(0) == 0) {
        stats[0] += loss_sum;
        stats[1] += correct;
    }
}
