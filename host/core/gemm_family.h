/* The shape families of GEMMs: the tuner keeps a CLBlast set per family and
 * transpose class (host/cl/cl_tune.h), and a convolution cuts its backward
 * chunks so that their weight-gradient GEMM stays in its family
 * (core/conv_plan.c): a set tuned for one family can run another's shapes
 * several times slower.
 * - wide: the rest;
 * - narrow: a result of at most CLCNN_GEMM_NARROW_ROWS rows (the first conv
 *   layer's 32 filters, fc layers at small batches). CLBlast sees those rows
 *   as its N (the row-major swap, cl_ops_gemm.c); a work-group tile wider
 *   than them (NWG = 64) makes it pad and copy the long operands on every
 *   call: conv1's GEMMs on PoCL ran 2-5x slower with the set that suits the
 *   other layers than with an NWG = 32 one;
 * - deep: an inner dimension k of at least CLCNN_GEMM_DEEP_RATIO times the
 *   larger side of the result: the convolutions' weight gradients (k =
 *   images x positions), which are NN like their forward GEMMs but stream
 *   two long operands into a small result, and want other tiles.
 * Narrow comes first: a narrow deep GEMM is narrow. */
#ifndef CLCNN_CORE_GEMM_FAMILY_H
#define CLCNN_CORE_GEMM_FAMILY_H

#define CLCNN_GEMM_FAMILIES 3
#define CLCNN_GEMM_NARROW_ROWS 32
#define CLCNN_GEMM_DEEP_RATIO 4

enum { CLCNN_GEMM_WIDE = 0, CLCNN_GEMM_NARROW = 1, CLCNN_GEMM_DEEP = 2 };

/* The family of a GEMM with an m x n result and inner dimension k. */
static inline int clcnn_gemm_family(int m, int n, int k)
{
    long long side = m > n ? m : n;
    if (m <= CLCNN_GEMM_NARROW_ROWS)
        return CLCNN_GEMM_NARROW;
    return k >= CLCNN_GEMM_DEEP_RATIO * side ? CLCNN_GEMM_DEEP : CLCNN_GEMM_WIDE;
}

#endif
