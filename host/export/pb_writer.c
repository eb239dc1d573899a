/* Protocol buffers wire format (see pb_writer.h). */
#include "export/pb_writer.h"

#include <string.h>

enum { WIRE_VARINT = 0, WIRE_LENGTH = 2, WIRE_FIXED32 = 5 };

static void put_varint(byte_writer *w, uint64_t v)
{
    uint8_t b[10];
    int n = 0;
    do {
        b[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v)
            b[n] |= 0x80;
        n++;
    } while (v);
    bw_bytes(w, b, (size_t)n);
}

static void put_tag(byte_writer *w, int field, int wire)
{
    put_varint(w, ((uint64_t)field << 3) | (uint64_t)wire);
}

void pb_varint(byte_writer *w, int field, int64_t value)
{
    put_tag(w, field, WIRE_VARINT);
    put_varint(w, (uint64_t)value);
}

void pb_float(byte_writer *w, int field, float value)
{
    put_tag(w, field, WIRE_FIXED32);
    bw_f32(w, value);
}

void pb_bytes(byte_writer *w, int field, const void *data, size_t size)
{
    put_tag(w, field, WIRE_LENGTH);
    put_varint(w, size);
    if (size > 0) /* sub may be an empty writer with no buffer */
        bw_bytes(w, data, size);
}

void pb_string(byte_writer *w, int field, const char *s)
{
    pb_bytes(w, field, s, strlen(s));
}

void pb_message(byte_writer *w, int field, const byte_writer *sub)
{
    if (sub->failed)
        w->failed = 1;
    pb_bytes(w, field, sub->data, sub->size);
}
