/* clcnn — export: a trained network as an ONNX model.
 *
 * clcnn_export_onnx() writes the network of a checkpoint as an ONNX model
 * (IR version 7, opset 13) that other runtimes (OpenCV's DNN module, ONNX
 * Runtime, ...) run without clcnn:
 *   input  "input"          N x C x H x W float, raw pixel values 0..255 (the
 *                           channels as clcnn reads them: RGB or gray);
 *                           the checkpoint's input normalization is part of
 *                           the graph
 *   output "logits"         N x K, the network's class scores in evaluation
 *                           mode (batchnorm running statistics, no dropout)
 *   output "probabilities"  N x K, softmax of the logits (sigmoid for a
 *                           network trained with the BCE loss)
 * and the metadata "class_names" (one a line), "loss", "clcnn_model" (the
 * model text). Every layer kind maps to ONNX operators; normalizations opset 13
 * has no operator for (per-activation batchnorm, group and layer norm) become
 * elementwise and reduction operators; dropout disappears.
 */
#ifndef CLCNN_EXPORT_H
#define CLCNN_EXPORT_H

#include "clcnn/status.h"
#include "clcnn/train.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Write ckpt's network to path atomically (temporary file, fsync, rename).
 * A layer that cannot be exported fails with CLCNN_ERR_ARG naming it (its
 * position, kind and model line) and nothing is written; CLCNN_ERR_IO when
 * path cannot be written. */
clcnn_status clcnn_export_onnx(const clcnn_checkpoint *ckpt, const char *path);

#ifdef __cplusplus
}
#endif
#endif
