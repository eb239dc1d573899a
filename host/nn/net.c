/* The sequential network: creation (every tensor allocated once for the
 * maximum batch), forward and backward over the layers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/net_internal.h"

/* A view of the first n images of buffer t with the per-image shape of s. */
static clcnn_tensor shaped_view(const clcnn_tensor *t, clcnn_shape s, int n)
{
    s.n = n;
    return clcnn_tensor_view(t, s);
}

/* Layer names count per kind: conv1, conv2, bn1, fc1 ... */
static void name_layers(clcnn_net *net)
{
    for (int i = 0; i < net->n_layers; i++)
        clcnn_model_spec_layer_name(&net->spec, i, net->layers[i].name,
                                    sizeof net->layers[i].name);
}

/* The pooled output buffers, each as large as the largest output it holds. */
static clcnn_status setup_output_pool(clcnn_net *net, const clcnn_shape *shapes)
{
    if (net->n_act_slots == 0)
        return CLCNN_OK;
    net->act_pool = calloc((size_t)net->n_act_slots, sizeof *net->act_pool);
    if (!net->act_pool)
        return clcnn_fail(CLCNN_ERR_NOMEM, "network: out of host memory");
    for (int s = 0; s < net->n_act_slots; s++) {
        size_t most = 0;
        for (int i = 0; i < net->n_layers; i++)
            if (net->layers[i].y_slot == s && clcnn_shape_count(shapes[i]) > most)
                most = clcnn_shape_count(shapes[i]);
        CLCNN_TRY(clcnn_tensor_alloc(net->be, &net->act_pool[s],
                                     clcnn_shape_make(net->batch, 1, 1, (int)most), CLCNN_REAL,
                                     "shared activations"));
    }
    return CLCNN_OK;
}

static clcnn_status setup_layers(clcnn_net *net, const clcnn_shape *shapes)
{
    name_layers(net);
    CLCNN_TRY(setup_output_pool(net, shapes));
    for (int i = 0; i < net->n_layers; i++) {
        nn_layer *l = &net->layers[i];
        l->in = clcnn_model_spec_input_shape(&net->spec, shapes, i);
        l->in.n = net->batch;
        l->out = shapes[i];
        l->out.n = net->batch;
        l->col_budget_bytes = net->col_budget_bytes;
        l->inference = net->inference;
        if (l->y_slot == NN_Y_OWN)
            CLCNN_TRY(clcnn_tensor_alloc(net->be, &l->y, l->out, CLCNN_REAL, l->name));
        else if (l->y_slot == NN_Y_FUSED) /* its input's buffer */
            l->y = net->layers[clcnn_model_spec_source(&net->spec, i, 0)].y;
        else
            l->y = shaped_view(&net->act_pool[l->y_slot], l->out, net->batch);
        clcnn_status st = l->ops->setup(l, net->be, net->batch);
        if (st != CLCNN_OK)
            return clcnn_fail_context(st, "setting up layer %d (%s): ", i + 1, l->name);
    }
    return CLCNN_OK;
}

/* The scratch shared by the layers (the convolutions' im2col matrix and
 * product): as large as the largest need. */
static clcnn_status setup_scratch(clcnn_net *net)
{
    size_t col = 0, cnp = 0;
    for (int i = 0; i < net->n_layers; i++) {
        nn_layer *l = &net->layers[i];
        if (l->scratch_col > col) col = l->scratch_col;
        if (l->scratch_cnp > cnp) cnp = l->scratch_cnp;
    }
    if (col == 0)
        return CLCNN_OK;
    if (col > (size_t)1 << 31 || cnp > (size_t)1 << 31)
        return clcnn_fail(CLCNN_ERR_ARG, "network: im2col scratch of %zu elements is too large",
                          col > cnp ? col : cnp);
    CLCNN_TRY(clcnn_tensor_alloc(net->be, &net->scratch.col, clcnn_shape_make(1, 1, 1, (int)col),
                                 CLCNN_REAL, "im2col"));
    return clcnn_tensor_alloc(net->be, &net->scratch.cnp, clcnn_shape_make(1, 1, 1, (int)cnp),
                              CLCNN_REAL, "conv product");
}

/* The activation-gradient buffers of the plan, each as large as any layer's
 * input or output. */
static clcnn_status setup_grad_buffers(clcnn_net *net)
{
    size_t most = 0;
    for (int i = 0; i < net->n_layers; i++) {
        size_t in = clcnn_shape_count(net->layers[i].in), out = clcnn_shape_count(net->layers[i].out);
        if (in > most) most = in;
        if (out > most) most = out;
    }
    net->grad_pool = calloc((size_t)net->n_grad_buffers + 1, sizeof *net->grad_pool);
    if (!net->grad_pool)
        return clcnn_fail(CLCNN_ERR_NOMEM, "network: out of host memory");
    for (int k = 0; k < net->n_grad_buffers; k++)
        CLCNN_TRY(clcnn_tensor_alloc(net->be, &net->grad_pool[k],
                                     clcnn_shape_make(1, 1, 1, (int)most), CLCNN_REAL,
                                     "activation gradient"));
    return CLCNN_OK;
}

static clcnn_status build(clcnn_net *net)
{
    clcnn_shape shapes[CLCNN_MAX_LAYERS];
    CLCNN_TRY(clcnn_model_spec_shapes(&net->spec, shapes));
    net->layers = calloc((size_t)net->n_layers, sizeof *net->layers);
    if (!net->layers)
        return clcnn_fail(CLCNN_ERR_NOMEM, "network: out of host memory");
    for (int i = 0; i < net->n_layers; i++) {
        net->layers[i].spec = net->spec.layers[i];
        net->layers[i].ops = nn_layer_ops_for(net->spec.layers[i].kind);
        net->layers[i].index = i;
    }
    nn_plan_fusions(net);
    nn_plan_outputs(net);
    CLCNN_TRY(setup_layers(net, shapes));
    if (!net->inference)
        CLCNN_TRY(nn_plan_gradients(net));
    CLCNN_TRY(setup_scratch(net));
    CLCNN_TRY(setup_grad_buffers(net));
    CLCNN_TRY(nn_collect_params(net));
    return nn_init_params(net);
}

clcnn_status clcnn_net_create_ex(clcnn_backend *backend, const clcnn_model_spec *spec, int batch,
                                 uint32_t seed, const clcnn_net_options *opts, clcnn_net **out)
{
    *out = NULL;
    if (batch < 1)
        return clcnn_fail(CLCNN_ERR_ARG, "creating network: batch size %d must be positive", batch);
    clcnn_net *net = calloc(1, sizeof *net);
    if (!net)
        return clcnn_fail(CLCNN_ERR_NOMEM, "creating network: out of host memory");
    net->be = backend;
    net->spec = *spec;
    net->batch = batch;
    net->seed = seed;
    net->n_layers = spec->n_layers;
    net->col_budget_bytes = opts && opts->col_budget_bytes ? opts->col_budget_bytes
                                                            : CLCNN_DEFAULT_COL_BUDGET;
    net->flat_gradients = opts && opts->flat_gradients;
    net->unfused = opts && opts->unfused;
    net->inference = opts && opts->inference;
    /* One buffer may not exceed the device's largest allocation. */
    unsigned long long max_alloc = clcnn_backend_max_alloc_bytes(backend);
    if (max_alloc && max_alloc < net->col_budget_bytes)
        net->col_budget_bytes = (size_t)max_alloc;
    clcnn_status st = build(net);
    if (st != CLCNN_OK) {
        clcnn_net_destroy(net);
        return clcnn_fail_context(st, "creating network %s: ", spec->source);
    }
    *out = net;
    return CLCNN_OK;
}

clcnn_status clcnn_net_create(clcnn_backend *backend, const clcnn_model_spec *spec, int batch,
                              uint32_t seed, clcnn_net **out)
{
    return clcnn_net_create_ex(backend, spec, batch, seed, NULL, out);
}

void clcnn_net_destroy(clcnn_net *net)
{
    if (!net)
        return;
    if (net->layers)
        for (int i = 0; i < net->n_layers; i++)
            nn_layer_release(&net->layers[i]);
    clcnn_tensor_free(&net->scratch.col);
    clcnn_tensor_free(&net->scratch.cnp);
    for (int s = 0; net->act_pool && s < net->n_act_slots; s++)
        clcnn_tensor_free(&net->act_pool[s]);
    for (int k = 0; net->grad_pool && k < net->n_grad_buffers; k++)
        clcnn_tensor_free(&net->grad_pool[k]);
    free(net->act_pool);
    free(net->grad_pool);
    free(net->grad_plan);
    clcnn_tensor_free(&net->grad_flat); /* after the layers' gradients, its parts */
    free(net->layers);
    free(net->params);
    free(net->states);
    free(net);
}

static nn_step make_step(clcnn_net *net, int n, int training, uint32_t step)
{
    nn_step s = {net->be, n, training, net->seed, step, &net->scratch, NULL, 0};
    return s;
}

/* The first n images of what feeds layer i as source k (its input, then
 * its summands). */
static clcnn_tensor source_view(const clcnn_net *net, const clcnn_tensor *input, int i, int k,
                                int n)
{
    int j = clcnn_model_spec_source(&net->spec, i, k);
    return clcnn_tensor_first_images(j < 0 ? input : &net->layers[j].y, n);
}

clcnn_status nn_net_forward_from(clcnn_net *net, const clcnn_tensor *input, int n, int training,
                                uint32_t step, int first)
{
    const clcnn_model_spec *s = &net->spec;
    if (n < 1 || n > net->batch)
        return clcnn_fail(CLCNN_ERR_ARG, "network forward: batch of %d images outside 1..%d", n,
                          net->batch);
    if (input->backend != net->be || input->dtype != CLCNN_REAL || input->shape.n < n ||
        input->shape.c != s->c || input->shape.h != s->h || input->shape.w != s->w)
        return clcnn_fail(CLCNN_ERR_ARG,
                          "network forward: input %dx%dx%dx%d does not hold %d REAL images of "
                          "%dx%dx%d on backend %s", input->shape.n, input->shape.c,
                          input->shape.h, input->shape.w, n, s->c, s->h, s->w, net->be->name);
    if (training && net->inference)
        return clcnn_fail(CLCNN_ERR_ARG, "network forward: a network made for inference "
                          "(clcnn_net_options.inference) does not train");
    nn_step st = make_step(net, n, training, step);
    net->last_n = 0;
    clcnn_tensor x = {0};
    for (int i = nn_forward_start(net, first); i < net->n_layers; i++) {
        nn_layer *l = &net->layers[i];
        if (l->y_slot == NN_Y_FUSED) { /* computed by the layer it is fused into */
            x = clcnn_tensor_first_images(&l->y, n);
            continue;
        }
        clcnn_tensor summands[CLCNN_MAX_SUMMANDS];
        for (int k = 0; k < l->spec.n_summands; k++)
            summands[k] = source_view(net, input, i, k + 1, n);
        st.summands = summands;
        st.n_summands = l->spec.n_summands;
        x = source_view(net, input, i, 0, n);
        clcnn_tensor y = clcnn_tensor_first_images(&l->y, n);
        clcnn_status status = l->ops->forward(l, &st, &x, &y);
        if (status != CLCNN_OK)
            return clcnn_fail_context(status, "forward of layer %d (%s): ", i + 1, l->name);
        x = y;
    }
    net->last_input = input;
    net->last_n = n;
    net->last_training = training;
    net->last_step = step;
    net->output_view = x;
    return CLCNN_OK;
}

clcnn_status clcnn_net_forward(clcnn_net *net, const clcnn_tensor *input, int n, int training,
                               uint32_t step)
{
    return nn_net_forward_from(net, input, n, training, step, 0);
}

const clcnn_tensor *clcnn_net_output(const clcnn_net *net)
{
    return net->last_n ? &net->output_view : NULL;
}

/* Gradient buffer b of the plan (-2: dlogits) viewed with shape s, n images. */
static clcnn_tensor grad_view(const clcnn_net *net, const clcnn_tensor *dlogits, int b,
                              clcnn_shape s, int n)
{
    return shaped_view(b < 0 ? dlogits : &net->grad_pool[b], s, n);
}

clcnn_status clcnn_net_backward(clcnn_net *net, const clcnn_tensor *dlogits)
{
    int n = net->last_n;
    if (!n || !net->last_training)
        return clcnn_fail(CLCNN_ERR_ARG, "network backward: needs a training forward first");
    if (dlogits->backend != net->be || dlogits->dtype != CLCNN_REAL ||
        dlogits->count != net->output_view.count)
        return clcnn_fail(CLCNN_ERR_ARG,
                          "network backward: dlogits has %zu elements, the output %zu", dlogits->count,
                          net->output_view.count);
    nn_step st = make_step(net, n, 1, net->last_step);
    for (int a = 0; a < net->n_grad_actions; a++) {
        const nn_grad_action *act = &net->grad_plan[a];
        nn_layer *l = &net->layers[act->layer];
        clcnn_status status;
        if (act->kind == NN_GRAD_ADD) {
            clcnn_tensor ga = grad_view(net, dlogits, act->a, l->out, n);
            clcnn_tensor gb = grad_view(net, dlogits, act->b, l->out, n);
            clcnn_tensor dst = grad_view(net, dlogits, act->dst, l->out, n);
            status = net->be->ops->add(net->be, &ga, &gb, &dst);
        } else {
            clcnn_tensor x = source_view(net, net->last_input, act->layer, 0, n);
            clcnn_tensor y = clcnn_tensor_first_images(&l->y, n);
            clcnn_tensor dy = grad_view(net, dlogits, act->a, l->out, n);
            clcnn_tensor dx = grad_view(net, dlogits, act->dst, l->in, n);
            status = l->ops->backward(l, &st, &x, &y, &dy, &dx, act->b);
        }
        if (status != CLCNN_OK)
            return clcnn_fail_context(status, "backward of layer %d (%s): ", act->layer + 1,
                                      l->name);
    }
    return CLCNN_OK;
}

const clcnn_model_spec *clcnn_net_spec(const clcnn_net *net) { return &net->spec; }
int clcnn_net_max_batch(const clcnn_net *net) { return net->batch; }
clcnn_backend *clcnn_net_backend(const clcnn_net *net) { return net->be; }
