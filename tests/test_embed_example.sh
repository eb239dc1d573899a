#!/usr/bin/env bash
# The README's embedding example, as a user would build it: install the library
# into a temporary prefix, take the program from the README (between the
# <!-- embed-example --> markers, so the two cannot drift apart), compile it
# with `pkg-config --cflags --libs clcnn` alone and run it on a small CIFAR-10
# folder written here, on the CPU reference.
#   usage: test_embed_example.sh SOURCE_DIR BUILD_DIR C_COMPILER
set -euo pipefail
src=$1 build=$2 cc=$3
work=$(mktemp -d "$build/test-tmp/embed.XXXXXX")
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
pc=$(find "$work/prefix" -name clcnn.pc)
[ -n "$pc" ] || { echo "no clcnn.pc installed under $work/prefix"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc")

sed -n '/^<!-- embed-example -->$/,/^<!-- \/embed-example -->$/p' "$src/README.md" |
  sed '1,2d;$d' | sed '$d' >"$work/train_folder.c"
grep -q 'int main' "$work/train_folder.c" || { echo "README: no program between the markers"; exit 1; }

# shellcheck disable=SC2046 # pkg-config's flags are meant to be split
"$cc" -std=c11 -Wall -Wextra -Werror "$work/train_folder.c" $(pkg-config --cflags --libs clcnn) \
  -o "$work/train_folder"

# CIFAR-10 binary files: 1 label byte, then 3x32x32 pixels (every pixel of a
# class-k image 20k + (image mod 7)). Two epochs of 10 steps show that the
# program runs end to end, not how well it learns (clcnn train's tests do).
cifar() { # FILE COUNT
  local i k
  for ((i = 0; i < $2; i++)); do
    k=$((i % 10))
    printf "\\$(printf %03o "$k")"
    head -c 3072 /dev/zero | tr '\0' "\\$(printf %03o $((20 * k + i % 7)))"
  done >"$1"
}
mkdir "$work/data"
cifar "$work/data/data_batch_1.bin" 320
cifar "$work/data/test_batch.bin" 50

export LD_LIBRARY_PATH=$(pkg-config --variable=libdir clcnn)
out=$("$work/train_folder" "$work/data" cpu)
echo "$out"
# every test image evaluated, and an accuracy that is a percentage
acc=$(sed -n 's/^test accuracy: \([0-9.]*\)% of 50 images$/\1/p' <<<"$out")
[ -n "$acc" ] || { echo "expected 'test accuracy: A% of 50 images'"; exit 1; }
awk -v a="$acc" 'BEGIN { exit !(a >= 0 && a <= 100) }' || { echo "accuracy $acc%?"; exit 1; }
ldd "$work/train_folder" | grep -q "$LD_LIBRARY_PATH/libclcnn.so" ||
  { echo "the program did not link the installed shared library"; exit 1; }
