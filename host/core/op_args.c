/* Argument checks shared by every backend's ops (see op_args.h). */
#include "core/op_args.h"
#include "core/try.h"

const char *clcnn_tensor_label(const clcnn_tensor *t) { return t->name ? t->name : "(unnamed)"; }

static const char *dtype_name(clcnn_dtype dtype)
{
    switch (dtype) {
    case CLCNN_REAL: return "REAL";
    case CLCNN_U8: return "U8";
    case CLCNN_I32: return "I32";
    }
    return "?";
}

/* t is allocated on be, of dtype, within be's element limit. */
static clcnn_status check_tensor(const clcnn_backend *be, const char *op, const clcnn_tensor *t,
                                 clcnn_dtype dtype)
{
    if (!t)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: a required tensor is NULL", op);
    if (!t->storage || t->backend != be)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: tensor %s is not allocated on the %s backend", op,
                          clcnn_tensor_label(t), be->name);
    if (t->dtype != dtype)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: tensor %s has dtype %s, expected %s", op,
                          clcnn_tensor_label(t), dtype_name(t->dtype), dtype_name(dtype));
    if (be->max_elements && t->count > be->max_elements)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: tensor %s has %zu elements, more than the %zu that "
                          "the %s backend can index", op, clcnn_tensor_label(t), t->count,
                          be->max_elements, be->name);
    return CLCNN_OK;
}

clcnn_status clcnn_op_check_count(const clcnn_backend *be, const char *op,
                                  const clcnn_tensor *t, clcnn_dtype dtype, size_t count)
{
    CLCNN_TRY(check_tensor(be, op, t, dtype));
    if (count && t->count != count)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: tensor %s has %zu elements, expected %zu", op,
                          clcnn_tensor_label(t), t->count, count);
    return CLCNN_OK;
}

clcnn_status clcnn_op_check_add(const clcnn_backend *be, const clcnn_tensor *a,
                                const clcnn_tensor *b, const clcnn_tensor *y)
{
    CLCNN_TRY(clcnn_op_check_count(be, "add", y, CLCNN_REAL, 0));
    CLCNN_TRY(clcnn_op_check_count(be, "add", a, CLCNN_REAL, y->count));
    return clcnn_op_check_count(be, "add", b, CLCNN_REAL, y->count);
}

clcnn_status clcnn_op_check_capacity(const clcnn_backend *be, const char *op,
                                     const clcnn_tensor *t, clcnn_dtype dtype, size_t min_count)
{
    CLCNN_TRY(check_tensor(be, op, t, dtype));
    if (t->count < min_count)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: tensor %s has %zu elements, needs at least %zu", op,
                          clcnn_tensor_label(t), t->count, min_count);
    return CLCNN_OK;
}

clcnn_status clcnn_op_check_window_tensor(const clcnn_backend *be, const char *op,
                                          const clcnn_window *win, const clcnn_tensor *t,
                                          clcnn_dtype dtype, int out)
{
    CLCNN_TRY(check_tensor(be, op, t, dtype));
    int h = out ? win->oh : win->h, w = out ? win->ow : win->w;
    if (t->shape.c != win->c || t->shape.h != h || t->shape.w != w)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: tensor %s is %dx%dx%dx%d, expected Nx%dx%dx%d", op,
                          clcnn_tensor_label(t), t->shape.n, t->shape.c, t->shape.h, t->shape.w,
                          win->c, h, w);
    return CLCNN_OK;
}

clcnn_status clcnn_op_check_images(const char *op, const clcnn_tensor *t, int n0, int nb)
{
    if (n0 < 0 || nb <= 0 || n0 > t->shape.n - nb)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: images %d..%d outside tensor %s of %d images", op,
                          n0, n0 + nb - 1, clcnn_tensor_label(t), t->shape.n);
    return CLCNN_OK;
}

clcnn_status clcnn_op_check_matrix(const clcnn_backend *be, const char *op, const char *which,
                                   const clcnn_tensor *t, size_t offset, int rows, int cols,
                                   int ld)
{
    CLCNN_TRY(check_tensor(be, op, t, CLCNN_REAL));
    if (rows < 0 || cols < 0 || ld < (cols > 1 ? cols : 1))
        return clcnn_fail(CLCNN_ERR_ARG, "%s: matrix %s (%s) is %dx%d with leading dimension %d",
                          op, which, clcnn_tensor_label(t), rows, cols, ld);
    if (rows == 0 || cols == 0)
        return CLCNN_OK;
    size_t end = offset + (size_t)(rows - 1) * (size_t)ld + (size_t)cols;
    if (end > t->count)
        return clcnn_fail(CLCNN_ERR_ARG,
                          "%s: matrix %s (%dx%d, ld %d, offset %zu) ends at element %zu, past the "
                          "%zu elements of tensor %s", op, which, rows, cols, ld, offset, end,
                          t->count, clcnn_tensor_label(t));
    return CLCNN_OK;
}

clcnn_status clcnn_op_check_col_rows(const char *op, const clcnn_window *win, int rows)
{
    int ckk = win->c * win->kh * win->kw;
    if (rows < ckk)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: %d rows for a %d-row column matrix (C*KH*KW)", op,
                          rows, ckk);
    return CLCNN_OK;
}

clcnn_status clcnn_op_check_columns(const char *op, int cols, int src_ld, int dst_ld)
{
    if (cols < 0 || cols > src_ld || cols > dst_ld)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: %d columns do not fit source rows of %d and "
                          "destination rows of %d", op, cols, src_ld, dst_ld);
    return CLCNN_OK;
}

clcnn_status clcnn_op_check_hwc_to_chw(const clcnn_backend *be, const char *op, int rows, int c,
                                       int hw, const clcnn_tensor *src, int src_ld,
                                       const clcnn_tensor *dst)
{
    if (rows < 0 || c < 1 || hw < 1 || (long long)c * hw > src_ld)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: %d rows of %d channels x %d window positions do "
                          "not fit source rows of %d", op, rows, c, hw, src_ld);
    CLCNN_TRY(clcnn_op_check_matrix(be, op, "source", src, 0, rows, src_ld, src_ld));
    return clcnn_op_check_matrix(be, op, "destination", dst, 0, rows, c * hw, c * hw);
}

clcnn_status clcnn_op_check_pool(const clcnn_backend *be, const char *op,
                                 const clcnn_window *win, const clcnn_tensor *x,
                                 const clcnn_tensor *y)
{
    CLCNN_TRY(clcnn_op_check_window_tensor(be, op, win, x, CLCNN_REAL, 0));
    CLCNN_TRY(clcnn_op_check_window_tensor(be, op, win, y, CLCNN_REAL, 1));
    if (x->shape.n != y->shape.n)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: input has %d images, output %d", op, x->shape.n,
                          y->shape.n);
    return CLCNN_OK;
}

/* A normalization's y (when not NULL) of x's count and its per-channel
 * tensors of C elements. */
static clcnn_status check_norm_tensors(const clcnn_backend *be, const char *op,
                                       const clcnn_tensor *x, const clcnn_tensor *y,
                                       const clcnn_tensor *const *per_channel, int n_per_channel)
{
    if (y)
        CLCNN_TRY(clcnn_op_check_count(be, op, y, CLCNN_REAL, x->count));
    for (int i = 0; i < n_per_channel; i++)
        CLCNN_TRY(clcnn_op_check_count(be, op, per_channel[i], CLCNN_REAL, (size_t)x->shape.c));
    return CLCNN_OK;
}

/* An activation kind and its slope; CLCNN_ACT_NONE only where fused is set. */
static clcnn_status check_activation_kind(const char *op, clcnn_activation kind, float alpha,
                                          int fused)
{
    if (kind != CLCNN_ACT_RELU && kind != CLCNN_ACT_LEAKY_RELU && kind != CLCNN_ACT_SIGMOID &&
        !(fused && kind == CLCNN_ACT_NONE))
        return clcnn_fail(CLCNN_ERR_ARG, "%s: unknown activation %d", op, (int)kind);
    /* The backward pass tells the sides of 0 apart by the sign of y, which
     * matches the sign of x only for a non-negative slope. */
    if (kind == CLCNN_ACT_LEAKY_RELU && !(alpha >= 0.0f))
        return clcnn_fail(CLCNN_ERR_ARG, "%s: leaky ReLU slope %g must be >= 0", op,
                          (double)alpha);
    return CLCNN_OK;
}

clcnn_status clcnn_op_check_fused_activation(const char *op, clcnn_activation act, float alpha)
{
    return check_activation_kind(op, act, alpha, 1);
}

clcnn_status clcnn_op_check_batchnorm(const clcnn_backend *be, const char *op,
                                      clcnn_activation act, float alpha, const clcnn_tensor *x,
                                      const clcnn_tensor *y,
                                      const clcnn_tensor *const *per_channel, int n_per_channel)
{
    CLCNN_TRY(clcnn_op_check_fused_activation(op, act, alpha));
    CLCNN_TRY(clcnn_op_check_count(be, op, x, CLCNN_REAL, 0));
    return check_norm_tensors(be, op, x, y, per_channel, n_per_channel);
}

clcnn_status clcnn_op_check_groupnorm(const clcnn_backend *be, const char *op, int groups,
                                      const clcnn_tensor *x, const clcnn_tensor *y,
                                      const clcnn_tensor *const *per_channel, int n_per_channel,
                                      const clcnn_tensor *const *per_group, int n_per_group)
{
    CLCNN_TRY(clcnn_op_check_count(be, op, x, CLCNN_REAL, 0));
    if (groups < 1 || x->shape.c % groups != 0)
        return clcnn_fail(CLCNN_ERR_ARG, "%s: %d groups do not divide the %d channels of %s", op,
                          groups, x->shape.c, x->name ? x->name : "x");
    CLCNN_TRY(check_norm_tensors(be, op, x, y, per_channel, n_per_channel));
    for (int i = 0; i < n_per_group; i++)
        CLCNN_TRY(clcnn_op_check_count(be, op, per_group[i], CLCNN_REAL,
                                       (size_t)x->shape.n * (size_t)groups));
    return CLCNN_OK;
}

clcnn_status clcnn_op_check_col(const clcnn_backend *be, const char *op, const clcnn_window *win,
                                const clcnn_tensor *x, int n0, int nb, int rows,
                                const clcnn_tensor *col)
{
    CLCNN_TRY(clcnn_op_check_window_tensor(be, op, win, x, CLCNN_REAL, 0));
    CLCNN_TRY(clcnn_op_check_images(op, x, n0, nb));
    CLCNN_TRY(clcnn_op_check_col_rows(op, win, rows));
    return clcnn_op_check_capacity(be, op, col, CLCNN_REAL,
                                   (size_t)rows * nb * win->oh * win->ow);
}

clcnn_status clcnn_op_check_cnp(const clcnn_backend *be, const char *op, const clcnn_tensor *cnp,
                                const clcnn_tensor *bias, int n0, int nb, const clcnn_tensor *y)
{
    CLCNN_TRY(clcnn_op_check_count(be, op, y, CLCNN_REAL, 0));
    CLCNN_TRY(clcnn_op_check_images(op, y, n0, nb));
    size_t image = (size_t)y->shape.c * y->shape.h * y->shape.w;
    CLCNN_TRY(clcnn_op_check_capacity(be, op, cnp, CLCNN_REAL, (size_t)nb * image));
    if (bias)
        CLCNN_TRY(clcnn_op_check_count(be, op, bias, CLCNN_REAL, (size_t)y->shape.c));
    return CLCNN_OK;
}

clcnn_status clcnn_op_check_activation(const clcnn_backend *be, const char *op,
                                       clcnn_activation kind, float alpha, const clcnn_tensor *a,
                                       const clcnn_tensor *b, const clcnn_tensor *c)
{
    CLCNN_TRY(check_activation_kind(op, kind, alpha, 0));
    CLCNN_TRY(clcnn_op_check_count(be, op, a, CLCNN_REAL, 0));
    CLCNN_TRY(clcnn_op_check_count(be, op, b, CLCNN_REAL, a->count));
    return c ? clcnn_op_check_count(be, op, c, CLCNN_REAL, a->count) : CLCNN_OK;
}

clcnn_status clcnn_op_check_optimizer(const clcnn_backend *be, const clcnn_optimizer_step *hp,
                                      const clcnn_tensor *w, const clcnn_tensor *g,
                                      const clcnn_tensor *m, const clcnn_tensor *v)
{
    static const char op[] = "optimizer_step";
    CLCNN_TRY(clcnn_op_check_count(be, op, w, CLCNN_REAL, 0));
    CLCNN_TRY(clcnn_op_check_count(be, op, g, CLCNN_REAL, w->count));
    switch (hp->kind) {
    case CLCNN_OPT_SGD:
        return CLCNN_OK;
    case CLCNN_OPT_MOMENTUM:
    case CLCNN_OPT_RMSPROP:
        return clcnn_op_check_count(be, op, m, CLCNN_REAL, w->count);
    case CLCNN_OPT_ADAM:
        CLCNN_TRY(clcnn_op_check_count(be, op, m, CLCNN_REAL, w->count));
        CLCNN_TRY(clcnn_op_check_count(be, op, v, CLCNN_REAL, w->count));
        if (hp->step < 1)
            return clcnn_fail(CLCNN_ERR_ARG, "%s: Adam step %ld must be >= 1", op, hp->step);
        return CLCNN_OK;
    }
    return clcnn_fail(CLCNN_ERR_ARG, "%s: unknown optimizer %d", op, (int)hp->kind);
}

clcnn_status clcnn_op_check_loss(clcnn_loss_kind kind, float label_smoothing)
{
    if (kind != CLCNN_LOSS_SOFTMAX && kind != CLCNN_LOSS_SVM && kind != CLCNN_LOSS_BCE)
        return clcnn_fail(CLCNN_ERR_ARG, "loss: unknown loss kind %d", (int)kind);
    if (!(label_smoothing >= 0.0f && label_smoothing < 1.0f))
        return clcnn_fail(CLCNN_ERR_ARG, "loss: label smoothing %g is outside [0, 1)",
                          (double)label_smoothing);
    if (label_smoothing != 0.0f && kind != CLCNN_LOSS_SOFTMAX)
        return clcnn_fail(CLCNN_ERR_ARG, "loss: label smoothing applies to the softmax loss "
                          "only, not to %s", kind == CLCNN_LOSS_SVM ? "svm" : "bce");
    return CLCNN_OK;
}
