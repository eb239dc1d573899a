/* clcnn — the op interface that every backend implements.
 *
 * Layers, the training loop and the CLI compute only through these ops, so the
 * same code runs on the OpenCL device and on the CPU reference. Each backend
 * fills a clcnn_backend_ops table:
 *   - "ref"   plain C on host memory, float  (the oracle, and `--cpu`)
 *   - "ref64" the same C code in double      (gradient checks)
 *   - "cl"    OpenCL kernels + CLBlast        (the device path)
 * Ops are asynchronous on the device backend: they enqueue work and return;
 * only clcnn_tensor_download() and clcnn_backend_finish() wait.
 *
 * Layout conventions:
 *   - activations are NCHW; an FC activation is N x D x 1 x 1;
 *   - an FC weight is O x I (row-major), a conv weight is F x C x KH x KW;
 *   - GEMMs are row-major.
 * Unless said otherwise every output is overwritten, never accumulated.
 */
#ifndef CLCNN_BACKEND_H
#define CLCNN_BACKEND_H

#include <stdint.h>

#include "clcnn/status.h"
#include "clcnn/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A sliding window over an NCHW input: convolution and pooling geometry. */
typedef struct clcnn_window {
    int c, h, w;    /* input channels, height, width */
    int kh, kw;     /* window height, width */
    int sh, sw;     /* stride */
    int ph, pw;     /* zero padding on each side */
    int oh, ow;     /* output height, width: (h + 2*ph - kh) / sh + 1 */
} clcnn_window;

/* Fill in oh/ow; fails (CLCNN_ERR_ARG) on a non-positive output size. */
clcnn_status clcnn_window_init(clcnn_window *win, int c, int h, int w, int kh, int kw, int sh,
                               int sw, int ph, int pw);

typedef enum clcnn_activation {
    CLCNN_ACT_NONE,       /* the identity: a normalization with no activation fused */
    CLCNN_ACT_RELU,
    CLCNN_ACT_LEAKY_RELU, /* slope alpha for x < 0 */
    CLCNN_ACT_SIGMOID
} clcnn_activation;

typedef enum clcnn_loss_kind {
    CLCNN_LOSS_SOFTMAX, /* softmax cross-entropy */
    CLCNN_LOSS_SVM,     /* multiclass hinge, margin 1 */
    CLCNN_LOSS_BCE      /* independent sigmoids, binary cross-entropy on one-hot targets */
} clcnn_loss_kind;

typedef enum clcnn_optimizer_kind {
    CLCNN_OPT_SGD,
    CLCNN_OPT_MOMENTUM, /* v = mu*v - lr*g; w += v (nesterov if the flag is set) */
    CLCNN_OPT_RMSPROP,  /* c = rho*c + (1-rho)*g^2; w -= lr*g/(sqrt(c)+eps) */
    CLCNN_OPT_ADAM      /* with bias correction */
} clcnn_optimizer_kind;

/* Hyper-parameters of one optimizer step. */
typedef struct clcnn_optimizer_step {
    clcnn_optimizer_kind kind;
    float lr;
    float momentum;     /* MOMENTUM: mu */
    int nesterov;       /* MOMENTUM: Nesterov update */
    float rho;          /* RMSPROP: decay of the squared-gradient average */
    float beta1, beta2; /* ADAM */
    float eps;          /* RMSPROP and ADAM */
    float l2;           /* L2 regularization: g += l2 * w before the update */
    float weight_decay; /* decoupled decay: w -= lr * weight_decay * w (after the update) */
    long step;          /* 1-based step count (ADAM bias correction) */
} clcnn_optimizer_step;

/* Counters kept by every backend (the bench reads them). */
typedef struct clcnn_backend_counters {
    uint64_t launches;      /* kernels and GEMMs enqueued (ref: one per op call) */
    uint64_t transfers;     /* host<->device copies */
    uint64_t bytes_in_use;  /* storage currently allocated */
    uint64_t bytes_peak;    /* high-water mark of bytes_in_use */
} clcnn_backend_counters;

/* The description of an OpenCL device (clcnn/device.h). */
typedef struct clcnn_device_info clcnn_device_info;

typedef struct clcnn_backend_ops {
    /* ---- storage (used by clcnn_tensor_*; not called directly) ---- */
    clcnn_status (*alloc)(clcnn_backend *be, clcnn_tensor *t);
    void (*release)(clcnn_backend *be, clcnn_tensor *t);
    clcnn_status (*upload)(clcnn_backend *be, clcnn_tensor *t, size_t offset, size_t count,
                           const void *src);
    clcnn_status (*download)(clcnn_backend *be, const clcnn_tensor *t, size_t offset,
                             size_t count, void *dst);
    /* t (count, dtype and is_part set) shares parent's storage from element
     * offset, a multiple of part_align; release then frees only t's handle. */
    clcnn_status (*alloc_part)(clcnn_backend *be, const clcnn_tensor *parent, size_t offset,
                               clcnn_tensor *t);

    /* ---- elementwise ---- */
    /* t[i] = value (any dtype; value converted). Decision: U8 and I32 take the
     * value rounded to nearest; a value outside the type's range is
     * CLCNN_ERR_ARG. */
    clcnn_status (*fill)(clcnn_backend *be, clcnn_tensor *t, float value);
    /* y[i] = alpha * x[i] + y[i]  (x and y of equal count) */
    clcnn_status (*axpy)(clcnn_backend *be, float alpha, const clcnn_tensor *x, clcnn_tensor *y);
    /* y[i] = a[i] + b[i]  (a, b and y of equal count; y may be a or b): the
     * residual shortcut's sum, and the sum of the gradients where a tensor
     * feeds several layers */
    clcnn_status (*add)(clcnn_backend *be, const clcnn_tensor *a, const clcnn_tensor *b,
                        clcnn_tensor *y);
    /* y[i] = alpha * y[i] */
    clcnn_status (*scale)(clcnn_backend *be, float alpha, clcnn_tensor *y);

    /* ---- GEMM: C = alpha * op(A) * op(B) + beta * C, row-major; offsets in elements.
     * Decision: beta == 0 means C is not read (NaN in C does not propagate), as
     * in BLAS. ---- */
    clcnn_status (*gemm)(clcnn_backend *be, int trans_a, int trans_b, int m, int n, int k,
                         float alpha, const clcnn_tensor *a, size_t a_offset, int lda,
                         const clcnn_tensor *b, size_t b_offset, int ldb, float beta,
                         clcnn_tensor *c, size_t c_offset, int ldc);

    /* dst (rows x dst_ld, packed) = the first cols columns of src (rows x
     * src_ld, packed), each row followed by zeros up to dst_ld: pads a matrix
     * with zero columns (cols = src_ld < dst_ld) or crops it (cols = dst_ld <
     * src_ld). */
    clcnn_status (*copy_columns)(clcnn_backend *be, int rows, int cols, const clcnn_tensor *src,
                                 int src_ld, clcnn_tensor *dst, int dst_ld);
    /* dst (rows x C*HW, packed) from src (rows x src_ld, packed, src_ld >=
     * C*HW): row r of dst is the transpose of the HW x C block at the start of
     * src's row r, dst[r][ch*HW + q] = src[r][q*C + ch]. Turns a weight
     * gradient computed from im2row's window-ordered columns into the
     * weight's (c, i, j) order (HW = KH*KW), dropping the padding columns. */
    clcnn_status (*hwc_to_chw)(clcnn_backend *be, int rows, int c, int hw,
                               const clcnn_tensor *src, int src_ld, clcnn_tensor *dst);

    /* ---- convolution building blocks ----
     * Images n0 .. n0+nb-1 of the NCHW tensor x take part (so a large batch can
     * be processed in chunks). col is a (C*KH*KW) x (nb*OH*OW) matrix: row
     * (c*KH + i)*KW + j, column (n-n0)*OH*OW + oy*OW + ox.
     * Decision: col (and cnp below) is packed, leading dimension nb*OH*OW (nb*P),
     * from element 0, whatever its tensor's shape; the tensor may be larger
     * (sized for the largest chunk). rows >= C*KH*KW is col's row count: the
     * rows past C*KH*KW are written as zeros (GEMM padding, see gemm_multiple_mk). */
    clcnn_status (*im2col)(clcnn_backend *be, const clcnn_window *win, const clcnn_tensor *x,
                           int n0, int nb, int rows, clcnn_tensor *col);
    /* The transpose of im2col's col with its columns in window order: colt
     * is (nb*OH*OW) x row_len, packed, column (i*KW + j)*C + c of row q holds
     * col[(c*KH + i)*KW + j][q], and columns C*KH*KW <= r < row_len are 0.
     * The weight gradient reads it: dW = cnp * colt is a GEMM whose operands
     * both run along the image positions, the form GEMM libraries read
     * without a transposed copy; hwc_to_chw then puts dW's columns in the
     * weight's order. In window order a window row is one run of KW*C values
     * once the input rows are channels-last (the CPU kernel copies them so in
     * local memory), which CPU devices write at memory speed. */
    clcnn_status (*im2row)(clcnn_backend *be, const clcnn_window *win, const clcnn_tensor *x,
                           int n0, int nb, int row_len, clcnn_tensor *colt);
    /* dx images n0..n0+nb-1 = sum of the col entries that came from each pixel
     * (the adjoint of im2col; overwrites those images of dx). */
    clcnn_status (*col2im)(clcnn_backend *be, const clcnn_window *win, const clcnn_tensor *col,
                           int n0, int nb, clcnn_tensor *dx);
    /* y images n0..n0+nb-1 (F x P each, P = y.h*y.w) from the F x (nb*P) matrix
     * cnp, plus bias[f] when bias is not NULL. */
    clcnn_status (*cnp_to_nchw)(clcnn_backend *be, const clcnn_tensor *cnp,
                                const clcnn_tensor *bias, int n0, int nb, clcnn_tensor *y);
    /* The inverse: cnp (C x nb*P) from images n0..n0+nb-1 of y. */
    clcnn_status (*nchw_to_cnp)(clcnn_backend *be, const clcnn_tensor *y, int n0, int nb,
                                clcnn_tensor *cnp);
    /* y[n][c][p] += bias[c]  (conv or FC bias; FC is N x D x 1 x 1) */
    clcnn_status (*add_bias)(clcnn_backend *be, const clcnn_tensor *bias, clcnn_tensor *y);
    /* db[c] = sum over n, h, w of dy[n][c][h][w] (parallel reduction) */
    clcnn_status (*bias_backward)(clcnn_backend *be, const clcnn_tensor *dy, clcnn_tensor *db);

    /* ---- pooling (window geometry in win; y is N x C x OH x OW) ---- */
    /* argmax[i] = flat index h*W+w within the input plane of the max of window i;
     * ties go to the first in row-major window order; padding never wins.
     * Decision: a window lying wholly in the padding gets y = 0, argmax = -1,
     * and backward skips it. argmax may be NULL (evaluation): only y is
     * written. The activation before the pooling may be fused in (act, alpha;
     * CLCNN_ACT_NONE: none): y = act(max), which is the max of act(x) since
     * every activation here is non-decreasing; the pooling then reads the
     * activation's input. */
    clcnn_status (*maxpool_forward)(clcnn_backend *be, const clcnn_window *win,
                                    clcnn_activation act, float alpha, const clcnn_tensor *x,
                                    clcnn_tensor *y, clcnn_tensor *argmax);
    /* dx = scatter of dy through argmax (sums where windows overlap); with a
     * fused activation, of dy times its derivative, read from the forward's
     * output y as activation_backward does (y is not read without one, and may
     * be NULL then). */
    clcnn_status (*maxpool_backward)(clcnn_backend *be, const clcnn_window *win,
                                     clcnn_activation act, float alpha, const clcnn_tensor *y,
                                     const clcnn_tensor *dy, const clcnn_tensor *argmax,
                                     clcnn_tensor *dx);
    /* Average over the window, padding counted as zeros (divide by KH*KW). */
    clcnn_status (*avgpool_forward)(clcnn_backend *be, const clcnn_window *win,
                                    const clcnn_tensor *x, clcnn_tensor *y);
    clcnn_status (*avgpool_backward)(clcnn_backend *be, const clcnn_window *win,
                                     const clcnn_tensor *dy, clcnn_tensor *dx);

    /* ---- batch normalization, per channel over N, H, W (per feature when H=W=1;
     * per activation: pass a N x CHW x 1 x 1 view) ----
     * Training: batch statistics; saves mean and 1/sqrt(var+eps) (biased var)
     * for backward; running = (1-momentum)*running + momentum*batch, with the
     * unbiased variance in running_var (as PyTorch).
     * The activation that follows is fused in (act, alpha; CLCNN_ACT_NONE: none):
     * forward writes y = act(z), z = gamma * xhat + beta, and backward takes dy
     * as the gradient of that y, recomputing z from x (so y need not be kept;
     * beta is read for it, and ignored without an activation). act and alpha
     * mean what they mean for activation_forward; the derivative at z = 0 is
     * the same.
     * Decisions: a channel with a single value (N*H*W = 1) has no unbiased
     * variance and updates running_var with the biased one (0); eps > 0 keeps a
     * constant channel finite (y = act(beta)). Forward may run in place (x == y),
     * backward with dx == dy. dgamma and dbeta are overwritten. */
    clcnn_status (*batchnorm_forward_train)(clcnn_backend *be, const clcnn_tensor *x,
                                            const clcnn_tensor *gamma, const clcnn_tensor *beta,
                                            float momentum, float eps, clcnn_activation act,
                                            float alpha, clcnn_tensor *running_mean,
                                            clcnn_tensor *running_var, clcnn_tensor *save_mean,
                                            clcnn_tensor *save_invstd, clcnn_tensor *y);
    clcnn_status (*batchnorm_forward_eval)(clcnn_backend *be, const clcnn_tensor *x,
                                           const clcnn_tensor *gamma, const clcnn_tensor *beta,
                                           const clcnn_tensor *running_mean,
                                           const clcnn_tensor *running_var, float eps,
                                           clcnn_activation act, float alpha, clcnn_tensor *y);
    clcnn_status (*batchnorm_backward)(clcnn_backend *be, const clcnn_tensor *dy,
                                       const clcnn_tensor *x, const clcnn_tensor *gamma,
                                       const clcnn_tensor *beta, const clcnn_tensor *save_mean,
                                       const clcnn_tensor *save_invstd, clcnn_activation act,
                                       float alpha, clcnn_tensor *dx, clcnn_tensor *dgamma,
                                       clcnn_tensor *dbeta);

    /* ---- activations (backward reads the forward output y; may run in place).
     * Decisions: the derivative at x = 0 is 0 for RELU and alpha for LEAKY_RELU;
     * LEAKY_RELU needs alpha >= 0 (backward tells the sides of 0 apart by y),
     * else CLCNN_ERR_ARG; NONE is CLCNN_ERR_ARG here (the normalizations only). ---- */
    clcnn_status (*activation_forward)(clcnn_backend *be, clcnn_activation kind, float alpha,
                                       const clcnn_tensor *x, clcnn_tensor *y);
    clcnn_status (*activation_backward)(clcnn_backend *be, clcnn_activation kind, float alpha,
                                        const clcnn_tensor *y, const clcnn_tensor *dy,
                                        clcnn_tensor *dx);

    /* ---- inverted dropout: element i is kept when
     * clcnn_dropout_hash(seed, step, i) >= clcnn_dropout_threshold(p),
     * kept elements are scaled by 1/(1-p). Backward regenerates the mask.
     * Decisions: p outside [0, 1] is CLCNN_ERR_ARG; p = 0 is the identity; p = 1
     * uses scale 0 (all outputs 0) instead of an infinite 1/(1-p); i is the flat
     * element index; may run in place. ---- */
    clcnn_status (*dropout_forward)(clcnn_backend *be, float p, uint32_t seed, uint32_t step,
                                    const clcnn_tensor *x, clcnn_tensor *y);
    clcnn_status (*dropout_backward)(clcnn_backend *be, float p, uint32_t seed, uint32_t step,
                                     const clcnn_tensor *dy, clcnn_tensor *dx);

    /* ---- loss over logits N x K x 1 x 1 and labels (I32, N) ----
     * dlogits = grad_scale * d(sum of per-sample losses)/d logits (grad_scale is
     * usually 1/N for the mean loss). stats (REAL, 2 elements) accumulates:
     * stats[0] += sum of per-sample losses, stats[1] += number of samples whose
     * argmax logit equals the label (first index on ties). dlogits may be NULL
     * (evaluation).
     * Decisions: K = C*H*W of logits; a label outside 0..K-1 is CLCNN_ERR_ARG;
     * dlogits must not alias logits; SVM: a margin of exactly 0 gives no loss and
     * no gradient; BCE: a sample's loss is the sum over its K sigmoids.
     * label_smoothing E (0 <= E < 1, softmax only; E != 0 with SVM or BCE is
     * CLCNN_ERR_ARG): the softmax cross-entropy is taken against the target
     * t_j = (1-E)*[j == label] + E/K, so loss = logsumexp(z) - sum_j t_j z_j and
     * dlogits_j = grad_scale * (softmax(z)_j - t_j); E = 0 is the plain loss. */
    clcnn_status (*loss)(clcnn_backend *be, clcnn_loss_kind kind, float label_smoothing,
                         const clcnn_tensor *logits, const clcnn_tensor *labels,
                         float grad_scale, clcnn_tensor *dlogits, clcnn_tensor *stats);

    /* ---- optimizer step for one parameter tensor: updates w (and state m, v) from
     * the gradient g. m and v: state tensors of w's count (unused ones may be NULL:
     * SGD needs none, MOMENTUM and RMSPROP use m, ADAM uses m and v).
     * Decisions, with g' = g + l2*w used everywhere in place of g:
     *   nesterov: v = mu*v - lr*g'; w += mu*v - lr*g' (= -mu*v_old + (1+mu)*v);
     *   ADAM: m = b1*m + (1-b1)*g'; v = b2*v + (1-b2)*g'^2;
     *         w -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps), t = step >= 1;
     *   weight_decay scales the already updated w: w *= 1 - lr*weight_decay. ---- */
    clcnn_status (*optimizer_step)(clcnn_backend *be, const clcnn_optimizer_step *hp,
                                   clcnn_tensor *w, const clcnn_tensor *g, clcnn_tensor *m,
                                   clcnn_tensor *v);

    /* ---- input: y = (x/1 - mean[c]) / std[c] from a U8 NCHW batch; mean and std
     * are in 0..255 units (mean 0, std 255 gives x/255). Decision: mean and std
     * are host arrays of C floats; a zero std is CLCNN_ERR_ARG. ---- */
    clcnn_status (*normalize_u8)(clcnn_backend *be, const clcnn_tensor *x, const float *mean,
                                 const float *std, clcnn_tensor *y);

    /* ---- group normalization (layer norm: groups = 1 on an N x D x 1 x 1 fc
     * output or over C, H, W; instance norm: groups = C). For image n and group
     * g of the C/groups consecutive channels g*C/groups .. (g+1)*C/groups-1:
     * mean and biased variance over those channels at every position
     * (M = C/groups*H*W values), xhat = (x - mean) / sqrt(var + eps),
     * y = gamma[c] * xhat + beta[c] with gamma and beta per channel (C
     * elements). No running statistics: training and evaluation are the same.
     * save_mean and save_invstd (N*groups elements, index n*groups + g) keep
     * mean and 1/sqrt(var+eps) for backward.
     * Decisions: groups must divide C (else CLCNN_ERR_ARG); eps > 0 keeps a
     * constant group finite (y = beta); forward may run in place (x == y),
     * backward with dx == dy; dgamma and dbeta are overwritten. Backward, with
     * dxhat = dy * gamma[c] and means over the group's M values:
     *   dx = invstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)),
     *   dgamma[c] = sum over n, h, w of dy * xhat, dbeta[c] = sum of dy. ---- */
    clcnn_status (*groupnorm_forward)(clcnn_backend *be, int groups, float eps,
                                      const clcnn_tensor *x, const clcnn_tensor *gamma,
                                      const clcnn_tensor *beta, clcnn_tensor *save_mean,
                                      clcnn_tensor *save_invstd, clcnn_tensor *y);
    clcnn_status (*groupnorm_backward)(clcnn_backend *be, int groups, const clcnn_tensor *dy,
                                       const clcnn_tensor *x, const clcnn_tensor *gamma,
                                       const clcnn_tensor *save_mean,
                                       const clcnn_tensor *save_invstd, clcnn_tensor *dx,
                                       clcnn_tensor *dgamma, clcnn_tensor *dbeta);

    /* ---- what the backend runs on ---- */
    /* The OpenCL device it runs on (its identity for check records, its
     * limits), or NULL for the CPU reference backends. */
    const clcnn_device_info *(*device)(const clcnn_backend *be);
    /* The largest single allocation in bytes; 0: no limit but host memory. */
    unsigned long long (*max_alloc_bytes)(const clcnn_backend *be);

    /* Wait until all enqueued work is done. */
    clcnn_status (*finish)(clcnn_backend *be);
    /* Destroy the backend (all tensors must have been freed). */
    void (*destroy)(clcnn_backend *be);
} clcnn_backend_ops;

struct clcnn_backend {
    const clcnn_backend_ops *ops;
    const char *name;          /* "ref", "ref64", "cl" */
    size_t real_size;          /* sizeof(float) or sizeof(double) */
    /* GEMM sizes that run without the padded copies a GEMM library makes of
     * other operands: m and k multiples of gemm_multiple_mk, n of
     * gemm_multiple_n (C = op(A) op(B), C m x n). Convolutions pad C*KH*KW
     * to them: the im2col rows (the forward's k, the input gradient's m) to
     * gemm_multiple_mk, the im2row rows (the weight gradient's n) to
     * gemm_multiple_n. 1: no padding. */
    int gemm_multiple_mk, gemm_multiple_n;
    /* Element offsets of tensor parts (clcnn_tensor_alloc_part) are multiples
     * of part_align: the device's base-address alignment on OpenCL. */
    size_t part_align;
    /* The most elements an op accepts in one tensor (the cl kernels index
     * with int: INT_MAX); 0: no limit. */
    size_t max_elements;
    clcnn_backend_counters counters;
    void *impl;                /* backend-private state */
};

/* The float CPU reference backend. */
clcnn_status clcnn_backend_ref_create(clcnn_backend **out);
/* The double CPU reference backend (same C code, scalar type double). */
clcnn_status clcnn_backend_ref64_create(clcnn_backend **out);
/* Destroy any backend (NULL is ignored). */
void clcnn_backend_destroy(clcnn_backend *be);
/* Wait for all enqueued work. */
clcnn_status clcnn_backend_finish(clcnn_backend *be);
/* The backend's device (NULL on the CPU reference) and largest allocation
 * (0: no limit), through its ops. */
const clcnn_device_info *clcnn_backend_device(const clcnn_backend *be);
unsigned long long clcnn_backend_max_alloc_bytes(const clcnn_backend *be);

/* n rounded up to a multiple of multiple (>= 1): GEMM padding. */
static inline int clcnn_round_up(int n, int multiple)
{
    return (n + multiple - 1) / multiple * multiple;
}

/* Counter-based random numbers for dropout, identical on every backend:
 * a 32-bit hash of (seed, step, index). */
static inline uint32_t clcnn_mix32(uint32_t x)
{
    x ^= x >> 16; x *= 0x7FEB352Du;
    x ^= x >> 15; x *= 0x846CA68Bu;
    x ^= x >> 16;
    return x;
}

static inline uint32_t clcnn_dropout_hash(uint32_t seed, uint32_t step, uint32_t index)
{
    return clcnn_mix32(index ^ clcnn_mix32(step ^ clcnn_mix32(seed ^ 0x9E3779B9u)));
}

/* Elements whose hash is below the threshold are dropped: round(p * 2^32),
 * clamped to 2^32-1 (p = 1 drops all but a 2^-32 fraction). */
static inline uint32_t clcnn_dropout_threshold(float p)
{
    double t = (double)p * 4294967296.0;
    if (t <= 0.0) return 0u;
    if (t >= 4294967295.0) return 4294967295u;
    return (uint32_t)(t + 0.5);
}

#ifdef __cplusplus
}
#endif
#endif
