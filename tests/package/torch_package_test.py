#!/usr/bin/env python3
"""`kiln package` from Python: builds a package (matmul, conv2d, softmax,
layernorm, matmul_bias_gelu) with the kiln command, then calls every op through the NumPy loader (ctypes + DLPack) and through the
PyTorch extension (built here with torch.utils.cpp_extension) on random
tensors, comparing with PyTorch's own operators; and checks that a wrong
dtype, a wrong shape and a non-contiguous tensor raise a clear exception
(never a crash).

Usage: torch_package_test.py <kiln command> <work dir>
Exits 77 (ctest: skipped) when this Python has no torch or numpy.
"""
import json
import os
import shutil
import subprocess
import sys
import time
import unittest

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as e:
    print("skipped: %s lacks torch or numpy (%s); scripts/setup.sh installs python3-torch "
          "and python3-numpy" % (sys.executable, e))
    sys.exit(77)

KILN, WORK = sys.argv[1], sys.argv[2]
PKG = os.path.join(WORK, "tp")

# One free size per op kind that has one (matmul's N, softmax's M), plus a
# specialization of the free matmul, so the dispatch is exercised both ways.
SPEC = {
    "name": "tp",
    "target": "llvm",
    "ops": [
        {"op": "matmul", "shape": {"M": 16, "N": "N", "K": 24}},
        {"op": "matmul", "shape": {"M": 16, "N": 32, "K": 24}},
        {"op": "conv2d", "shape": {"N": 2, "C": 3, "H": 10, "W": 9, "K": 4, "R": 3, "S": 3,
                                   "stride": 1, "pad": 1}},
        {"op": "softmax", "shape": {"M": "M", "N": 100}},
        {"op": "layernorm", "shape": {"M": "M", "N": 48, "eps": "1e-5"}},
        {"op": "matmul_bias_gelu", "shape": {"M": "M", "N": 40, "K": 16}},
        {"op": "matmul_bias_gelu", "name": "mbg_tanh",
         "shape": {"M": 8, "N": 40, "K": 16, "approximate": "tanh"}},
        # A second function of one op, with another dtype: it needs its own name.
        {"op": "softmax", "name": "softmax_bf16", "shape": {"M": "M", "N": 64, "dtype": "bf16"}},
    ],
}

ops = None  # torch.ops.tp once built
lib = None  # the NumPy loader module
build_seconds = None


def setUpModule():
    global ops, lib, build_seconds
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    spec_path = os.path.join(WORK, "spec.json")
    with open(spec_path, "w") as f:
        json.dump(SPEC, f)
    t0 = time.time()
    r = subprocess.run([KILN, "package", "--spec", spec_path, "--out", PKG,
                        "--db", os.path.join(WORK, "empty.db")],
                       capture_output=True, text=True)
    print("kiln package: %.1f s" % (time.time() - t0))
    if r.returncode != 0:
        raise RuntimeError("kiln package failed:\n" + r.stdout + r.stderr)
    sys.path.insert(0, os.path.join(PKG, "python"))
    import tp
    lib = tp
    t0 = time.time()
    ops = tp.load_torch()
    build_seconds = time.time() - t0
    print("torch extension build and load: %.1f s" % build_seconds)


def close(got, want, what):
    err = (got - want).abs().max().item()
    scale = max(want.abs().max().item(), 1e-6)
    assert err <= 1e-4 * scale, "%s: max error %g (scale %g)" % (what, err, scale)


class TorchOps(unittest.TestCase):
    def test_matmul_specialized_and_free(self):
        torch.manual_seed(0)
        for n in (32, 7, 1):
            a, b = torch.randn(16, 24), torch.randn(24, n)
            close(ops.matmul(a, b), torch.matmul(a, b), "matmul N=%d" % n)

    def test_conv2d(self):
        x, w = torch.randn(2, 3, 10, 9), torch.randn(4, 3, 3, 3)
        close(ops.conv2d(x, w), F.conv2d(x, w, stride=1, padding=1), "conv2d")

    def test_softmax_free_rows(self):
        for m in (1, 5, 64):
            x = torch.randn(m, 100) * 4
            close(ops.softmax(x), torch.softmax(x, dim=-1), "softmax M=%d" % m)

    def test_layernorm_free_rows(self):
        for m in (1, 6):
            x, g, b = torch.randn(m, 48) * 3 + 1, torch.randn(48), torch.randn(48)
            close(ops.layernorm(x, g, b), F.layer_norm(x, (48,), g, b, eps=1e-5), "layernorm M=%d" % m)
        with self.assertRaisesRegex(RuntimeError, "argument 'gamma' dim 0 is 47 but must be 48"):
            ops.layernorm(torch.randn(2, 48), torch.randn(47), torch.randn(48))

    def test_matmul_bias_gelu(self):
        for m in (1, 9):
            a, b, bias = torch.randn(m, 16), torch.randn(16, 40), torch.randn(40)
            close(ops.matmul_bias_gelu(a, b, bias), F.gelu(a @ b + bias), "matmul_bias_gelu M=%d" % m)
        a, b, bias = torch.randn(8, 16), torch.randn(16, 40), torch.randn(40)
        close(ops.mbg_tanh(a, b, bias), F.gelu(a @ b + bias, approximate="tanh"), "tanh gelu")
        with self.assertRaisesRegex(RuntimeError, "argument 'bias' dim 0 is 41 but must be 40"):
            ops.matmul_bias_gelu(a, b, torch.randn(41))

    def test_row_slice_at_a_storage_offset(self):
        # A contiguous slice starts at a storage offset: its data pointer,
        # not the storage's, must reach the kernel.
        big = torch.randn(20, 24)
        a = big[4:]
        b = torch.randn(24, 32)
        close(ops.matmul(a, b), torch.matmul(a, b), "matmul of a row slice")

    def test_unaligned_data(self):
        # One float past a 64-byte boundary: the kernels assume no alignment.
        a = torch.randn(16 * 24 + 1)[1:].view(16, 24)
        b = torch.randn(24, 32)
        close(ops.matmul(a, b), torch.matmul(a, b), "matmul of unaligned data")

    def test_bfloat16(self):
        x = torch.randn(9, 64).to(torch.bfloat16)
        got = ops.softmax_bf16(x)
        self.assertEqual(got.dtype, torch.bfloat16)
        want = torch.softmax(x.float(), dim=-1)
        err = (got.float() - want).abs().max().item()
        self.assertLess(err, 1e-2, "bf16 softmax error %g" % err)
        with self.assertRaisesRegex(RuntimeError, "dtype float32; expected bfloat16"):
            ops.softmax_bf16(torch.randn(9, 64))

    def test_wrong_dtype(self):
        with self.assertRaisesRegex(RuntimeError, "argument 'A' has dtype float64; expected float32"):
            ops.matmul(torch.randn(16, 24, dtype=torch.float64), torch.randn(24, 32))
        with self.assertRaisesRegex(RuntimeError, "argument 'X' has dtype int32"):
            ops.softmax(torch.ones(4, 100, dtype=torch.int32))

    def test_wrong_shape(self):
        with self.assertRaisesRegex(RuntimeError, "argument 'B' dim 0 is 23 but must be 24"):
            ops.matmul(torch.randn(16, 24), torch.randn(23, 32))
        with self.assertRaisesRegex(RuntimeError, "no kernel for M=15"):
            ops.matmul(torch.randn(15, 24), torch.randn(24, 32))
        with self.assertRaisesRegex(RuntimeError, "has 3 dimensions"):
            ops.softmax(torch.randn(2, 4, 100))
        with self.assertRaisesRegex(RuntimeError, "argument 'weight' dim 1 is 5 but must be 3"):
            ops.conv2d(torch.randn(2, 3, 10, 9), torch.randn(4, 5, 3, 3))
        with self.assertRaisesRegex(RuntimeError, "no kernel for N=2,C=3,H=11"):
            ops.conv2d(torch.randn(2, 3, 11, 9), torch.randn(4, 3, 3, 3))

    def test_non_contiguous(self):
        with self.assertRaisesRegex(RuntimeError, "argument 'A' is not contiguous"):
            ops.matmul(torch.randn(24, 16).t(), torch.randn(24, 32))
        with self.assertRaisesRegex(RuntimeError, "argument 'X' is not contiguous"):
            ops.softmax(torch.randn(8, 200)[:, ::2])

    def test_other_bad_inputs(self):
        with self.assertRaisesRegex(RuntimeError, "sparse|strided"):
            ops.softmax(torch.randn(4, 100).to_sparse())
        with self.assertRaises(RuntimeError):
            ops.matmul(torch.randn(16, 24), None)
        with self.assertRaisesRegex(RuntimeError, "no kernel|must be at least|M is 0|needs M >= 1"):
            ops.softmax(torch.randn(0, 100))


class NumpyLoader(unittest.TestCase):
    def test_matmul_and_softmax(self):
        rng = np.random.default_rng(1)
        a = rng.standard_normal((16, 24), dtype=np.float32)
        b = rng.standard_normal((24, 5), dtype=np.float32)
        np.testing.assert_allclose(lib.matmul(a, b), a @ b, rtol=1e-4, atol=1e-4)
        x = rng.standard_normal((3, 100), dtype=np.float32)
        want = torch.softmax(torch.from_numpy(x), dim=-1).numpy()
        np.testing.assert_allclose(lib.softmax(x), want, rtol=1e-4, atol=1e-6)

    def test_errors_raise_kiln_error(self):
        a = np.ones((16, 24), dtype=np.float32)
        b = np.ones((24, 32), dtype=np.float32)
        with self.assertRaisesRegex(lib.KilnError, "dtype float64"):
            lib.matmul(a.astype(np.float64), b)
        with self.assertRaisesRegex(lib.KilnError, "not contiguous"):
            lib.matmul(np.ones((24, 16), dtype=np.float32).T, b)
        with self.assertRaisesRegex(lib.KilnError, "dim 0 is 23"):
            lib.matmul(a, np.ones((23, 32), dtype=np.float32))
        try:
            lib.matmul(a.astype(np.int64), b)
        except lib.KilnError as e:
            self.assertEqual(e.code, 3)  # TP_ERROR_DTYPE
        # Another byte order is refused, never read as other numbers (a
        # 64^3 matmul of big-endian ones gave 0.0 instead of 64).
        with self.assertRaisesRegex(lib.KilnError, "byte order '>'"):
            lib.matmul(a.astype(">f4"), b)
        with self.assertRaisesRegex(lib.KilnError, "byte order"):
            lib.matmul(a, b.astype(np.dtype(np.float32).newbyteorder(">")))

    def test_thread_counts_are_checked(self):
        lib.set_num_threads(2)
        with self.assertRaisesRegex(lib.KilnError, "use 1 to 1024"):
            lib.set_num_threads(100000)
        self.assertEqual(lib.num_threads(), 2)


if __name__ == "__main__":
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    sys.exit(0 if result.wasSuccessful() else 1)
