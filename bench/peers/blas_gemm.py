#!/usr/bin/env python3
"""GEMM GFLOP/s of the host BLAS (NumPy's: OpenBLAS on Debian with
libopenblas0-pthread) at the GEMM shapes `clcnn tune` prints, to set beside
its tuned and untuned CLBlast figures on a CPU device.

Shapes are row-major C = op(A) op(B), written as `clcnn tune` and `clcnn bench`
print them: NN 64x32768x800 (m x n x k, op = T for a transposed operand).
Default: the `cifar` net's GEMMs at batch 128 as the layers run them, at
their unpadded sizes (on OpenCL clcnn pads C*KH*KW to a multiple of 32 or
64, so its GFLOP/s on a padded shape times C*KH*KW / padded is the useful rate
to set beside these). Each figure is the median
(min .. max) of --iters runs after one untimed run. The thread count is
OpenBLAS's (OPENBLAS_NUM_THREADS; default: every CPU).

Skips with a message and exit status 0 when NumPy is not installed.
"""
import argparse
import statistics
import sys
import time

CIFAR_B128 = ("NN 32x131072x75, NN 32x75x131072, NN 64x32768x800, NN 64x800x32768, "
              "TN 800x32768x64, NN 128x8192x1600, NN 128x1600x8192, TN 1600x8192x128, "
              "NT 128x256x2048, TN 256x2048x128, NN 128x2048x256")


def parse_shape(text):
    try:
        ops, dims = text.split()
        m, n, k = (int(v) for v in dims.split("x"))
        if len(ops) != 2 or set(ops) - {"N", "T"} or min(m, n, k) < 1:
            raise ValueError
        return ops, m, n, k
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}': expected a shape like 'NT 64x800x32768' (m x n x k)")


def loaded_blas():
    """The BLAS library this process has mapped (NumPy loads it at import):
    Debian's libblas.so.3 is an alternative, netlib's reference BLAS unless
    libopenblas0-pthread (or another) is installed."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower()}
    except OSError:
        return None
    return ", ".join(sorted(p for p in paths if p.startswith("/"))) or None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("shapes", nargs="?", default=CIFAR_B128,
                   help="comma-separated shapes (default: the cifar net at batch 128)")
    p.add_argument("--iters", type=int, default=5, help="timed runs per shape (default 5)")
    a = p.parse_args()
    if a.iters < 1:
        p.error("--iters must be >= 1")
    shapes = [parse_shape(s.strip()) for s in a.shapes.split(",")]
    try:
        import numpy as np
    except ImportError:
        print("blas_gemm: NumPy is not installed (apt-get install python3-numpy); skipped")
        return 0
    rng = np.random.default_rng(1)
    blas = loaded_blas()
    print(f"numpy {np.__version__}, BLAS {blas or 'unknown'}, float32, "
          f"median (min .. max) of {a.iters} after 1 warm-up", flush=True)
    if blas and "openblas" not in blas.lower():
        print("blas_gemm: warning: this is not OpenBLAS (netlib's reference BLAS is 10-30x "
              "slower); apt-get install libopenblas0-pthread for the peer the README quotes",
              file=sys.stderr)
    for ops, m, n, k in shapes:
        # Stored as the layer stores them: a transposed operand is the
        # transpose of a packed matrix, which NumPy hands to sgemm as such.
        a_op = rng.random((k, m), np.float32).T if ops[0] == "T" else rng.random((m, k), np.float32)
        b_op = rng.random((n, k), np.float32).T if ops[1] == "T" else rng.random((k, n), np.float32)
        c = np.empty((m, n), np.float32)
        np.matmul(a_op, b_op, out=c)
        times = []
        for _ in range(a.iters):
            t0 = time.perf_counter()
            np.matmul(a_op, b_op, out=c)
            times.append(time.perf_counter() - t0)
        rate = [2.0 * m * n * k / t * 1e-9 for t in times]
        print(f"{ops} {m}x{n}x{k}: {statistics.median(rate):7.1f} "
              f"({min(rate):.1f} .. {max(rate):.1f}) GFLOP/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
