#!/usr/bin/env python3
"""Tests of the Python bindings (python/wick). Runs with plain unittest:

    WICK_LIB=build/libwick.so PYTHONPATH=python python3 tests/python/test_wick.py

Needs numpy and libwick.so. Programs: an ONNX model written here (raw
protobuf, no onnx package) and converted with wick.convert, and the shared
ExecuTorch artifacts with their expected outputs when ../shared/data exists.
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.environ.get("WICK_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
if not os.environ.get("WICK_PY_INSTALLED"):  # else: test the pip-installed package
    sys.path.insert(0, os.path.join(ROOT, "python"))

import numpy as np  # noqa: E402

import wick  # noqa: E402

SHARED = os.environ.get("WICK_SHARED_DATA") or os.path.join(ROOT, "..", "shared", "data")


# ---- a minimal protobuf writer for ONNX models ----

def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _key(field, wire):
    return _varint(field << 3 | wire)


def _int(field, v):
    return _key(field, 0) + _varint(v)


def _bytes(field, b):
    if isinstance(b, str):
        b = b.encode()
    return _key(field, 2) + _varint(len(b)) + b


def _value_info(name, shape):
    dims = b"".join(_bytes(1, _int(1, d)) for d in shape)
    tensor_type = _int(1, 1) + _bytes(2, dims)  # elem_type FLOAT, shape
    return _bytes(1, name) + _bytes(2, _bytes(1, tensor_type))


def _initializer(name, arr):
    arr = np.ascontiguousarray(arr, np.float32)
    dims = b"".join(_int(1, d) for d in arr.shape)
    return dims + _int(2, 1) + _bytes(8, name) + _bytes(9, arr.tobytes())


def _node(op, inputs, outputs):
    return b"".join(_bytes(1, i) for i in inputs) + b"".join(_bytes(2, o) for o in outputs) + \
        _bytes(4, op)


def make_mlp_onnx(path, w, b):
    """y = Relu(MatMul(x, W) + b), x: (2, in), opset 13."""
    n_in, n_out = w.shape
    graph = (_bytes(1, _node("MatMul", ["x", "W"], ["h"])) +
             _bytes(1, _node("Add", ["h", "b"], ["a"])) +
             _bytes(1, _node("Relu", ["a"], ["y"])) +
             _bytes(2, "mlp") +
             _bytes(5, _initializer("W", w)) + _bytes(5, _initializer("b", b)) +
             _bytes(11, _value_info("x", (2, n_in))) +
             _bytes(12, _value_info("y", (2, n_out))))
    model = _int(1, 8) + _bytes(2, "wick-test") + _bytes(7, graph) + \
        _bytes(8, _bytes(1, "") + _int(2, 13))
    with open(path, "wb") as f:
        f.write(model)


class Bindings(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="wick_py_")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_struct_layouts_match_c(self):
        """The ctypes mirrors have the C sizes and offsets."""
        cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
        if cc is None:
            self.skipTest("no C compiler")
        src = os.path.join(self.tmp, "layout.c")
        exe = os.path.join(self.tmp, "layout")
        with open(src, "w") as f:
            f.write("""
#include <stddef.h>
#include <stdio.h>
#include "wick/compiler.h"
#include "wick/util.h"
int main(void) {
  printf("%zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu\\n",
         sizeof(wick_diag), sizeof(wick_file), sizeof(wick_tensor), sizeof(wick_value),
         offsetof(wick_value, u), offsetof(wick_tensor, dim),
         offsetof(wick_convert_options, log_user), offsetof(wick_convert_report, opset),
         sizeof(wick_program), sizeof(wick_data_map), sizeof(wick_loaded_method),
         sizeof(wick_convert_options), sizeof(wick_convert_report),
         offsetof(wick_program, num_methods));
  return 0;
}
""")
        subprocess.check_call([cc, "-std=c11", "-I", os.path.join(ROOT, "include"), src, "-o",
                               exe])
        got = [int(x) for x in subprocess.check_output([exe]).split()]
        P = wick
        want = [P.ctypes.sizeof(P._Diag), P.ctypes.sizeof(P._File), P.ctypes.sizeof(P._Tensor),
                P.ctypes.sizeof(P._Value), P._Value.u.offset, P._Tensor.dim.offset,
                P._ConvertOptions.log_user.offset, P._ConvertReport.opset.offset]
        self.assertEqual(got[:8], want)
        for opaque in got[8:13]:  # structs kept in opaque blocks fit in them
            self.assertLessEqual(opaque, P._OPAQUE_BYTES)
        self.assertEqual(got[13], P._ProgramHead.num_methods.offset)

    def test_convert_and_run(self):
        rng = np.random.default_rng(7)
        w = rng.standard_normal((5, 3)).astype(np.float32)
        b = rng.standard_normal(3).astype(np.float32)
        onnx_path = os.path.join(self.tmp, "mlp.onnx")
        pte_path = os.path.join(self.tmp, "mlp.pte")
        make_mlp_onnx(onnx_path, w, b)
        rep = wick.convert(onnx_path, pte_path)
        self.assertEqual(rep["onnx_nodes"], 3)
        self.assertGreater(rep["constant_bytes"], 0)
        prog = wick.load(pte_path)
        self.assertEqual(prog.methods, ["forward"])
        for _ in range(3):  # the method instance is reused
            x = rng.standard_normal((2, 5)).astype(np.float32)
            (y,) = prog.forward(x)
            ref = np.maximum(x.astype(np.float64) @ w + b, 0)
            self.assertEqual(y.shape, (2, 3))
            self.assertEqual(y.dtype, np.float32)
            np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)
        (y2,) = prog.run("forward", x.astype(np.float64).astype(np.float32))
        np.testing.assert_array_equal(y, y2)
        # float64 input is refused? no: same kind casts are allowed; ints are not
        with self.assertRaises(wick.WickError):
            prog.forward(np.ones((2, 5), np.complex64))
        with self.assertRaises(wick.WickError):
            prog.forward(np.ones((3, 5), np.float32))      # wrong shape: diag message
        with self.assertRaises(wick.WickError):
            prog.forward()                                 # wrong arity
        with self.assertRaises(wick.WickError):
            prog.run("nope", x)
        prog.close()

    def test_errors_carry_the_diag_message(self):
        bad = os.path.join(self.tmp, "bad.pte")
        with open(bad, "wb") as f:
            f.write(b"not a program at all" * 4)
        with self.assertRaises(wick.WickError) as cm:
            wick.load(bad)
        self.assertIn("bad.pte", str(cm.exception))
        with self.assertRaises(wick.WickError) as cm:
            wick.load(os.path.join(self.tmp, "missing.pte"))
        self.assertIn("missing.pte", str(cm.exception))
        with self.assertRaises(wick.WickError):
            wick.convert(bad, os.path.join(self.tmp, "x.pte"))

    def test_export(self):
        try:
            import torch
        except ImportError:
            with self.assertRaises(wick.WickError) as cm:
                wick.export(object(), (np.ones(1),), os.path.join(self.tmp, "t.pte"))
            self.assertIn("PyTorch", str(cm.exception))
            return
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(),
                                    torch.nn.Linear(32, 4)).eval()
        x = torch.randn(1, 16)
        pte = os.path.join(self.tmp, "torch_mlp.pte")
        rep = wick.export(model, (x,), pte)
        self.assertGreater(rep["kernel_calls"], 0)
        (y,) = wick.load(pte).forward(x.numpy())
        with torch.no_grad():
            ref = model(x).numpy()
        np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-6)

    def test_shared_artifacts(self):
        import json
        cases_path = os.path.join(SHARED, "pte", "expected", "cases.json")
        if not os.path.exists(cases_path):
            self.skipTest("shared artifacts absent: " + cases_path)
        exp = os.path.join(SHARED, "pte", "expected")
        with open(cases_path) as f:
            cases = json.load(f)
        self.assertGreater(len(cases), 0)
        for c in cases:
            data = [os.path.join(SHARED, "pte", c["ptd"])] if c["ptd"] else []
            prog = wick.load(os.path.join(SHARED, "pte", c["pte"]), data=data)
            ins = [np.load(os.path.join(exp, p)) for p in c["inputs"]]
            outs = prog.forward(*ins)
            self.assertEqual(len(outs), len(c["outputs"]), c["name"])
            for got, p in zip(outs, c["outputs"]):
                want = np.load(os.path.join(exp, p))
                np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=c["name"])
            prog.close()

    def test_translator(self):
        model = os.environ.get("WICK_TRANSLATE_TEST_MODEL") or os.path.join(ROOT, "models", "de-en")
        if not os.path.exists(os.path.join(model, "decoder.pte")):
            self.skipTest("no translation model at " + model)
        with wick.Translator(model, beam=2) as t:
            out = t.translate("Zwei Hunde spielen im Schnee.")
            self.assertIn("dogs", out.lower())
            self.assertGreater(t.last["src_tokens"], 3)
            self.assertGreater(t.last["out_tokens"], 2)
            self.assertEqual(t.translate(""), "")
            self.assertIsInstance(t.translate(b"Ein \xff Hund."), str)
        with self.assertRaises(wick.WickError):
            wick.Translator(os.path.join(model, "missing"))
        with self.assertRaises(wick.WickError):
            wick.Translator(model, beam=99)


if __name__ == "__main__":
    unittest.main(verbosity=2)
