#!/usr/bin/env python3
"""Compare two .npy files, or write a small one, with the Python standard library
only (no numpy).

  npy_compare.py GOT.npy EXPECTED.npy [--rtol R] [--atol A]
      exit 0 when dtype and shape are equal and every value matches:
      floats within |got - expected| <= atol + rtol * |expected| (NaN == NaN),
      integers and bools exactly. Otherwise prints one reason and exits 1.
  npy_compare.py --write PATH DESCR SHAPE VALUE...
      writes a .npy (v1.0), e.g. --write x.npy '<f8' 3 1 2 3 ('' SHAPE = rank 0,
      '2,3' = 2x3).
"""
import ast
import math
import struct
import sys

FORMATS = {
    "f2": "e", "f4": "f", "f8": "d",
    "i1": "b", "i2": "h", "i4": "i", "i8": "q",
    "u1": "B", "u2": "H", "u4": "I", "u8": "Q",
    "b1": "?",
}


def normalize_descr(descr):
    """'<f4' -> 'f4'; rejects big-endian multi-byte types."""
    order, kind = descr[0], descr[1:]
    if order not in "<>|=":
        order, kind = "=", descr
    if kind not in FORMATS:
        raise ValueError("unsupported dtype %r" % descr)
    if order == ">" and kind[1:] != "1":
        raise ValueError("big-endian dtype %r" % descr)
    return kind


def read_npy(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:6] != b"\x93NUMPY":
        raise ValueError("%s: not a .npy file" % path)
    major = data[6]
    if major == 1:
        (hlen,) = struct.unpack_from("<H", data, 8)
        start = 10
    elif major in (2, 3):
        (hlen,) = struct.unpack_from("<I", data, 8)
        start = 12
    else:
        raise ValueError("%s: unsupported version %d" % (path, major))
    header = ast.literal_eval(data[start:start + hlen].decode("latin1"))
    if header.get("fortran_order"):
        raise ValueError("%s: Fortran order" % path)
    kind = normalize_descr(header["descr"])
    shape = tuple(header["shape"])
    count = 1
    for s in shape:
        count *= s
    fmt = "<%d%s" % (count, FORMATS[kind])
    payload = data[start + hlen:]
    need = struct.calcsize(fmt)
    if len(payload) < need:
        raise ValueError("%s: payload has %d bytes, needs %d" % (path, len(payload), need))
    return kind, shape, struct.unpack_from(fmt, payload, 0)


def compare(got_path, want_path, rtol, atol):
    gk, gs, gv = read_npy(got_path)
    wk, ws, wv = read_npy(want_path)
    if gk != wk or gs != ws:
        return "dtype/shape %s%s, expected %s%s" % (gk, list(gs), wk, list(ws))
    is_float = wk[0] == "f"
    for i, (g, w) in enumerate(zip(gv, wv)):
        if is_float:
            if math.isnan(g) and math.isnan(w):
                continue
            if math.isinf(g) or math.isinf(w):
                ok = g == w
            else:
                ok = abs(g - w) <= atol + rtol * abs(w)
        else:
            ok = g == w
        if not ok:
            return "element %d: got %r, expected %r" % (i, g, w)
    return None


def write(path, descr, shape_text, values):
    kind = normalize_descr(descr)
    shape = tuple(int(s) for s in shape_text.split(",") if s.strip())
    conv = float if kind[0] == "f" else (lambda v: v.lower() in ("1", "true")) if kind == "b1" else int
    vals = [conv(v) for v in values]
    count = 1
    for s in shape:
        count *= s
    if len(vals) != count:
        raise ValueError("%d values for shape %r" % (len(vals), shape))
    shape_repr = "(%s)" % (", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else ""))
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape_repr)
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * (pad % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        f.write(struct.pack("<%d%s" % (count, FORMATS[kind]), *vals))


def main(argv):
    if len(argv) >= 4 and argv[1] == "--write":
        write(argv[2], argv[3], argv[4] if len(argv) > 4 else "", argv[5:])
        return 0
    args, rtol, atol = [], 1e-6, 1e-7
    i = 1
    while i < len(argv):
        if argv[i] == "--rtol":
            rtol = float(argv[i + 1])
            i += 2
        elif argv[i] == "--atol":
            atol = float(argv[i + 1])
            i += 2
        else:
            args.append(argv[i])
            i += 1
    if len(args) != 2:
        sys.stderr.write(__doc__)
        return 2
    try:
        why = compare(args[0], args[1], rtol, atol)
    except (OSError, ValueError, SyntaxError, KeyError, struct.error) as e:
        why = str(e)
    if why:
        print("%s vs %s: %s" % (args[0], args[1], why))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
