#!/usr/bin/env bash
# Installs what kiln needs to build, test and bench on Debian 12. Idempotent:
# packages already present are skipped and apt-get runs only when one is missing.
#   scripts/setup.sh           what building, benching and tuning need
#   scripts/setup.sh --tests   and what only tests need (headless Chromium)
set -euo pipefail
packages=(cmake ninja-build g++ ccache llvm-16-dev libzstd-dev zlib1g-dev libedit-dev libxml2-dev
  libffi-dev libtinfo-dev libsqlite3-dev nlohmann-json3-dev libcli11-dev libgtest-dev
  libbenchmark-dev libopenblas-dev libdnnl-dev
  python3-dev python3-numpy python3-torch)
if [ "${1:-}" = "--tests" ]; then
  packages+=(chromium)  # the report_browser test opens a report in it, headless
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi
