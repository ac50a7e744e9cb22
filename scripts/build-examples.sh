#!/bin/sh
# Rebuild every example BPF object (examples/*.bpf.c -> examples/*.bpf.o) with
# clang. The objects are committed, so running the examples never needs
# clang; this script is for changing them. Uses $CLANG, else clang-16, else clang.
set -eu
cd "$(dirname "$0")/.."
CLANG="${CLANG:-}"
if [ -z "$CLANG" ]; then
  for c in clang-16 clang; do
    if command -v "$c" >/dev/null 2>&1; then CLANG="$c"; break; fi
  done
fi
if [ -z "$CLANG" ]; then
  echo "build-examples: clang not found (apt-get install clang-16); the committed objects stay as they are" >&2
  exit 0
fi
# examples/*.bpf.c and the examples in their own folders (examples/*/*.bpf.c,
# which may include headers next to them).
for src in examples/*.bpf.c examples/*/*.bpf.c; do
  [ -e "$src" ] || continue
  obj="${src%.c}.o"
  echo "$CLANG -target bpf -O2 -g -c $src -o $obj"
  "$CLANG" -target bpf -O2 -g -Wall -Werror -I examples/include -I "$(dirname "$src")" -c "$src" -o "$obj"
done
