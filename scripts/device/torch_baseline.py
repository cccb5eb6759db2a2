"""The vendor figures beside kiln's in scripts/device_check.sh: each workload
through PyTorch's cuBLAS/cuDNN kernels, fp32 with TF32 off, timed with CUDA
events (warm-up, then the median of repeats). Prints one JSON object per
line: {"name", "ms"}; exits 77 when PyTorch or CUDA is missing."""
import json
import sys

try:
    import torch
except ImportError:
    sys.exit(77)
if not torch.cuda.is_available():
    sys.exit(77)
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.backends.cudnn.benchmark = True
dev = "cuda"


def median_ms(fn, repeat=50):
    for _ in range(5):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeat):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b))
    times.sort()
    return times[len(times) // 2]


def report(name, fn):
    print(json.dumps({"name": name, "ms": median_ms(fn)}), flush=True)


r = lambda *s: torch.rand(*s, device=dev) * 2 - 1
for n in (1024, 4096, 8192):
    a, b = r(n, n), r(n, n)
    report(f"matmul {n}", lambda: a @ b)
for batch in (1, 32):
    x, w = r(batch, 64, 56, 56), r(64, 64, 3, 3)
    report(f"conv2d N={batch}", lambda: torch.nn.functional.conv2d(x, w, padding=1))
x = r(4096, 4096)
report("softmax 4096x4096", lambda: torch.softmax(x, dim=1))
g, bt = r(4096), r(4096)
report("layernorm 4096x4096", lambda: torch.nn.functional.layer_norm(x, (4096,), g, bt))
report("relu 4096x4096", lambda: torch.relu(x))
l, rr = r(8, 256, 256), r(8, 256, 256)
report("batch_matmul 8x256", lambda: torch.bmm(l, rr))
