/* A minimal protocol buffers encoder: the wire format (varints, length-
 * delimited fields, fixed32) on top of the checkpoints' growing byte_writer,
 * enough to write ONNX models. A nested message is built in its own writer and
 * appended whole with pb_message(). Out of memory sets the writer's failed
 * flag; every later call on it does nothing. */
#ifndef CLCNN_EXPORT_PB_WRITER_H
#define CLCNN_EXPORT_PB_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "train/byte_buffer.h"

/* Field with a varint value (int32, int64, enum; negative values take 10 bytes). */
void pb_varint(byte_writer *w, int field, int64_t value);
/* Field with a fixed 32-bit float value. */
void pb_float(byte_writer *w, int field, float value);
/* Length-delimited field: bytes, a string, or an encoded message. */
void pb_bytes(byte_writer *w, int field, const void *data, size_t size);
void pb_string(byte_writer *w, int field, const char *s);
/* The message encoded in sub as field of w (sub's failure carries over). */
void pb_message(byte_writer *w, int field, const byte_writer *sub);

#endif
