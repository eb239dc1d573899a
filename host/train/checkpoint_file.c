/* Checkpoint files: the binary format (see clcnn/train.h), atomic writing and
 * validating reading. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "clcnn/cache.h"
#include "train/byte_buffer.h"
#include "train/trainer_internal.h"

#define MAX_MODEL_TEXT (1u << 20)
#define MAX_NAME 1024
#define MAX_CLASSES 100000
#define MAX_FLOATS ((size_t)1 << 34) /* 64 GiB of floats: a corrupt count, not a model */

/* ------------------------------------------------------------------ writing */

static void put_config(byte_writer *w, const clcnn_train_config *c)
{
    const clcnn_optimizer_step *o = &c->optimizer;
    bw_u32(w, (uint32_t)o->kind);
    bw_f32(w, o->lr);
    bw_f32(w, o->momentum);
    bw_u32(w, (uint32_t)o->nesterov);
    bw_f32(w, o->rho);
    bw_f32(w, o->beta1);
    bw_f32(w, o->beta2);
    bw_f32(w, o->eps);
    bw_f32(w, o->l2);
    bw_f32(w, o->weight_decay);
    bw_u32(w, (uint32_t)c->schedule.kind);
    bw_f32(w, c->schedule.gamma);
    bw_i64(w, c->schedule.every);
    bw_u32(w, (uint32_t)c->loss);
    bw_u32(w, (uint32_t)c->batch);
    bw_u32(w, (uint32_t)c->epochs);
    bw_i64(w, c->iterations);
    bw_f32(w, c->dropout);
    bw_u32(w, (uint32_t)c->crop_pad);
    bw_u32(w, (uint32_t)c->flip);
    bw_u32(w, (uint32_t)c->val_count);
    bw_u64(w, c->seed);
    bw_f32(w, c->label_smoothing); /* version 2 on */
    bw_i64(w, c->warmup);
    bw_u32(w, (uint32_t)c->tta);
}

static void put_payload(byte_writer *w, const clcnn_checkpoint *k)
{
    bw_str(w, k->model_text);
    put_config(w, &k->config);
    bw_str(w, k->data_dir);
    bw_u32(w, (uint32_t)k->data_format);
    bw_u32(w, (uint32_t)k->train_count);
    bw_i64(w, k->iteration);
    bw_i64(w, k->total_iterations);
    bw_f64(w, k->epoch_loss_sum);
    bw_f64(w, k->epoch_correct);
    bw_f64(w, k->epoch_seconds);
    bw_i64(w, k->epoch_images);
    bw_u64(w, k->loader.epoch);
    bw_u64(w, k->loader.position);
    for (int i = 0; i < 4; i++)
        bw_u64(w, k->loader.rng.s[i]);
    bw_u32(w, (uint32_t)k->channels);
    bw_f32_array(w, k->mean, (size_t)k->channels);
    bw_f32_array(w, k->std, (size_t)k->channels);
    bw_u32(w, (uint32_t)k->classes);
    for (int i = 0; i < k->classes; i++)
        bw_str(w, k->class_names[i]);
    bw_f32_array(w, k->flat, k->flat_count);
    bw_u32(w, (uint32_t)k->optimizer_states);
    if (k->optimizer_states >= 1)
        bw_f32_array(w, k->optimizer_m, k->optimizer_count);
    if (k->optimizer_states >= 2)
        bw_f32_array(w, k->optimizer_v, k->optimizer_count);
}

static clcnn_status write_atomically(const char *path, const uint8_t *data, size_t size)
{
    clcnn_status st = clcnn_cache_write_atomic(path, data, (unsigned long)size);
    return st == CLCNN_OK ? st : clcnn_fail_context(st, "saving the checkpoint: ");
}

/* name is base + CLCNN_ATOMIC_TEMP_SUFFIX + CLCNN_ATOMIC_TEMP_LETTERS letters or digits. */
static int is_temp_of(const char *name, const char *base)
{
    size_t n = strlen(base), k = strlen(CLCNN_ATOMIC_TEMP_SUFFIX);
    if (strncmp(name, base, n) != 0 || strncmp(name + n, CLCNN_ATOMIC_TEMP_SUFFIX, k) != 0 ||
        strlen(name + n + k) != CLCNN_ATOMIC_TEMP_LETTERS)
        return 0;
    for (const char *c = name + n + k; *c; c++)
        if (!isalnum((unsigned char)*c))
            return 0;
    return 1;
}

clcnn_status clcnn_checkpoint_remove_temps(const char *path, int *removed)
{
    char dir[4096];
    if (removed)
        *removed = 0;
    if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
        return clcnn_fail(CLCNN_ERR_IO, "checkpoint %.200s...: the path is too long", path);
    char *slash = strrchr(dir, '/');
    const char *base = slash ? path + (slash - dir) + 1 : path;
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    DIR *d = opendir(dir);
    if (!d)
        return clcnn_fail(CLCNN_ERR_IO, "checkpoint %s: reading its folder: %s", path,
                          strerror(errno));
    clcnn_status st = CLCNN_OK;
    for (struct dirent *e; st == CLCNN_OK && (e = readdir(d));) {
        char temp[8192];
        struct stat info;
        if (!is_temp_of(e->d_name, base))
            continue;
        snprintf(temp, sizeof temp, "%s/%s", dir, e->d_name);
        if (lstat(temp, &info) != 0 || !S_ISREG(info.st_mode))
            continue; /* only files this writer could have left */
        if (unlink(temp) != 0)
            st = clcnn_fail(CLCNN_ERR_IO, "removing %s, left by an interrupted checkpoint "
                            "write: %s", temp, strerror(errno));
        else if (removed)
            (*removed)++;
    }
    closedir(d);
    return st;
}

clcnn_status clcnn_checkpoint_write(const clcnn_checkpoint *ckpt, const char *path)
{
    byte_writer payload = {0}, file = {0};
    put_payload(&payload, ckpt);
    uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
    if (!payload.failed) {
        crc = (uint32_t)crc32_z(crc, payload.data, payload.size);
        bw_bytes(&file, CLCNN_CHECKPOINT_MAGIC, 8);
        bw_u32(&file, CLCNN_CHECKPOINT_VERSION);
        bw_u32(&file, crc);
        bw_u64(&file, payload.size);
        bw_bytes(&file, payload.data, payload.size);
    }
    clcnn_status st;
    if (payload.failed || file.failed)
        st = clcnn_fail(CLCNN_ERR_NOMEM, "writing checkpoint %s: out of memory", path);
    else
        st = write_atomically(path, file.data, file.size);
    bw_free(&payload);
    bw_free(&file);
    return st;
}

/* ------------------------------------------------------------------ reading */

/* Read fields in order until the first failure (st carries it). */
#define READ(fn, ...)                                                                              \
    do {                                                                                           \
        if (st == CLCNN_OK)                                                                        \
            st = fn(r, __VA_ARGS__);                                                               \
    } while (0)

static clcnn_status get_int(byte_reader *r, const char *what, int *v)
{
    uint32_t x;
    clcnn_status st = br_u32(r, what, &x);
    *v = (int)x;
    return st;
}

static clcnn_status get_long(byte_reader *r, const char *what, long *v)
{
    int64_t x;
    clcnn_status st = br_i64(r, what, &x);
    *v = (long)x;
    return st;
}

static clcnn_status get_config(byte_reader *r, uint32_t version, clcnn_train_config *c)
{
    clcnn_status st = CLCNN_OK;
    clcnn_optimizer_step *o = &c->optimizer;
    int kind = 0, schedule = 0, loss = 0, tta = 0;
    READ(get_int, "optimizer kind", &kind);
    READ(br_f32, "learning rate", &o->lr);
    READ(br_f32, "momentum", &o->momentum);
    READ(get_int, "nesterov flag", &o->nesterov);
    READ(br_f32, "rmsprop rho", &o->rho);
    READ(br_f32, "adam beta1", &o->beta1);
    READ(br_f32, "adam beta2", &o->beta2);
    READ(br_f32, "optimizer eps", &o->eps);
    READ(br_f32, "l2", &o->l2);
    READ(br_f32, "weight decay", &o->weight_decay);
    READ(get_int, "lr schedule kind", &schedule);
    READ(br_f32, "lr schedule gamma", &c->schedule.gamma);
    READ(get_long, "lr schedule interval", &c->schedule.every);
    READ(get_int, "loss kind", &loss);
    READ(get_int, "batch size", &c->batch);
    READ(get_int, "epochs", &c->epochs);
    READ(get_long, "iterations", &c->iterations);
    READ(br_f32, "dropout", &c->dropout);
    READ(get_int, "crop padding", &c->crop_pad);
    READ(get_int, "flip flag", &c->flip);
    READ(get_int, "validation count", &c->val_count);
    READ(br_u64, "seed", &c->seed);
    if (version >= 2) { /* version 1 had neither: 0 */
        READ(br_f32, "label smoothing", &c->label_smoothing);
        READ(get_long, "warmup iterations", &c->warmup);
        READ(get_int, "tta", &tta);
    }
    c->tta = (clcnn_tta)tta;
    o->kind = (clcnn_optimizer_kind)kind;
    c->schedule.kind = (clcnn_lr_schedule_kind)schedule;
    c->loss = (clcnn_loss_kind)loss;
    if (st == CLCNN_OK && (schedule < CLCNN_LR_CONSTANT || schedule > CLCNN_LR_COSINE))
        return br_fail(r, "unknown lr schedule kind %d in the training config", schedule);
    if (st == CLCNN_OK && (st = clcnn_train_config_validate(c)) != CLCNN_OK)
        return clcnn_fail_context(st, "%s: payload: ", r->path);
    return st;
}

static clcnn_status get_class_names(byte_reader *r, clcnn_checkpoint *k)
{
    clcnn_status st = CLCNN_OK;
    READ(get_int, "class count", &k->classes);
    if (st == CLCNN_OK && (k->classes < 1 || k->classes > MAX_CLASSES))
        return br_fail(r, "class count %d outside 1 .. %d", k->classes, MAX_CLASSES);
    if (st == CLCNN_OK && !(k->class_names = calloc((size_t)k->classes, sizeof(char *))))
        return clcnn_fail(CLCNN_ERR_NOMEM, "%s: out of memory", r->path);
    for (int i = 0; st == CLCNN_OK && i < k->classes; i++)
        st = br_str(r, "class name", MAX_NAME, &k->class_names[i]);
    return st;
}

static clcnn_status get_payload(byte_reader *r, uint32_t version, clcnn_checkpoint *k)
{
    clcnn_status st = CLCNN_OK;
    char *data_dir = NULL;
    READ(br_str, "model text", MAX_MODEL_TEXT, &k->model_text);
    if (st == CLCNN_OK &&
        (st = clcnn_model_spec_parse(k->model_text, "model text", &k->spec)) != CLCNN_OK)
        return clcnn_fail_context(st, "%s: the model it holds is invalid: ", r->path);
    snprintf(k->spec.source, sizeof k->spec.source, "%s", r->path);
    if (st == CLCNN_OK)
        st = get_config(r, version, &k->config);
    READ(br_str, "data folder", sizeof k->data_dir - 1, &data_dir);
    if (data_dir)
        snprintf(k->data_dir, sizeof k->data_dir, "%s", data_dir);
    free(data_dir);
    READ(get_int, "data format", &k->data_format);
    READ(get_int, "training image count", &k->train_count);
    READ(get_long, "iteration", &k->iteration);
    READ(get_long, "total iterations", &k->total_iterations);
    READ(br_f64, "epoch loss sum", &k->epoch_loss_sum);
    READ(br_f64, "epoch correct count", &k->epoch_correct);
    READ(br_f64, "epoch seconds", &k->epoch_seconds);
    READ(get_long, "epoch image count", &k->epoch_images);
    READ(br_u64, "loader epoch", &k->loader.epoch);
    READ(br_u64, "loader position", &k->loader.position);
    for (int i = 0; i < 4; i++)
        READ(br_u64, "loader random state", &k->loader.rng.s[i]);
    READ(get_int, "channel count", &k->channels);
    if (st == CLCNN_OK && k->channels != k->spec.c)
        return br_fail(r, "%d normalization channels for a model with %d input channels",
                       k->channels, k->spec.c);
    READ(br_f32_array, "normalization mean", (size_t)k->channels, &k->mean);
    READ(br_f32_array, "normalization std", (size_t)k->channels, &k->std);
    if (st == CLCNN_OK)
        st = get_class_names(r, k);
    if (st == CLCNN_OK && k->classes != trainer_spec_outputs(&k->spec))
        return br_fail(r, "%d class names for a model with %d outputs", k->classes,
                       trainer_spec_outputs(&k->spec));
    READ(br_f32_array_any, "parameters", MAX_FLOATS, &k->flat, &k->flat_count);
    READ(get_int, "optimizer state count", &k->optimizer_states);
    if (st == CLCNN_OK && (k->optimizer_states < 0 || k->optimizer_states > 2))
        return br_fail(r, "optimizer state count %d outside 0 .. 2", k->optimizer_states);
    if (st == CLCNN_OK) /* on an invalid spec it would overwrite the message */
        k->optimizer_count = clcnn_model_spec_param_count(&k->spec);
    if (k->optimizer_states >= 1)
        READ(br_f32_array, "optimizer state m", k->optimizer_count, &k->optimizer_m);
    if (k->optimizer_states >= 2)
        READ(br_f32_array, "optimizer state v", k->optimizer_count, &k->optimizer_v);
    if (st == CLCNN_OK && r->offset != r->size)
        return br_fail(r, "%zu bytes after the last field", r->size - r->offset);
    return st;
}

static clcnn_status read_whole_file(const char *path, uint8_t **data, size_t *size)
{
    *data = NULL;
    *size = 0;
    /* Only regular files: opening a fifo would block, a folder reads as an error. */
    struct stat info;
    if (stat(path, &info) == 0 && !S_ISREG(info.st_mode))
        return clcnn_fail(CLCNN_ERR_IO, "reading checkpoint %s: %s", path,
                          S_ISDIR(info.st_mode) ? "is a directory" : "not a regular file");
    FILE *f = fopen(path, "rb");
    if (!f)
        return clcnn_fail(CLCNN_ERR_IO, "reading checkpoint %s: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        uint8_t *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int failed = ferror(f);
    fclose(f);
    if (!buf)
        return clcnn_fail(CLCNN_ERR_NOMEM, "reading checkpoint %s: out of memory", path);
    if (failed) {
        free(buf);
        return clcnn_fail(CLCNN_ERR_IO, "reading checkpoint %s: read error", path);
    }
    *data = buf;
    *size = n;
    return CLCNN_OK;
}

/* Magic, version, length and checksum of the header at data[0 .. 24). */
static clcnn_status check_header(const char *path, const uint8_t *data, size_t size,
                                 uint32_t *version, uint64_t *payload_size)
{
    const size_t H = CLCNN_CHECKPOINT_HEADER_BYTES;
    if (size < 8 || memcmp(data, CLCNN_CHECKPOINT_MAGIC, 8) != 0)
        return clcnn_fail(CLCNN_ERR_FORMAT, "%s: at offset 0: wrong magic: expected \"%s\" (not "
                          "a clcnn checkpoint, or a corrupt one)", path, CLCNN_CHECKPOINT_MAGIC);
    byte_reader r = {path, data, size < H ? size : H, 8, 0};
    uint32_t crc;
    clcnn_status st = br_u32(&r, "the format version", version);
    if (st == CLCNN_OK && (*version < 1 || *version > CLCNN_CHECKPOINT_VERSION))
        return clcnn_fail(CLCNN_ERR_FORMAT, "%s: at offset 8: unsupported checkpoint version %u: "
                          "this build reads versions 1 to %u", path, *version,
                          CLCNN_CHECKPOINT_VERSION);
    if (st == CLCNN_OK)
        st = br_u32(&r, "the payload checksum", &crc);
    if (st == CLCNN_OK)
        st = br_u64(&r, "the payload size", payload_size);
    if (st != CLCNN_OK)
        return st;
    if (*payload_size > size - H)
        return clcnn_fail(CLCNN_ERR_FORMAT, "%s: truncated at offset %zu: the header promises %llu "
                          "payload bytes, the file holds %zu", path, size,
                          (unsigned long long)*payload_size, size - H);
    if (*payload_size < size - H)
        return clcnn_fail(CLCNN_ERR_FORMAT, "%s: at offset %llu: %llu unexpected bytes after the "
                          "payload", path, (unsigned long long)(H + *payload_size),
                          (unsigned long long)(size - H - *payload_size));
    uint32_t computed = (uint32_t)crc32_z(crc32(0L, Z_NULL, 0), data + H, (size_t)*payload_size);
    if (computed != crc)
        return clcnn_fail(CLCNN_ERR_FORMAT, "%s: at offset 12: checksum mismatch: the header holds "
                          "CRC-32 0x%08x, the payload's is 0x%08x (the file is corrupt)", path, crc,
                          computed);
    return CLCNN_OK;
}

clcnn_status clcnn_checkpoint_read(const char *path, clcnn_checkpoint *out)
{
    memset(out, 0, sizeof *out);
    uint8_t *data;
    size_t size;
    uint64_t payload_size = 0;
    uint32_t version = 0;
    clcnn_status st = read_whole_file(path, &data, &size);
    if (st != CLCNN_OK)
        return st;
    st = check_header(path, data, size, &version, &payload_size);
    if (st == CLCNN_OK) {
        byte_reader r = {path, data + CLCNN_CHECKPOINT_HEADER_BYTES, (size_t)payload_size, 0,
                         CLCNN_CHECKPOINT_HEADER_BYTES};
        st = get_payload(&r, version, out);
    }
    free(data);
    if (st != CLCNN_OK)
        clcnn_checkpoint_free(out);
    return st;
}

void clcnn_checkpoint_free(clcnn_checkpoint *k)
{
    free(k->model_text);
    free(k->mean);
    free(k->std);
    if (k->class_names)
        for (int i = 0; i < k->classes; i++)
            free(k->class_names[i]);
    free(k->class_names);
    free(k->flat);
    free(k->optimizer_m);
    free(k->optimizer_v);
    memset(k, 0, sizeof *k);
}
