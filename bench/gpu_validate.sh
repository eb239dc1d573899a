#!/usr/bin/env bash
# Validate clcnn on a machine with an NVIDIA GPU in one run (about 5-10
# minutes), writing everything to one log file. The machine needs a C
# compiler, make and CMake; what Debian packages would otherwise provide (the
# OpenCL ICD loader and headers, CLBlast, Check, zlib's headers, pkg-config)
# comes from the folder bench/gpu_deps.sh fills (gpu-deps/ at the source
# root), used when present. NVIDIA's OpenCL library comes with the driver:
# the script finds libnvidia-opencl.so.1 and registers it for this run only
# (a vendors folder through OCL_ICD_VENDORS). Where there is none, the same
# steps run on the machine's registered OpenCL devices (PoCL): that is how CI
# runs this script (quick; without the CIFAR-10 sample it skips training).
#
# Steps, each with a header, its command, a time limit and its outcome: the
# environment; configure and build (Release); clcnn devices; ctest; clcnn
# check --device all; clcnn tune --quick; clcnn bench --batch 128; the
# PyTorch peer on CUDA when python3 has PyTorch with CUDA; one epoch of the
# cifar net on the CIFAR-10 sample. A failed step is reported and the next
# runs (a failed build stops the run); the exit status is non-zero when any
# step failed, and the last lines of the log list them.
#
# Environment:
#   CLCNN_GPU_WORK     build and scratch folder (default build-gpu at the source root)
#   CLCNN_GPU_LOG      the log file (default: gpu_validate.log in the work folder)
#   CLCNN_GPU_DEPS     the extracted packages (default gpu-deps at the source root)
#   CLCNN_GPU_DATA     CIFAR-10 binary folder (default ../shared/data/cifar10-sample,
#                      else shared/data/cifar10-sample, from the source root)
#   CLCNN_NVIDIA_OPENCL  path of libnvidia-opencl.so.1 (default: searched)
#   CLCNN_GPU_VALIDATE_QUICK=1  short steps for CI: the device suites of ctest
#                      only, the quick check, batch 16 and one timed run in the
#                      benches, 2 training iterations instead of an epoch
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
quick=${CLCNN_GPU_VALIDATE_QUICK:-0}
work=$(realpath -m "${CLCNN_GPU_WORK:-build-gpu}")
log=$(realpath -m "${CLCNN_GPU_LOG:-$work/gpu_validate.log}")
deps=$(realpath -m "${CLCNN_GPU_DEPS:-gpu-deps}")
jobs=$(nproc)
mkdir -p "$work" "$(dirname "$log")"
: >"$log"
exec > >(tee -a "$log") 2>&1
tee_pid=$!
# The log is whole when the script exits: close the pipe, wait for tee.
trap 'exec >&- 2>&-; wait "$tee_pid"' EXIT
echo "clcnn GPU validation, $(date -u '+%Y-%m-%d %H:%M:%S UTC'), log $log"

failed=()
# step NAME LIMIT_S COMMAND...: run it under a time limit, report the outcome.
step() {
  local name=$1 limit=$2 rc=0 start=$SECONDS
  shift 2
  echo
  echo "=== $name (limit $limit s) ==="
  echo "\$ $*"
  timeout --kill-after=10 "$limit" "$@" || rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "--- $name: ok, $((SECONDS - start)) s"
  else
    [ "$rc" -eq 124 ] && echo "--- $name: TIMED OUT after $limit s" ||
      echo "--- $name: FAILED (exit $rc), $((SECONDS - start)) s"
    failed+=("$name")
  fi
  return "$rc"
}

# ---- what the build and the run use ----
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
cmake_extra=()
if [ -d "$deps/usr" ]; then
  lib=$deps/usr/lib/$multiarch
  # The packages name their install prefix /usr: point the pkg-config files
  # and CLBlast's link to the loader at where the folder is now.
  find "$deps" -name '*.pc' -print0 | xargs -0 -r sed -i "s|^prefix=.*|prefix=$deps/usr|"
  find "$deps" -name 'CLBlastConfig*.cmake' -print0 |
    xargs -0 -r sed -i "s|\"[^\"]*/libOpenCL.so\"|\"$lib/libOpenCL.so\"|"
  # A development link that names the system's file (zlib1g-dev's libz.so)
  # dangles on a machine with another version: point it at the one there.
  for link in "$lib"/*.so; do
    if [ -L "$link" ] && [ ! -e "$link" ]; then
      name=$(basename "$link")
      for target in /lib/"$multiarch"/"$name".* /usr/lib/"$multiarch"/"$name".* \
                    /lib64/"$name".* /usr/lib64/"$name".*; do
        if [ -e "$target" ]; then ln -sf "$target" "$link"; break; fi
      done
    fi
  done
  export PKG_CONFIG_PATH=$lib/pkgconfig:$deps/usr/share/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
  export LD_LIBRARY_PATH=$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  export PATH=$PATH:$deps/usr/bin  # the machine's own tools first
  cmake_extra=(-DCMAKE_PREFIX_PATH="$deps/usr")
  echo "packages from $deps"
else
  echo "no $deps: the system's packages (bench/gpu_deps.sh fetches them)"
fi

nvidia=${CLCNN_NVIDIA_OPENCL:-}
if [ -z "$nvidia" ]; then
  for d in /usr/lib/$multiarch /usr/lib64 /usr/lib /usr/local/nvidia/lib64 \
           /usr/local/nvidia/lib /usr/lib/nvidia /usr/local/cuda/compat; do
    if [ -e "$d/libnvidia-opencl.so.1" ]; then nvidia=$d/libnvidia-opencl.so.1; break; fi
  done
fi
if [ -z "$nvidia" ]; then
  nvidia=$( (ldconfig -p 2>/dev/null || true) | awk '/libnvidia-opencl\.so\.1/ {print $NF; exit}')
fi
ctest_exclude=()
if [ -n "$nvidia" ]; then
  mkdir -p "$work/vendors"
  echo "$nvidia" >"$work/vendors/nvidia.icd"
  export OCL_ICD_VENDORS=$work/vendors
  # test_runtime asserts PoCL's own devices (pthread and basic).
  ctest_exclude=(-E '^test_runtime$')
  echo "NVIDIA OpenCL: $nvidia (registered alone through OCL_ICD_VENDORS=$OCL_ICD_VENDORS)"
else
  echo "no libnvidia-opencl.so.1 found: running on the registered OpenCL devices"
fi

data=${CLCNN_GPU_DATA:-}
if [ -z "$data" ]; then
  for d in ../shared/data/cifar10-sample shared/data/cifar10-sample; do
    if [ -e "$d/data_batch_1.bin" ]; then data=$(realpath "$d"); break; fi
  done
fi
export CLCNN_CACHE_DIR=$work/cache  # kernels, check records and tuning of this run

if [ "$quick" = 1 ]; then
  ctest_pick=(-R '^test_(ops|check|device_rank)$')
  check_args=(--quick) bench_args=(--batch 16 --iters 1 --warmup 0)
  peer_args=(--batch 16 --iters 1 --warmup 0) train_args=(--iters 2 --batch 16)
else
  ctest_pick=()
  check_args=() bench_args=(--batch 128)
  peer_args=(--batch 128) train_args=(--epochs 1 --batch 128)
fi
clcnn=$work/clcnn

# ---- the steps ----
environment() {
  uname -a
  (lscpu 2>/dev/null || true) | grep -E '^(Model name|CPU\(s\)):' || true
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || true
  fi
  gcc --version | head -1
  cmake --version | head -1
  git -C "$root" log -1 --format='source: %H %s' 2>/dev/null || echo "source: not a git checkout"
}
echo
echo "=== environment ==="
environment
step "configure" 120 cmake -S "$root" -B "$work" -DCMAKE_BUILD_TYPE=Release "${cmake_extra[@]}" ||
  exit 1
step "build" 420 cmake --build "$work" -j"$jobs" || exit 1
step "clcnn devices" 60 "$clcnn" devices || true
step "ctest" 360 ctest --test-dir "$work" --output-on-failure -j"$jobs" \
  "${ctest_pick[@]}" "${ctest_exclude[@]}" || true
step "clcnn check --device all" 240 "$clcnn" check --device all "${check_args[@]}" || true
step "clcnn tune --quick" 300 "$clcnn" tune --quick || true
step "clcnn bench" 240 "$clcnn" bench "${bench_args[@]}" || true
if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' \
     2>/dev/null; then
  step "PyTorch peer on CUDA" 180 python3 "$root/bench/peers/pytorch_cifar.py" --device cuda \
    "${peer_args[@]}" || true
else
  echo
  echo "=== PyTorch peer on CUDA: skipped (python3 has no PyTorch with a CUDA GPU) ==="
fi
if [ -n "$data" ]; then
  step "train cifar on $data" 300 "$clcnn" train --data "$data" --model cifar \
    "${train_args[@]}" --log "$work/train.jsonl" || true
else
  echo
  echo "=== train cifar: no CIFAR-10 sample found (set CLCNN_GPU_DATA) ==="
  [ "$quick" = 1 ] || failed+=("train cifar (no data)")
fi

echo
if [ ${#failed[@]} -eq 0 ]; then
  echo "GPU validation: every step passed ($SECONDS s); log $log"
else
  echo "GPU validation: FAILED steps: ${failed[*]} ($SECONDS s); log $log"
  exit 1
fi
