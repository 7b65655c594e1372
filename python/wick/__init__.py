"""wick: run ExecuTorch programs (.pte) and convert ONNX models from Python.

A thin ctypes binding over the wick C library (libwick.so) plus numpy:

    import numpy as np, wick
    prog = wick.load("model.pte", data=["weights.ptd"])
    print(prog.methods)                     # ['forward']
    y, = prog.forward(np.ones((1, 16), np.float32))
    outs = prog.run("forward", x)           # any method by name

    wick.convert("model.onnx", "model.pte", input_shapes={"x": (1, 3, 224, 224)})
    wick.export(torch_model, (example,), "model.pte")   # via torch.onnx.export

Errors from the library are raised as wick.WickError carrying its message.

The shared library is found in this order: the WICK_LIB environment variable
(a file path), next to this file (wick/libwick.so), then build/libwick.so in
the source tree this package sits in.

A Program is not thread-safe: each method keeps one instance (its arenas)
that every call reuses. Use one Program per thread.
"""

import ctypes
import os
import tempfile

import numpy as np

__all__ = ["WickError", "Program", "load", "convert", "export", "library_path"]
__version__ = "0.1.0"

MAX_DIM = 8
DIAG_LEN = 320
CONVERT_MAX_SHAPES = 16


class WickError(RuntimeError):
    """A failure reported by the wick library (message from its wick_diag)."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


# ---- C structures mirrored from include/wick/*.h ----


class _Diag(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("msg", ctypes.c_char * DIAG_LEN)]


class _File(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("size", ctypes.c_size_t), ("mapped", ctypes.c_int)]


class _Tensor(ctypes.Structure):
    _fields_ = [
        ("data", ctypes.c_void_p),
        ("capacity", ctypes.c_size_t),
        ("sizes", ctypes.c_int32 * MAX_DIM),
        ("strides", ctypes.c_int32 * MAX_DIM),
        ("dim_order", ctypes.c_uint8 * MAX_DIM),
        ("dim", ctypes.c_uint8),
        ("dtype", ctypes.c_uint8),
        ("dynamism", ctypes.c_uint8),
        ("is_const", ctypes.c_uint8),
    ]


class _ListPad(ctypes.Structure):  # the largest union member (int list)
    _fields_ = [("a", ctypes.c_void_p), ("b", ctypes.c_void_p), ("n", ctypes.c_uint32)]


class _ValueUnion(ctypes.Union):
    _fields_ = [
        ("i", ctypes.c_int64),
        ("b", ctypes.c_bool),
        ("d", ctypes.c_double),
        ("t", ctypes.POINTER(_Tensor)),
        ("pad", _ListPad),
    ]


class _Value(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_uint8), ("u", _ValueUnion)]


# wick_convert_options / wick_convert_report: only their leading fields are
# mirrored (later fields are appended as the converter grows); the structs
# themselves live in zeroed opaque blocks, so new fields read as 0 = default.
class _ConvertOptions(ctypes.Structure):
    _fields_ = [
        ("input_shapes", ctypes.c_char_p * CONVERT_MAX_SHAPES),
        ("num_input_shapes", ctypes.c_uint32),
        ("no_optimize", ctypes.c_bool),
        ("inline_constants", ctypes.c_bool),
        ("verbose", ctypes.c_int),
        ("log", ctypes.c_void_p),
        ("log_user", ctypes.c_void_p),
    ]


class _ConvertReport(ctypes.Structure):
    _fields_ = [
        ("onnx_nodes", ctypes.c_uint32),
        ("kernel_calls", ctypes.c_uint32),
        ("folded_nodes", ctypes.c_uint32),
        ("fused_nodes", ctypes.c_uint32),
        ("constant_bytes", ctypes.c_uint64),
        ("planned_bytes", ctypes.c_uint64),
        ("lower_bound_bytes", ctypes.c_uint64),
        ("opset", ctypes.c_int64),
    ]


# wick_program, wick_data_map and wick_loaded_method are only passed by
# pointer (the first field of wick_loaded_method is the method pointer), so
# they live in opaque, zeroed, 16-byte aligned blocks much larger than the
# structs; the library keeps pointers into them, and ctypes never moves them.
_OPAQUE_BYTES = 4096


def _opaque():
    return (ctypes.c_uint64 * (_OPAQUE_BYTES // 8))()


# value kinds (wick_value_kind) and dtypes (wick_dtype)
_VAL_NONE, _VAL_INT, _VAL_BOOL, _VAL_DOUBLE, _VAL_TENSOR = 0, 1, 2, 3, 4
_DTYPES = {
    0: np.uint8, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.int64, 5: np.float16,
    6: np.float32, 7: np.float64, 11: np.bool_, 27: np.uint16, 28: np.uint32, 29: np.uint64,
}
_DTYPE_CODES = {np.dtype(v): k for k, v in _DTYPES.items()}

# ---- the shared library ----

_lib = None
_libpath = None


def _candidates():
    env = os.environ.get("WICK_LIB")
    if env:
        yield env
    here = os.path.dirname(os.path.abspath(__file__))
    for name in ("libwick.so", "libwick.dylib"):
        yield os.path.join(here, name)
    root = os.path.dirname(os.path.dirname(here))  # python/wick -> repository
    for name in ("libwick.so", "libwick.dylib"):
        yield os.path.join(root, "build", name)


def library_path():
    """Path of the libwick shared library that is (or would be) loaded."""
    _load_lib()
    return _libpath


def _load_lib():
    global _lib, _libpath
    if _lib is not None:
        return _lib
    tried = []
    for path in _candidates():
        tried.append(path)
        if os.path.exists(path):
            lib = ctypes.CDLL(path)
            _declare(lib)
            _lib, _libpath = lib, path
            return lib
    raise WickError("cannot find libwick.so (set WICK_LIB, or build the wick_shared "
                    "target); tried: " + ", ".join(tried))


class _TranslateOptions(ctypes.Structure):  # wick_translate_options
    _fields_ = [("beam", ctypes.c_int), ("alpha", ctypes.c_double), ("max_len_a", ctypes.c_double),
                ("max_len_b", ctypes.c_double), ("threads", ctypes.c_int)]


class _TranslateResult(ctypes.Structure):  # wick_translate_result
    _fields_ = [("src_tokens", ctypes.c_uint32), ("out_tokens", ctypes.c_uint32),
                ("steps", ctypes.c_uint32), ("truncated", ctypes.c_int),
                ("encode_ns", ctypes.c_uint64), ("decode_ns", ctypes.c_uint64)]


def _declare(lib):
    P = ctypes.c_void_p
    D = ctypes.POINTER(_Diag)
    sig = {
        "wick_file_open": (ctypes.c_int, [ctypes.POINTER(_File), ctypes.c_char_p, D]),
        "wick_file_close": (None, [ctypes.POINTER(_File)]),
        "wick_program_load": (ctypes.c_int, [P, P, ctypes.c_size_t, D]),
        "wick_data_map_load": (ctypes.c_int, [P, P, ctypes.c_size_t, D]),
        "wick_program_add_data": (ctypes.c_int, [P, P, D]),
        "wick_program_method_name": (ctypes.c_char_p, [P, ctypes.c_uint32]),
        "wick_method_load_alloc": (ctypes.c_int, [P, ctypes.c_char_p, P, D]),
        "wick_method_free": (None, [P]),
        "wick_method_num_inputs": (ctypes.c_uint32, [P]),
        "wick_method_num_outputs": (ctypes.c_uint32, [P]),
        "wick_method_input_value": (ctypes.POINTER(_Value), [P, ctypes.c_uint32]),
        "wick_method_set_input": (ctypes.c_int, [P, ctypes.c_uint32, ctypes.POINTER(_Tensor), D]),
        "wick_method_set_input_scalar": (ctypes.c_int, [P, ctypes.c_uint32, ctypes.c_double, D]),
        "wick_method_execute": (ctypes.c_int, [P, D]),
        "wick_method_output_value": (ctypes.POINTER(_Value), [P, ctypes.c_uint32]),
        "wick_tensor_init": (ctypes.c_int, [ctypes.POINTER(_Tensor), ctypes.c_int, ctypes.c_int,
                                            ctypes.POINTER(ctypes.c_int64), P, ctypes.c_size_t]),
        "wick_convert_onnx": (ctypes.c_int, [ctypes.c_char_p, P,
                                             ctypes.POINTER(ctypes.POINTER(ctypes.c_uint8)),
                                             ctypes.POINTER(ctypes.c_size_t), P, D]),
        "wick_status_name": (ctypes.c_char_p, [ctypes.c_int]),
        "wick_translate_defaults": (_TranslateOptions, []),
        "wick_translator_open": (ctypes.c_int, [ctypes.POINTER(P), ctypes.c_char_p,
                                                ctypes.POINTER(_TranslateOptions), D]),
        "wick_translator_close": (None, [P]),
        "wick_translator_set_options": (ctypes.c_int, [P, ctypes.POINTER(_TranslateOptions), D]),
        "wick_translate": (ctypes.c_int, [P, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                                          ctypes.c_size_t, ctypes.POINTER(_TranslateResult), D]),
    }
    for name, (res, args) in sig.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args


def _libc_free():
    lib = ctypes.CDLL(None)
    lib.free.argtypes = [ctypes.c_void_p]
    lib.free.restype = None
    return lib.free


def _check(status, diag, what=""):
    if status != 0:
        msg = diag.msg.decode("utf-8", "replace") or "failed"
        try:
            name = _lib.wick_status_name(status).decode()
        except Exception:  # pragma: no cover
            name = str(status)
        raise WickError((what + ": " if what else "") + msg + " (" + name + ")", status)


def _fspath(p):
    return os.fsencode(os.fspath(p))


# ---- programs ----


class _Method:
    """One loaded method instance: its arenas and the inputs it aliases."""

    def __init__(self, prog, name):
        self.lm = _opaque()
        self.name = name
        self.keep = []
        d = _Diag()
        _check(_lib.wick_method_load_alloc(ctypes.byref(prog._prog), name.encode(),
                                           ctypes.byref(self.lm), ctypes.byref(d)), d,
               "method '%s'" % name)
        self.ptr = ctypes.c_void_p(self.lm[0])

    def close(self):
        if self.lm is not None:
            _lib.wick_method_free(ctypes.byref(self.lm))
            self.lm = None

    def run(self, args):
        m = self.ptr
        n_in = _lib.wick_method_num_inputs(m)
        if len(args) != n_in:
            raise WickError("method '%s' takes %d input%s, got %d" %
                            (self.name, n_in, "" if n_in == 1 else "s", len(args)))
        d = _Diag()
        keep = []
        for i, a in enumerate(args):
            v = _lib.wick_method_input_value(m, i).contents
            if v.kind == _VAL_TENSOR:
                want = v.u.t.contents
                arr = np.asarray(a)
                code = _DTYPE_CODES.get(arr.dtype)
                if code != want.dtype:
                    target = _DTYPES.get(want.dtype)
                    if target is None:
                        raise WickError("input %d: dtype code %d is not supported from Python" %
                                        (i, want.dtype))
                    if not np.can_cast(arr.dtype, target, "same_kind"):
                        raise WickError("input %d: expected %s, got %s" %
                                        (i, np.dtype(target).name, arr.dtype.name))
                    arr = arr.astype(target)
                    code = want.dtype
                arr = np.ascontiguousarray(arr)
                keep.append(arr)
                t = _Tensor()
                sizes = (ctypes.c_int64 * MAX_DIM)(*arr.shape)
                if arr.ndim > MAX_DIM:
                    raise WickError("input %d: rank %d exceeds %d" % (i, arr.ndim, MAX_DIM))
                _check(_lib.wick_tensor_init(ctypes.byref(t), code, arr.ndim, sizes,
                                             ctypes.c_void_p(arr.ctypes.data), arr.nbytes),
                       d, "input %d" % i)
                _check(_lib.wick_method_set_input(m, i, ctypes.byref(t), ctypes.byref(d)), d,
                       "method '%s' input %d" % (self.name, i))
            elif v.kind in (_VAL_INT, _VAL_BOOL, _VAL_DOUBLE):
                _check(_lib.wick_method_set_input_scalar(m, i, float(a), ctypes.byref(d)), d,
                       "method '%s' input %d" % (self.name, i))
            else:
                raise WickError("method '%s' input %d has a kind Python cannot set" %
                                (self.name, i))
        self.keep = keep  # unplanned inputs alias these until the next call
        _check(_lib.wick_method_execute(m, ctypes.byref(d)), d, "method '%s'" % self.name)
        outs = []
        for k in range(_lib.wick_method_num_outputs(m)):
            outs.append(_output(_lib.wick_method_output_value(m, k)))
        return outs


def _output(vp):
    if not vp:
        return None
    v = vp.contents
    if v.kind == _VAL_TENSOR:
        t = v.u.t.contents
        dt = _DTYPES.get(t.dtype)
        if dt is None:
            raise WickError("output dtype code %d has no numpy equivalent" % t.dtype)
        shape = tuple(t.sizes[k] for k in range(t.dim))
        n = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if n == 0 or not t.data:
            return np.zeros(shape, dt)
        item = np.dtype(dt).itemsize
        strides = tuple(t.strides[k] * item for k in range(t.dim))
        span = item * (1 + sum((s - 1) * st for s, st in zip(shape, t.strides[:t.dim])))
        buf = (ctypes.c_uint8 * span).from_address(t.data)
        return np.ndarray(shape, dt, buffer=buf, strides=strides).copy()
    if v.kind == _VAL_INT:
        return int(v.u.i)
    if v.kind == _VAL_BOOL:
        return bool(v.u.b)
    if v.kind == _VAL_DOUBLE:
        return float(v.u.d)
    return None


class Program:
    """A loaded ExecuTorch program (.pte) with its external data (.ptd)."""

    def __init__(self, path, data=()):
        _load_lib()
        self.path = os.fspath(path)
        self._files = []
        self._maps = []
        self._methods = {}
        self._prog = _opaque()
        d = _Diag()
        f = self._open(path)
        _check(_lib.wick_program_load(ctypes.byref(self._prog), ctypes.c_void_p(f.data),
                                      f.size, ctypes.byref(d)), d, self.path)
        if isinstance(data, (str, bytes, os.PathLike)):
            data = [data]
        for p in data:
            df = self._open(p)
            dm = _opaque()
            _check(_lib.wick_data_map_load(ctypes.byref(dm), ctypes.c_void_p(df.data), df.size,
                                           ctypes.byref(d)), d, os.fspath(p))
            self._maps.append(dm)
            _check(_lib.wick_program_add_data(ctypes.byref(self._prog), ctypes.byref(dm),
                                              ctypes.byref(d)), d, os.fspath(p))
        n = ctypes.cast(self._prog, ctypes.POINTER(_ProgramHead)).contents.num_methods
        self.methods = []
        for i in range(n):
            name = _lib.wick_program_method_name(ctypes.byref(self._prog), i)
            if name is not None:
                self.methods.append(name.decode())

    def _open(self, path):
        f = _File()
        d = _Diag()
        _check(_lib.wick_file_open(ctypes.byref(f), _fspath(path), ctypes.byref(d)), d)
        self._files.append(f)
        return f

    def run(self, method, *arrays):
        """Runs `method` on numpy arrays / Python scalars; returns its outputs
        (numpy arrays for tensors, int/float/bool for scalars)."""
        if self._prog is None:
            raise WickError("program is closed")
        m = self._methods.get(method)
        if m is None:
            if method not in self.methods:
                raise WickError("%s: no method '%s' (methods: %s)" %
                                (self.path, method, ", ".join(self.methods)))
            m = self._methods[method] = _Method(self, method)
        return m.run(arrays)

    def forward(self, *arrays):
        """run("forward", ...), or the only method when there is no forward."""
        name = "forward"
        if name not in self.methods and len(self.methods) == 1:
            name = self.methods[0]
        return self.run(name, *arrays)

    def close(self):
        for m in self._methods.values():
            m.close()
        self._methods = {}
        for f in self._files:
            _lib.wick_file_close(ctypes.byref(f))
        self._files = []
        self._prog = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self):
        return "wick.Program(%r, methods=%r)" % (self.path, self.methods)


class _ProgramHead(ctypes.Structure):  # the leading fields of wick_program
    _fields_ = [("data", ctypes.c_void_p), ("size", ctypes.c_size_t), ("root", ctypes.c_uint32),
                ("num_methods", ctypes.c_uint32)]


def load(path, data=()):
    """Loads a .pte program; `data` lists .ptd files with its external tensors."""
    return Program(path, data)


def _shape_specs(input_shapes):
    if input_shapes is None:
        return []
    if isinstance(input_shapes, dict):
        items = []
        for name, shape in input_shapes.items():
            if isinstance(shape, str):
                items.append("%s=%s" % (name, shape))
            else:
                items.append("%s=%s" % (name, "x".join(str(int(s)) for s in shape)))
        return items
    if isinstance(input_shapes, str):
        return [input_shapes]
    return [str(s) for s in input_shapes]


def convert(onnx_path, pte_path, input_shapes=None, optimize=True):
    """Converts an ONNX model to a .pte program (wick_convert_onnx). input_shapes
    pins symbolic input dims: {"x": (1, 3, 224, 224)} or ["x=1x3x224x224"].
    Returns the conversion report as a dict."""
    lib = _load_lib()
    specs = _shape_specs(input_shapes)
    if len(specs) > CONVERT_MAX_SHAPES:
        raise WickError("at most %d input shapes" % CONVERT_MAX_SHAPES)
    opt_block = _opaque()
    opt = ctypes.cast(opt_block, ctypes.POINTER(_ConvertOptions)).contents
    enc = [s.encode() for s in specs]
    for i, s in enumerate(enc):
        opt.input_shapes[i] = s
    opt.num_input_shapes = len(enc)
    opt.no_optimize = not optimize
    out = ctypes.POINTER(ctypes.c_uint8)()
    n = ctypes.c_size_t()
    rep_block = _opaque()
    rep = ctypes.cast(rep_block, ctypes.POINTER(_ConvertReport)).contents
    d = _Diag()
    st = lib.wick_convert_onnx(_fspath(onnx_path), ctypes.byref(opt), ctypes.byref(out),
                               ctypes.byref(n), ctypes.byref(rep), ctypes.byref(d))
    report = {name: getattr(rep, name) for name, _ in _ConvertReport._fields_}
    if hasattr(lib, "wick_convert_report_free"):  # frees what newer reports own
        lib.wick_convert_report_free.argtypes = [ctypes.c_void_p]
        lib.wick_convert_report_free.restype = None
        lib.wick_convert_report_free(ctypes.byref(rep_block))
    _check(st, d, os.fspath(onnx_path))
    try:
        blob = ctypes.string_at(out, n.value)
    finally:
        _libc_free()(ctypes.cast(out, ctypes.c_void_p))
    with open(pte_path, "wb") as f:
        f.write(blob)
    return report


def export(model, example_inputs, pte_path, input_names=None, opset_version=17, **kwargs):
    """Exports a PyTorch module with torch.onnx.export to a temporary ONNX file,
    then converts it to `pte_path`. Extra keyword arguments go to
    torch.onnx.export. Returns the conversion report."""
    try:
        import torch  # noqa: F401  (imported lazily: only export needs it)
    except ImportError as e:
        raise WickError("wick.export needs PyTorch (import torch failed: %s)" % e)
    if not isinstance(example_inputs, (tuple, list)):
        example_inputs = (example_inputs,)
    with tempfile.TemporaryDirectory(prefix="wick_export_") as tmp:
        onnx_path = os.path.join(tmp, "model.onnx")
        if input_names is None:
            input_names = ["input_%d" % i for i in range(len(example_inputs))]
        torch.onnx.export(model, tuple(example_inputs), onnx_path, input_names=input_names,
                          opset_version=opset_version, **kwargs)
        return convert(onnx_path, pte_path)


# ---- translation (include/wick/translate.h) ----


class Translator:
    """German -> English with an exported encoder/decoder model directory
    (encoder.pte, decoder.pte, spm.model; see docs/TRANSLATION.md).

    >>> t = wick.Translator("models/de-en", beam=4)
    >>> t.translate("Zwei Hunde spielen im Schnee.")
    'Two dogs are playing in the snow.'
    >>> t.last  # tokens, decoder steps and latency of the last call
    """

    def __init__(self, model_dir, beam=4, alpha=1.5, threads=1):
        _load_lib()
        opt = _lib.wick_translate_defaults()
        opt.beam, opt.alpha, opt.threads = int(beam), float(alpha), int(threads)
        self._h = ctypes.c_void_p()
        d = _Diag()
        _check(_lib.wick_translator_open(ctypes.byref(self._h), _fspath(model_dir), ctypes.byref(opt),
                                         ctypes.byref(d)), d, os.fspath(model_dir))
        self._buf = ctypes.create_string_buffer(64 * 1024)
        self.last = None

    def translate(self, text):
        """One line of German (str) -> its English translation (str)."""
        if self._h is None:
            raise WickError("translator is closed")
        raw = text.encode("utf-8", "replace") if isinstance(text, str) else bytes(text)
        r, d = _TranslateResult(), _Diag()
        _check(_lib.wick_translate(self._h, raw, len(raw), self._buf, len(self._buf), ctypes.byref(r),
                                   ctypes.byref(d)), d, "translate")
        self.last = dict(src_tokens=r.src_tokens, out_tokens=r.out_tokens, steps=r.steps,
                         truncated=bool(r.truncated), encode_ms=r.encode_ns / 1e6,
                         decode_ms=r.decode_ns / 1e6)
        return self._buf.value.decode("utf-8", "replace")

    def close(self):
        if getattr(self, "_h", None):
            _lib.wick_translator_close(self._h)
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # pragma: no cover
            pass
