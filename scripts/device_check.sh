#!/usr/bin/env bash
# The one command to run on a GPU machine, from a build made elsewhere
# (scripts/device_bundle.sh here, then carry .device/). Prints one table:
# the GPU tests, `kiln bench --target cuda` of each workload beside PyTorch's
# vendor kernels (fp32, TF32 off, CUDA-event medians), and a `kiln tune`
# of matmul 4096 (TUNE_S seconds, default 120) benched after. Logs go to
# OUTDIR (default $OUT, else /tmp/kiln_device_check). QUICK=1 skips the
# benches and PyTorch (tests and the tune only). Exits non-zero when a GPU
# test fails.
set -uo pipefail
cd "$(dirname "$0")/.."
OUTDIR=${OUTDIR:-${OUT:-/tmp/kiln_device_check}}
TUNE_S=${TUNE_S:-120}
mkdir -p "$OUTDIR"
# The binaries' RUNPATH and the tests' paths name the build machine's
# checkout (/work/main): put this checkout there.
if [ "$(pwd -P)" != /work/main ]; then
  [ -e /work/main ] && { echo "device_check: /work/main exists and is not this checkout" >&2; exit 1; }
  mkdir -p /work && ln -sfn "$(pwd -P)" /work/main
fi
rm -rf build libs.device && mkdir -p libs.device
xz -dc .device/kiln-build.tar.xz | tar -xf - && mv libs libs.device/lib
export LD_LIBRARY_PATH="$PWD/libs.device/lib:$PWD/build${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# The database and the tests' files stay out of OUTDIR (only logs go there).
export KILN_DB=/tmp/kiln_device_check/device_check.db TMPDIR=/tmp/kiln_device_check/tmp
rm -rf /tmp/kiln_device_check
mkdir -p "$TMPDIR"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
K=build/kiln

echo "== GPU tests"
timeout 240 build/tests/kiln_tests --gtest_filter='Gpu*:Cuda*:RunnerWire*' > "$OUTDIR/tests.log" 2>&1
tests_rc=$?
grep -E "^\[ *(FAILED|PASSED|SKIPPED) " "$OUTDIR/tests.log" | sort | uniq | head -40
echo "tests exit $tests_rc"

bench() {  # name, op, shape, schedule
  timeout 120 $K bench "$2" --shape "$3" --target cuda --schedule "$4" --json \
    2>>"$OUTDIR/bench.err" | tail -1 | python3 -c "
import json,sys
try: j=json.loads(sys.stdin.read())
except Exception: j={}
print(json.dumps({'name':'$1','schedule':'$4','ms':j.get('median_ms'),'verified':j.get('verified'),'nvrtc_ms':j.get('nvrtc_ms')}))"
}
if [ -z "${QUICK:-}" ]; then
echo "== vendor (PyTorch)"
python3 scripts/device/torch_baseline.py > "$OUTDIR/torch.jsonl" 2> "$OUTDIR/torch.err"
echo "torch exit $?"

echo "== kiln bench"
{
  for n in 1024 4096 8192; do bench "matmul $n" matmul M=$n,N=$n,K=$n default; done
  bench "conv2d N=1" conv2d N=1 default
  bench "conv2d N=32" conv2d N=32 default
  bench "softmax 4096x4096" softmax M=4096,N=4096 default
  bench "layernorm 4096x4096" layernorm M=4096,N=4096 default
  bench "relu 4096x4096" relu M=4096,N=4096 default
  bench "batch_matmul 8x256" batch_matmul B=8,M=256,N=256,K=256 default
} > "$OUTDIR/kiln.jsonl"
fi

echo "== kiln tune matmul 4096 (${TUNE_S} s)"
KILN_RUNNER_TRACE=1 timeout $((TUNE_S + 120)) $K tune matmul --shape M=4096,N=4096,K=4096 --target cuda \
  --time-budget "$TUNE_S" --json > "$OUTDIR/tune.json" 2> "$OUTDIR/tune.err"
echo "tune exit $?"
grep -v "^kiln-runner" "$OUTDIR/tune.err" | tail -2
python3 - "$OUTDIR/tune.err" <<'PY'
import re, statistics, sys
lines = open(sys.argv[1]).read().splitlines()
loads = [float(m.group(1)) for l in lines if (m := re.search(r"load ([0-9.]+) ms", l))]
runs = [float(m.group(1)) for l in lines if (m := re.search(r"check and time ([0-9.]+) ms", l))]
first = next((l for l in lines if l.startswith("trial 1:")), "")
if loads:
    print(f"runner: {len(loads)} measurements, module load median {statistics.median(loads):.1f} ms, "
          f"check and time median {statistics.median(runs):.1f} ms")
print("first trial:", first)
PY
python3 - "$OUTDIR/tune.json" <<'PY'
import json, sys
try:
    j = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
except Exception as e:
    print("tune: no JSON", e); sys.exit(0)
keys = ["trials_measured", "trials_invalid", "trials_confirmed", "elapsed_s", "trials_per_s",
        "best_median_ms", "default_median_ms", "speedup_over_default"]
print("tune:", {k: j.get(k) for k in keys})
PY
bench "matmul 4096" matmul M=4096,N=4096,K=4096 tuned >> "$OUTDIR/kiln.jsonl"
sqlite3 "$KILN_DB" "select status, count(*) from records group by status" 2>/dev/null ||
  python3 -c "
import sqlite3,sys
c=sqlite3.connect('$KILN_DB')
print(c.execute('select status, count(*) from records group by status').fetchall())"

[ -f "$OUTDIR/torch.jsonl" ] || : > "$OUTDIR/torch.jsonl"
echo "== table (ms, CUDA-event medians; ratio = vendor time / kiln time, higher is better)"
python3 - "$OUTDIR/kiln.jsonl" "$OUTDIR/torch.jsonl" <<'PY'
import json, sys
kiln = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
vendor = {}
for l in open(sys.argv[2]):
    if l.strip():
        j = json.loads(l); vendor[j["name"]] = j["ms"]
print(f"{'workload':<22}{'schedule':<9}{'kiln ms':>10}{'vendor ms':>11}{'ratio':>7}  verified  nvrtc ms")
for k in kiln:
    v = vendor.get(k["name"]); ms = k["ms"]
    ratio = f"{v / ms:.2f}" if v and ms else "-"
    nv = k.get("nvrtc_ms")
    print(f"{k['name']:<22}{k['schedule']:<9}{(f'{ms:.4f}' if ms else '-'):>10}"
          f"{(f'{v:.4f}' if v else '-'):>11}{ratio:>7}  {str(k['verified']):<8}  {nv if nv is None else round(nv)}")
PY
exit $tests_rc
