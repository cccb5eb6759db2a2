#!/usr/bin/env bash
# The include-layer check (scripts/check_layers.sh): the source tree passes,
# and a tree with an include pointing up a layer fails, naming the file.
set -euo pipefail
script="$1"
source_dir="$2"
scratch="$3"

"$script" "$source_dir"

rm -rf "$scratch" && mkdir -p "$scratch"
# One upward include per rule the check must catch.
check_fails() {
  local from="$1" include="$2"
  rm -rf "${scratch:?}/tree" && mkdir -p "$scratch/tree/$from"
  printf '#include "%s"\n' "$include" > "$scratch/tree/$from/bad.cpp"
  if "$script" "$scratch/tree" > "$scratch/out.txt" 2>&1; then
    echo "FAIL: $from/bad.cpp including $include passed the check"; exit 1
  fi
  grep -q "$from/bad.cpp includes" "$scratch/out.txt" ||
    { echo "FAIL: the message does not name $from/bad.cpp:"; cat "$scratch/out.txt"; exit 1; }
}
check_fails base dsl/ir.h
check_fails runtime dsl/type.h
check_fails runtime codegen/llvm/host_target.h
check_fails runtime schedule/lower.h
check_fails runtime autotune/calibration.h
check_fails dsl schedule/schedule.h
check_fails dsl codegen/llvm/jit.h
check_fails schedule codegen/llvm/host_target.h
check_fails ops autotune/tuner.h
echo "check_layers_test: the tree passes and 9 upward includes are refused"
