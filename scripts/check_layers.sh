#!/usr/bin/env bash
# Checks that kiln's folders include only the layers below them:
#
#   base < runtime < dsl < schedule < codegen < ops < autotune < package, report
#
# (cli/, runner/, fuzz/, bench/, examples/ and tests/ sit on top and may
# include anything). A folder may include itself, anything listed before it,
# and tuning_db/ (generated schema strings) from autotune/. Prints every
# include that points up a layer and exits 1 when there is one; with
# --graph, prints the folder-to-folder include counts instead.
#
#   scripts/check_layers.sh [--graph] [ROOT]
set -euo pipefail

graph=0
if [[ "${1:-}" == "--graph" ]]; then graph=1; shift; fi
root="${1:-$(dirname "$0")/..}"
cd "$root"

layers=(base runtime dsl schedule codegen ops autotune package report)
declare -A allowed=(
  [base]="base"
  [runtime]="base runtime"
  [dsl]="base runtime dsl"
  [schedule]="base runtime dsl schedule"
  [codegen]="base runtime dsl schedule codegen"
  [ops]="base runtime dsl schedule codegen ops"
  [autotune]="base runtime dsl schedule codegen ops autotune tuning_db"
  [package]="base runtime dsl schedule codegen ops autotune package"
  [report]="base runtime dsl schedule codegen ops autotune report"
)

# Lines "FILE:TARGET_FOLDER" for every quoted include of a kiln folder.
includes_of() {
  grep -rHoE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"[a-z_]+/' "$1" \
      --include='*.h' --include='*.cpp' --include='*.in' 2>/dev/null |
    sed -E 's/^([^:]+):.*"([a-z_]+)\/$/\1:\2/' || true
}

if (( graph )); then
  for from in "${layers[@]}" cli runner fuzz; do
    [[ -d "$from" ]] || continue
    { includes_of "$from" | cut -d: -f2 | grep -vx "$from" || true; } | sort | uniq -c |
      while read -r n to; do echo "$from -> $to ($n)"; done
  done
  exit 0
fi

bad=0
for from in "${layers[@]}"; do
  [[ -d "$from" ]] || continue
  while IFS=: read -r file to; do
    [[ -z "$file" ]] && continue
    if [[ " ${allowed[$from]} " != *" $to "* ]]; then
      echo "$file includes $to/, above $from/ (allowed: ${allowed[$from]})"
      bad=1
    fi
  done < <(includes_of "$from")
done
if (( bad )); then
  echo "check_layers: includes point up the layers; move the code down or the include up (see scripts/check_layers.sh)" >&2
  exit 1
fi
echo "check_layers: every include of ${layers[*]} points down the layers"
