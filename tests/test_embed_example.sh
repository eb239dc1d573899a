#!/usr/bin/env bash
# The README's embedding example, as a user would build it: install the library
# into a temporary prefix, take the program from the README (between the
# <!-- embed-example --> markers, so the two cannot drift apart), compile it
# with `pkg-config --cflags --libs clcnn` alone and run it on a small image
# folder (PNG files in class folders) written here, on the CPU reference.
#   usage: test_embed_example.sh SOURCE_DIR BUILD_DIR C_COMPILER WRITE_IMAGE_FOLDER
set -euo pipefail
src=$1 build=$2 cc=$3 write_image_folder=$4
mkdir -p "$build/test-tmp" # this test may be the first to run
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

# Three classes, each its own colour and stripe orientation plus noise
# (tests/write_image_folder.c): two epochs of 6 steps of 32 take the net far
# above chance (33%); a program that did not train stays near it.
"$write_image_folder" "$work/data" 192 60 3 7

export LD_LIBRARY_PATH=$(pkg-config --variable=libdir clcnn)
out=$("$work/train_folder" "$work/data" cpu)
echo "$out"
# every test image evaluated, and an accuracy that shows it learned
acc=$(sed -n 's/^test accuracy: \([0-9.]*\)% of 60 images$/\1/p' <<<"$out")
[ -n "$acc" ] || { echo "expected 'test accuracy: A% of 60 images'"; exit 1; }
awk -v a="$acc" 'BEGIN { exit !(a >= 80 && a <= 100) }' ||
  { echo "test accuracy $acc%, expected at least 80% (chance: 33%)"; exit 1; }
# ldd's whole output first: `ldd | grep -q` under pipefail fails whenever grep
# exits before ldd has written everything (SIGPIPE)
libs=$(ldd "$work/train_folder")
grep -q "$LD_LIBRARY_PATH/libclcnn.so" <<<"$libs" ||
  { echo "the program did not link the installed shared library:"; echo "$libs"; exit 1; }
