#!/usr/bin/env python3
"""Feeds mutated copies of the shared ExecuTorch artifacts to `wick run` and
counts how each ended: exit 0 (ran), exit 1 (clean error), or anything else
(crash, signal, hang). The same kind of mutations ExecuTorch's executor_runner
was measured against: truncations, bit flips, poisoned 32-bit offsets.

  python3 tests/cli/mutants.py WICK_BIN SHARED_DATA_DIR [COUNT]

Exit status 1 when any mutant crashed or hung."""
import os
import random
import struct
import subprocess
import sys
import tempfile


def mutate(data, rng):
    b = bytearray(data)
    kind = rng.choice(["truncate", "flip", "poison", "flips"])
    if kind == "truncate":
        return bytes(b[:rng.randrange(0, len(b))]), kind
    if kind == "flip":
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
        return bytes(b), kind
    if kind == "flips":
        for _ in range(rng.randrange(2, 9)):
            i = rng.randrange(len(b))
            b[i] = rng.randrange(256)
        return bytes(b), kind
    i = rng.randrange(0, max(1, len(b) - 4)) & ~3
    v = rng.choice([0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, len(b), len(b) - 4,
                    (i - 8) & 0xFFFFFFFF, 0, 4, rng.randrange(1 << 32)])
    b[i:i + 4] = struct.pack("<I", v)
    return bytes(b), kind


def main():
    wick, shared = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    pte_dir = os.path.join(shared, "pte")
    if not os.path.isdir(pte_dir):
        print("mutants: skipped: %s not found" % pte_dir)
        return 77
    seeds = [f for f in sorted(os.listdir(pte_dir)) if f.endswith((".pte", ".bpte"))]
    rng = random.Random(20261126)
    outcome = {"ran": 0, "clean error": 0, "crash": 0}
    crashes = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(count):
            seed = seeds[n % len(seeds)]
            data = open(os.path.join(pte_dir, seed), "rb").read()
            mutant, kind = mutate(data, rng)
            path = os.path.join(tmp, "m%d_%s" % (n, seed))
            open(path, "wb").write(mutant)
            cmd = [wick, "run", path]
            if seed == "linear.pte":
                cmd += ["--data", os.path.join(pte_dir, "linear.ptd")]
            try:
                r = subprocess.run(cmd, capture_output=True, timeout=20)
                code = r.returncode
                lines = r.stderr.decode(errors="replace").strip().splitlines()
            except subprocess.TimeoutExpired:
                code, lines = "timeout", []
            if code == 0:
                outcome["ran"] += 1
            elif code == 1 and len(lines) >= 1:
                outcome["clean error"] += 1
            else:
                outcome["crash"] += 1
                crashes.append((seed, kind, code))
    print("mutants: %d mutated artifacts: %d ran, %d clean errors, %d crashes/hangs"
          % (count, outcome["ran"], outcome["clean error"], outcome["crash"]))
    for c in crashes[:20]:
        print("  crash: %s (%s): exit %s" % c)
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
