/* Test-time augmentation: the average of two probability vectors of one
 * image, computed on the host in double from its two rows of logits. */
#include <math.h>

#include "train/trainer_internal.h"

/* log(exp(a) + exp(b)) without overflow. */
static double log_add_exp(double a, double b)
{
    double hi = a > b ? a : b, lo = a > b ? b : a;
    return hi + log1p(exp(lo - hi));
}

/* log(1 + exp(x)) without overflow. */
static double softplus(double x) { return (x > 0 ? x : 0) + log1p(exp(-fabs(x))); }

/* log-sum-exp of a row of K logits. */
static double row_lse(const float *z, int K)
{
    double max = z[0], sum = 0;
    for (int j = 1; j < K; j++)
        if (z[j] > max)
            max = z[j];
    for (int j = 0; j < K; j++)
        sum += exp(z[j] - max);
    return max + log(sum);
}

double trainer_tta_average(clcnn_loss_kind loss, const float *z1, const float *z2, int K,
                           int label, int *predicted)
{
    const double log_half = -log(2.0);
    double best = -INFINITY, result = 0;
    double lse1 = loss == CLCNN_LOSS_SOFTMAX ? row_lse(z1, K) : 0;
    double lse2 = loss == CLCNN_LOSS_SOFTMAX ? row_lse(z2, K) : 0;
    *predicted = 0;
    for (int j = 0; j < K; j++) {
        /* log of the averaged probability of class j (and, for BCE, of not j) */
        double log_p, log_not_p = 0;
        if (loss == CLCNN_LOSS_SOFTMAX) {
            log_p = log_half + log_add_exp(z1[j] - lse1, z2[j] - lse2);
        } else { /* sigmoids: log s = -softplus(-z), log(1 - s) = -softplus(z) */
            log_p = log_half + log_add_exp(-softplus(-z1[j]), -softplus(-z2[j]));
            log_not_p = log_half + log_add_exp(-softplus(z1[j]), -softplus(z2[j]));
        }
        if (log_p > best) { /* the first maximum: log is monotone */
            best = log_p;
            *predicted = j;
        }
        if (j == label)
            result -= log_p;
        else if (loss != CLCNN_LOSS_SOFTMAX)
            result -= log_not_p;
    }
    return result;
}
