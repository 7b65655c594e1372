#!/usr/bin/env python3
"""Compare flatc's JSON decoding of a .pte (made with tests/schema/program.fbs)
with what `wick inspect` says about the same file.

  check_pte_json.py progsize FILE.pte
      print the flatbuffer's size: program_size of the "eh00" extended header
      at byte 8, or the file size when there is none.
  check_pte_json.py compare FILE.json INSPECT.txt [--wick]
      exit 0 when they agree, 1 (with one line per difference) when not.
      --wick: the file was written by `wick convert`, so named data
      `wick.metadata` must be present.

Standard library only.
"""
import json
import re
import struct
import sys

# ScalarType names in the schema -> wick's dtype names (wick_dtype_name).
DTYPES = {
    "BYTE": "uint8", "CHAR": "int8", "SHORT": "int16", "INT": "int32", "LONG": "int64",
    "HALF": "float16", "FLOAT": "float32", "DOUBLE": "float64", "BOOL": "bool",
    "QINT8": "qint8", "QUINT8": "quint8", "QINT32": "qint32", "BFLOAT16": "bfloat16",
    "QUINT4X2": "quint4x2", "QUINT2X4": "quint2x4", "BITS16": "bits16",
    "UINT16": "uint16", "UINT32": "uint32", "UINT64": "uint64",
}
# Union member names in the schema -> wick_value_kind_name.
KINDS = {"Null": "None"}
INSTRUCTIONS = {"KernelCall", "DelegateCall", "MoveCall", "JumpFalseCall", "FreeCall"}


def progsize(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) >= 32 and data[8:12] == b"eh00":
        (length,) = struct.unpack_from("<I", data, 12)
        if length >= 24:
            (size,) = struct.unpack_from("<Q", data, 16)
            print(size)
            return 0
    print(len(data))
    return 0


def parse_inspect(text):
    """The facts `wick inspect` prints, as a dict; methods by name."""
    prog = {"methods": {}, "segments": []}
    method = None
    section = None
    for line in text.splitlines():
        m = re.match(r"^format\s+.*schema version (\d+)", line)
        if m:
            prog["version"] = int(m.group(1))
            continue
        m = re.match(r"^segments\s+(\d+)$", line)
        if m:
            prog["num_segments"] = int(m.group(1))
            section = "segments"
            continue
        m = re.match(r"^\s+\[(\d+)\] file offset \d+\s+\(base \+ (\d+)\)\s+(\d+) bytes", line)
        if m and section == "segments":
            prog["segments"].append((int(m.group(2)), int(m.group(3))))
            continue
        m = re.match(r"^constant segment\s+segment (\d+), (\d+) entries", line)
        if m:
            prog["constant_segment"] = (int(m.group(1)), int(m.group(2)))
            continue
        m = re.match(r"^inline constants\s+(\d+) buffers", line)
        if m:
            prog["inline_buffers"] = int(m.group(1))
            continue
        m = re.match(r"^named data\s+(\d+) blobs?", line)
        if m:
            prog["named_data"] = int(m.group(1))
            continue
        m = re.match(r"^metadata\s+(\S+)", line)
        if m:
            prog["metadata"] = m.group(1)
            continue
        m = re.match(r"^methods\s+(\d+)$", line)
        if m:
            prog["num_methods"] = int(m.group(1))
            continue
        m = re.match(r"^method '(.*)'$", line)
        if m:
            method = {"inputs": [], "outputs": [], "operators": [], "arenas": []}
            prog["methods"][m.group(1)] = method
            section = None
            continue
        if method is None:
            continue
        m = re.match(r"^  (inputs|outputs|operators|instructions|chains|values|delegates)\s+(\d+)$",
                     line)
        if m:
            section = m.group(1)
            method["num_" + section] = int(m.group(2))
            continue
        m = re.match(r"^    \[(\d+)\] (.*)$", line)
        if m and section in ("inputs", "outputs"):
            rest = m.group(2)
            kind = rest.split()[0]
            desc = None
            if kind == "Tensor":
                t = re.search(r"\b([a-z0-9]+)\[([-0-9,]*)\]", rest)
                desc = t.group(0) if t else "?"
            method[section].append((kind, desc))
            continue
        if m and section == "operators":
            method["operators"].append(m.group(2).split()[0])
            continue
        m = re.match(r"^    memory id (\d+)\s+(\d+) bytes", line)
        if m:
            method["arenas"].append(int(m.group(2)))
            continue
        if re.match(r"^  \S", line):
            section = None
    return prog


def compare(json_path, inspect_path, wick_written):
    with open(json_path) as f:
        prog = json.load(f)
    with open(inspect_path) as f:
        want = parse_inspect(f.read())
    errors = []

    def expect(what, got, exp):
        if got != exp:
            errors.append("%s: flatc %r, wick inspect %r" % (what, got, exp))

    plans = prog.get("execution_plan", [])
    segments = prog.get("segments", [])
    expect("schema version", prog.get("version", 0), want.get("version"))
    expect("methods", len(plans), want.get("num_methods"))
    expect("segments", len(segments), want.get("num_segments"))
    expect("segment (offset, size)",
           [(s.get("offset", 0), s.get("size", 0)) for s in segments], want["segments"])
    cs = prog.get("constant_segment")
    if "constant_segment" in want:
        got = (cs.get("segment_index", 0), len(cs.get("offsets", []))) if cs else (0, 0)
        expect("constant segment (index, entries)", got, want["constant_segment"])
    if "inline_buffers" in want:
        expect("inline constant buffers", len(prog.get("constant_buffer", [])),
               want["inline_buffers"])
    named = prog.get("named_data", [])
    if "named_data" in want:
        expect("named data", len(named), want["named_data"])
    for i, nd in enumerate(named):
        if not nd.get("key"):
            errors.append("named_data[%d] has no key" % i)
        if nd.get("segment_index", 0) >= len(segments):
            errors.append("named_data[%d] segment %d of %d" % (i, nd.get("segment_index", 0),
                                                                len(segments)))
    keys = [nd.get("key") for nd in named]
    if wick_written and "wick.metadata" not in keys:
        errors.append("named data wick.metadata missing (keys %r)" % keys)
    num_constants = len(cs.get("offsets", [])) if cs else 0
    num_constants = max(num_constants, len(prog.get("constant_buffer", [])))

    have_instructions = False
    expect("method names", sorted(p.get("name", "") for p in plans), sorted(want["methods"]))
    for plan in plans:
        name = plan.get("name", "")
        w = want["methods"].get(name)
        if w is None:
            continue
        where = "method '%s'" % name
        values = plan.get("values", [])
        nv = len(values)
        expect(where + " values", nv, w.get("num_values"))
        ops = ["%s.%s" % (o.get("name", ""), o["overload"]) if o.get("overload")
               else o.get("name", "") for o in plan.get("operators", [])]
        expect(where + " operators", ops, w["operators"])
        chains = plan.get("chains", [])
        expect(where + " chains", len(chains), w.get("num_chains"))
        expect(where + " delegates", len(plan.get("delegates", [])), w.get("num_delegates"))
        instrs = [ins for c in chains for ins in c.get("instructions", [])]
        expect(where + " instructions", len(instrs), w.get("num_instructions"))
        if instrs:
            have_instructions = True
        else:
            # A method without instructions only returns constants (the LLM
            # programs' get_max_seq_len & co.); its outputs are no tensors.
            for i in plan.get("outputs", []):
                if not 0 <= i < nv or values[i].get("val_type") == "Tensor":
                    errors.append(where + ": no instructions, but a tensor output")
        sizes = plan.get("non_const_buffer_sizes", [])
        expect(where + " planned arenas", sizes[1:], w["arenas"])

        def describe(idx):
            if not 0 <= idx < nv:
                return ("out of range %d" % idx, None)
            v = values[idx]
            kind = v.get("val_type", "NONE")
            if kind != "Tensor":
                return (KINDS.get(kind, kind), None)
            t = v.get("val", {})
            dt = DTYPES.get(t.get("scalar_type", "BYTE"), str(t.get("scalar_type")))
            return ("Tensor", "%s[%s]" % (dt, ",".join(str(s) for s in t.get("sizes", []))))

        for io in ("inputs", "outputs"):
            idx = plan.get(io, [])
            expect("%s %s" % (where, io), len(idx), w.get("num_" + io))
            expect("%s %s (kind, tensor)" % (where, io), [describe(i) for i in idx], w[io])

        # Structure inspect does not print: indices in range, union tags known.
        for k, v in enumerate(values):
            kind = v.get("val_type")
            if kind in (None, "NONE"):
                # Legal flatbuffers, but ExecuTorch's runtime refuses a value
                # without a kind when it loads the method: None is a Null.
                errors.append("%s value %d: val_type NONE (ExecuTorch loads None only as "
                              "Null)" % (where, k))
            elif kind != "Null" and "val" not in v:
                errors.append("%s value %d: %s without its table" % (where, k, kind))
            if kind == "Tensor":
                t = v["val"]
                if t.get("data_buffer_idx", 0) > num_constants:
                    errors.append("%s value %d: data_buffer_idx %d of %d" %
                                  (where, k, t["data_buffer_idx"], num_constants))
                dims = t.get("dim_order", [])
                if sorted(dims) != list(range(len(t.get("sizes", [])))):
                    errors.append("%s value %d: dim_order %r" % (where, k, dims))
                mem = t.get("allocation_info", {}).get("memory_id")
                if mem is not None and not 1 <= mem < len(sizes):
                    errors.append("%s value %d: memory_id %d" % (where, k, mem))
            if kind in ("TensorList", "IntList"):
                for item in v["val"].get("items", []):
                    if not 0 <= item < nv:
                        errors.append("%s value %d: item %d out of range" % (where, k, item))
        for n, ins in enumerate(instrs):
            kind = ins.get("instr_args_type")
            if kind not in INSTRUCTIONS:
                errors.append("%s instruction %d: kind %r" % (where, n, kind))
                continue
            a = ins.get("instr_args", {})
            if kind == "KernelCall":
                if not 0 <= a.get("op_index", 0) < len(ops):
                    errors.append("%s instruction %d: op_index %d" % (where, n, a.get("op_index", 0)))
                for arg in a.get("args", []):
                    if not 0 <= arg < nv:
                        errors.append("%s instruction %d: arg %d out of range" % (where, n, arg))
    if plans and not have_instructions:
        errors.append("no method has instructions")
    for e in errors:
        print("mismatch: " + e)
    return 1 if errors else 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "progsize":
        return progsize(argv[1])
    if len(argv) >= 3 and argv[0] == "compare":
        return compare(argv[1], argv[2], "--wick" in argv[3:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
