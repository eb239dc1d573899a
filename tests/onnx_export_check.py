#!/usr/bin/python3
"""clcnn export, checked by runtimes clcnn did not write (CTest: onnx_export).

Trains small networks briefly with `clcnn train --cpu`, exports each with
`clcnn export`, and runs every ONNX file through OpenCV's DNN module
(cv2.dnn.readNetFromONNX) on 64 test images. The logits must match those of
`clcnn predict --cpu --logits` on the same images (written as PPM/PGM files):
normalized error sqrt(sum (a-b)^2 / sum b^2) <= TOLERANCE and the same top-1
class for every image. The "probabilities" output must be the softmax (sigmoid
for BCE) of the logits, and onnx.checker must accept every file.

TOLERANCE: both sides compute in float, in different summation orders, through
up to ~20 layers; each layer adds a few float roundings of relative size ~1e-7
per dot product (eps * sqrt(k)), so the accumulated error stays near 1e-6.
1e-4 is the whole-training-step tolerance of `clcnn check` (README), and a
wrong mapping (a transposed weight, a missed epsilon, padding counted the
other way) is off by 1e-3 or more.

Usage: onnx_export_check.py CLCNN_EXE SOURCE_DIR WORK_DIR. Exit 77 (skipped)
when numpy, cv2 or onnx cannot be imported (Debian: python3-opencv,
python3-onnx).
"""
import gzip
import json
import os
import shutil
import subprocess
import sys

TOLERANCE = 1e-4
IMAGES = 64
SKIP = 77

try:
    import numpy as np
    import cv2
    import onnx
except ImportError as e:
    print(f"SKIP: {e.name} is missing (Debian: python3-numpy python3-opencv python3-onnx)")
    sys.exit(SKIP)

CLCNN, SOURCE, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
SAMPLE = os.path.join(SOURCE, "..", "shared", "data", "cifar10-sample")
FASHION = "/usr/share/datasets/fashion-mnist"

# Every mapping of the exporter: group norm (conv and fc), layer norm (conv and
# fc), per-activation batchnorm (conv and fc), per-feature batchnorm, strided
# conv without bias, avgpool and maxpool with padding, the three activations,
# dropout, fc without bias; trained with BCE so the probabilities are sigmoids.
NORMS_MODEL = """input 3 32 32
conv 8 3 pad=1 stride=2 bias=0
groupnorm 2
leakyrelu alpha=0.1
avgpool 3 stride=2 pad=1
conv 8 3x2 pad=1x0
layernorm
sigmoid
maxpool 3 stride=2 pad=1
conv 16 3
batchnorm per=activation
relu
fc 32 bias=0
layernorm
relu
fc 24
groupnorm 4
leakyrelu
fc 16
batchnorm per=activation
relu
dropout 0.3
fc 10
batchnorm
"""


def run(*args):
    r = subprocess.run([CLCNN, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"FAIL: clcnn {' '.join(args)} exited {r.returncode}:\n{r.stderr}")
    return r.stdout


def cifar_records(n_train, n_test):
    """(train bytes, test bytes) in CIFAR-10 binary form: the shared sample's
    first records when it is there, else learnable synthetic images."""
    rec = 1 + 3072
    if os.path.isdir(SAMPLE):
        with open(os.path.join(SAMPLE, "data_batch_1.bin"), "rb") as f:
            train = f.read(n_train * rec)
        with open(os.path.join(SAMPLE, "test_batch.bin"), "rb") as f:
            test = f.read(n_test * rec)
        return train, test, "cifar10-sample"
    rng = np.random.default_rng(1)

    def synth(n):
        labels = rng.integers(0, 10, n)
        colour = np.array([[(k * 37) % 256, (k * 91) % 256, (k * 53) % 256] for k in range(10)])
        img = colour[labels][:, :, None, None] + rng.normal(0, 40, (n, 3, 32, 32))
        img = np.clip(img, 0, 255).astype(np.uint8).reshape(n, -1)
        return np.concatenate([labels[:, None].astype(np.uint8), img], 1).tobytes()
    return synth(n_train), synth(n_test), "synthetic"


def write_cifar(folder, n_train, n_test):
    os.makedirs(folder, exist_ok=True)
    train, test, source = cifar_records(n_train, n_test)
    with open(os.path.join(folder, "data_batch_1.bin"), "wb") as f:
        f.write(train)
    with open(os.path.join(folder, "test_batch.bin"), "wb") as f:
        f.write(test)
    rec = np.frombuffer(test, np.uint8).reshape(-1, 3073)
    return rec[:IMAGES, 1:].reshape(-1, 3, 32, 32), source


def idx_images(name, n):
    """n images and labels of Fashion-MNIST (28 x 28) or synthetic ones."""
    path = os.path.join(FASHION, name)
    if os.path.exists(path + "-images-idx3-ubyte.gz"):
        with gzip.open(path + "-images-idx3-ubyte.gz") as f:
            images = np.frombuffer(f.read(16 + n * 784)[16:], np.uint8).reshape(n, 28, 28)
        with gzip.open(path + "-labels-idx1-ubyte.gz") as f:
            labels = np.frombuffer(f.read(8 + n)[8:], np.uint8)
        return images, labels, "fashion-mnist"
    rng = np.random.default_rng(2 if name == "train" else 3)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    images = np.clip(labels[:, None, None] * 25 + rng.normal(0, 30, (n, 28, 28)), 0, 255)
    return images.astype(np.uint8), labels, "synthetic"


def write_idx(folder, n_train, n_test):
    os.makedirs(folder, exist_ok=True)
    for split, n in (("train", n_train), ("t10k", n_test)):
        images, labels, source = idx_images(split, n)
        with open(os.path.join(folder, f"{split}-images-idx3-ubyte"), "wb") as f:
            f.write(np.array([0x803, n, 28, 28], ">u4").tobytes() + images.tobytes())
        with open(os.path.join(folder, f"{split}-labels-idx1-ubyte"), "wb") as f:
            f.write(np.array([0x801, n], ">u4").tobytes() + labels.tobytes())
    # clcnn zero-pads the 28 x 28 images to lenet's 32 x 32 input
    return np.pad(images[:IMAGES, None], ((0, 0), (0, 0), (2, 2), (2, 2))), source


def write_pnm(folder, images):
    """images (n x C x 32 x 32, uint8) as P6 / P5 files; their paths."""
    os.makedirs(folder, exist_ok=True)
    paths = []
    for i, img in enumerate(images):
        c, h, w = img.shape
        path = os.path.join(folder, f"{i:02d}.{'ppm' if c == 3 else 'pgm'}")
        with open(path, "wb") as f:
            f.write(f"{'P6' if c == 3 else 'P5'}\n{w} {h}\n255\n".encode())
            f.write(np.ascontiguousarray(img.transpose(1, 2, 0)).tobytes())
        paths.append(path)
    return paths


def check_net(name, model, data, images, paths, extra):
    ckpt = os.path.join(WORK, name + ".ckpt")
    onnx_path = os.path.join(WORK, name + ".onnx")
    logits_path = os.path.join(WORK, name + ".logits.jsonl")
    run("train", "--cpu", "--quiet", "--data", data, "--model", model, "--iters", "6",
        "--batch", "16", "--val", "0", "--save", ckpt, *extra)
    run("export", "--model", ckpt, "-o", onnx_path)
    onnx.checker.check_model(onnx.load(onnx_path))
    run("predict", "--cpu", "--model", ckpt, "--logits", logits_path, *paths)
    with open(logits_path) as f:
        records = [json.loads(line) for line in f]
    assert [r["file"] for r in records] == paths, f"{name}: predict's logits are not in file order"
    want = np.array([r["logits"] for r in records], np.float64)

    net = cv2.dnn.readNetFromONNX(onnx_path)
    net.setInput(images.astype(np.float32))
    logits, probabilities = net.forward(["logits", "probabilities"])
    got = logits.astype(np.float64)
    err = np.sqrt(((got - want) ** 2).sum() / (want ** 2).sum())
    max_diff = np.abs(got - want).max()
    if "--loss" in extra and extra[extra.index("--loss") + 1] == "bce":
        expect_p = 1 / (1 + np.exp(-want))
    else:
        e = np.exp(want - want.max(1, keepdims=True))
        expect_p = e / e.sum(1, keepdims=True)
    p_diff = np.abs(probabilities - expect_p).max()
    top_clcnn, top_cv = want.argmax(1), got.argmax(1)
    mismatched = int((top_clcnn != top_cv).sum())
    print(f"{name}: {len(paths)} images, logits normalized error {err:.3g}, largest difference "
          f"{max_diff:.3g} (largest |logit| {np.abs(want).max():.3g}), probabilities off by "
          f"{p_diff:.3g}, top-1 differs on {mismatched}")
    ok = err <= TOLERANCE and mismatched == 0 and p_diff <= TOLERANCE
    if not ok:
        print(f"FAIL: {name}: OpenCV's result differs from clcnn's (tolerance {TOLERANCE})")
    return ok


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    cifar_dir = os.path.join(WORK, "cifar")
    cifar_images, cifar_source = write_cifar(cifar_dir, 256, IMAGES)
    gray_dir = os.path.join(WORK, "gray")
    gray_images, gray_source = write_idx(gray_dir, 256, IMAGES)
    print(f"data: {cifar_source} (colour), {gray_source} (gray); cv2 {cv2.__version__}, "
          f"onnx {onnx.__version__}")
    cifar_paths = write_pnm(os.path.join(WORK, "cifar-images"), cifar_images)
    gray_paths = write_pnm(os.path.join(WORK, "gray-images"), gray_images)
    norms = os.path.join(WORK, "norms.txt")
    with open(norms, "w") as f:
        f.write(NORMS_MODEL)
    nets = [
        ("small", "small", cifar_dir, cifar_images, cifar_paths, []),
        ("cifar", "cifar", cifar_dir, cifar_images, cifar_paths, []),
        ("seed-cifar", "seed-cifar", cifar_dir, cifar_images, cifar_paths, []),
        ("lenet", "lenet", gray_dir, gray_images, gray_paths, []),
        ("seed-lenet", "seed-lenet", gray_dir, gray_images, gray_paths, []),
        ("norms", norms, cifar_dir, cifar_images, cifar_paths, ["--loss", "bce"]),
        ("resnet8", "resnet8", cifar_dir, cifar_images, cifar_paths, []),
    ]
    results = [check_net(*net) for net in nets]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
