#!/usr/bin/env bash
# Fetch what bench/gpu_validate.sh needs on a machine that cannot install
# packages: the Debian packages of the OpenCL ICD loader and headers, CLBlast,
# Check (with its subunit dependency), zlib's headers and pkg-config, downloaded with
# `apt-get download` (no root needed) and extracted with `dpkg-deb -x` into
# one folder that travels with the source tree. Run it on a Debian 12 machine
# of the same architecture as the GPU machine, then copy the source tree
# (with the folder) there.
# Usage: bench/gpu_deps.sh [FOLDER]   (default: gpu-deps at the source root)
set -euo pipefail
cd "$(dirname "$0")/.."
dest=$(realpath -m "${1:-gpu-deps}")
packages=(ocl-icd-libopencl1 ocl-icd-opencl-dev opencl-headers opencl-c-headers
          opencl-clhpp-headers libclblast1 libclblast-dev check libsubunit-dev libsubunit0
          zlib1g-dev pkgconf pkgconf-bin libpkgconf3)
debs=$(mktemp -d)
trap 'rm -rf "$debs"' EXIT
echo "downloading ${packages[*]}"
(cd "$debs" && apt-get download "${packages[@]}")
mkdir -p "$dest"
for deb in "$debs"/*.deb; do
  dpkg-deb -x "$deb" "$dest"
  echo "extracted $(basename "$deb")"
done
# The packages name their install prefix /usr; gpu_validate.sh points their
# pkg-config and CMake files at wherever the folder is when it runs.
echo "done: $dest (bench/gpu_validate.sh finds it there, or set CLCNN_GPU_DEPS=$dest)"
