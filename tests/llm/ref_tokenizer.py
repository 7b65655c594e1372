#!/usr/bin/env python3
"""Independent reference for wick's llama2.c tokenizer (pure Python, no numpy).

Reads a llama2.c tokenizer.bin (int32 max_token_length, then per token:
float32 score, int32 length, bytes) and encodes text the way llama2.c's
run.c does: optional BOS (1), a dummy-prefix " " token when the text is
non-empty, one token per UTF-8 code point found in the vocabulary (else
its bytes as byte tokens, byte + 3), then repeatedly merge the adjacent pair
whose concatenation is in the vocabulary with the highest score (leftmost
among equal scores), optional EOS (2).

    python3 tests/llm/ref_tokenizer.py /work/shared/data/llm/tok512.bin [--c]

prints the ids of the strings in CASES (with --c, as C initializers for
tests/unit/test_llm.c).
"""
import struct
import sys

CASES = [
    "",
    "a",
    "Once upon a time",
    "Once upon a time, there was a little girl named Lily.",
    "Hello, world!",
    "  two  spaces\tand a tab\n",
    "caf\u00e9 na\u00efve \u65e5\u672c",
    "\U0001F600 emoji",
    "The quick brown fox jumps over the lazy dog 0123456789",
]


def load(path, vocab_size=0):
    data = open(path, "rb").read()
    (max_len,) = struct.unpack_from("<i", data, 0)
    off, pieces, scores = 4, [], []
    while (off < len(data)) if vocab_size == 0 else (len(pieces) < vocab_size):
        score, n = struct.unpack_from("<fi", data, off)
        raw = data[off + 8: off + 8 + n]
        # C-string semantics: a piece ends at its first NUL
        raw = raw.split(b"\0", 1)[0]
        pieces.append(raw)
        scores.append(score)
        off += 8 + n
    return max_len, pieces, scores


def encode(pieces, scores, text, bos=True, eos=False):
    index = {}
    for i, p in enumerate(pieces):
        index.setdefault(p, i)  # the lowest id wins
    toks = []
    if bos:
        toks.append(1)
    b = text.encode("utf-8")
    if len(b) > 0 and b" " in index:
        toks.append(index[b" "])
    # split into code points the way llama2.c does (a lead byte plus at most
    # three continuation bytes)
    i = 0
    while i < len(b):
        j = i + 1
        while j < len(b) and (b[j] & 0xC0) == 0x80 and j - i < 4:
            j += 1
        cp = b[i:j]
        if cp in index:
            toks.append(index[cp])
        else:
            toks.extend(x + 3 for x in cp)
        i = j
    while True:
        best, best_i, best_id = -1e10, -1, -1
        for k in range(len(toks) - 1):
            cat = pieces[toks[k]] + pieces[toks[k + 1]]
            tid = index.get(cat)
            if tid is not None and scores[tid] > best:
                best, best_i, best_id = scores[tid], k, tid
        if best_i < 0:
            break
        toks[best_i:best_i + 2] = [best_id]
    if eos:
        toks.append(2)
    return toks


def decode(pieces, prev, tok):
    p = pieces[tok]
    if prev == 1 and p.startswith(b" "):
        p = p[1:]
    if len(p) == 6 and p.startswith(b"<0x") and p.endswith(b">"):
        try:
            return bytes([int(p[3:5], 16)])
        except ValueError:
            pass
    return p


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/llm/tok512.bin"
    as_c = "--c" in sys.argv
    _, pieces, scores = load(path, 512)
    for text in CASES:
        ids = encode(pieces, scores, text)
        back = b"".join(decode(pieces, a, b) for a, b in zip(ids, ids[1:]))
        if as_c:
            lit = text.encode("utf-8").decode("latin-1")
            esc = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "\\%03o" % ord(c)
                          for c in lit)
            print('    {"%s", %d, {%s}},' % (esc, len(ids), ", ".join(map(str, ids))))
        else:
            print(repr(text), ids, repr(back))


if __name__ == "__main__":
    main()
