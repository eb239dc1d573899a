/* libFuzzer target: the checkpoint reader.
 * Input: a checkpoint file. When it starts with the magic, the harness
 * rewrites the header's CRC-32 and payload size to match the payload, so
 * that mutations reach the payload parser instead of stopping at the
 * checksum (inputs without the magic exercise the header checks). A
 * checkpoint that reads must give a network on the CPU reference. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "clcnn/train.h"
#include "fuzz_common.h"

/* Skip building a network larger than this (parameters or input values):
 * a valid but huge model is not a finding, just slow. */
#define MAX_VALUES (1u << 20)

static void fix_header(uint8_t *file, size_t size)
{
    const size_t H = CLCNN_CHECKPOINT_HEADER_BYTES;
    uint64_t payload = size - H;
    uint32_t crc = (uint32_t)crc32_z(crc32(0L, Z_NULL, 0), file + H, (size_t)payload);
    for (int i = 0; i < 4; i++)
        file[12 + i] = (uint8_t)(crc >> (8 * i));
    for (int i = 0; i < 8; i++)
        file[16 + i] = (uint8_t)(payload >> (8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *file = malloc(size ? size : 1);
    if (!file)
        return 0;
    memcpy(file, data, size);
    if (size >= CLCNN_CHECKPOINT_HEADER_BYTES && memcmp(file, CLCNN_CHECKPOINT_MAGIC, 8) == 0)
        fix_header(file, size);
    fuzz_write("fuzz.ckpt", file, size);
    free(file);
    clcnn_checkpoint k;
    if (clcnn_checkpoint_read(fuzz_path("fuzz.ckpt"), &k) != CLCNN_OK)
        return 0;
    const clcnn_model_spec *s = &k.spec;
    if (k.flat_count <= MAX_VALUES && (size_t)s->c * s->h * s->w <= MAX_VALUES) {
        clcnn_backend *be = NULL;
        clcnn_net *net = NULL;
        if (clcnn_backend_ref_create(&be) == CLCNN_OK &&
            clcnn_checkpoint_create_net(&k, be, 1, &net) == CLCNN_OK)
            clcnn_net_destroy(net);
        clcnn_backend_destroy(be);
    }
    clcnn_checkpoint_free(&k);
    return 0;
}
