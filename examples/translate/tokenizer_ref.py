#!/usr/bin/env python3
"""Reference re-implementation of the SentencePiece BPE *encoder* used here, with no
dependency on the sentencepiece library: the specification wick's C tokenizer must follow.

It reads only data/spm.vocab (one `piece<TAB>score` per line; the line number is the id)
and reproduces sentencepiece's ids exactly for the settings of prepare.py:

  1. normalization 'identity' (no Unicode normalization at all), then
     remove_extra_whitespaces: strip leading/trailing ' ' (U+0020 only) and collapse
     runs of ' ' into one;
  2. add_dummy_prefix: prepend one ' '; then replace every ' ' with '▁' (U+2581);
  3. split into Unicode code points; repeatedly merge the adjacent pair of symbols
     whose concatenation is a vocabulary piece with the highest score (ties: leftmost
     pair) until no pair merges;
  4. each final symbol -> its id if it is a piece, else (byte_fallback) one <0xXX> piece
     per UTF-8 byte of the symbol.
Special ids: <pad>=0 <unk>=1 <s>=2 </s>=3, then <0x00>..<0xFF> = 4..259.
Decoding: concatenate pieces (bytes pieces as raw bytes), '▁' -> ' ', drop the leading ' '.

  python3 examples/translate/tokenizer_ref.py        # checks against the .ids files
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


class RefBPE:
    def __init__(self, vocab_path):
        self.pieces, self.score, self.id = [], {}, {}
        with open(vocab_path, encoding="utf-8") as f:
            for i, line in enumerate(f):
                piece, score = line.rstrip("\n").split("\t")
                self.pieces.append(piece)
                self.id[piece] = i
                self.score[piece] = float(score)
        self.byte_id = {b: self.id["<0x%02X>" % b] for b in range(256)}
        self.specials = {p for p in self.pieces[:4]} | {"<0x%02X>" % b for b in range(256)}

    def normalize(self, text):
        text = " ".join(w for w in text.split(" ") if w)
        return ("▁" + text).replace(" ", "▁") if text else ""

    def encode(self, text):
        syms = list(self.normalize(text))
        while len(syms) > 1:
            best, best_i = None, -1
            for i in range(len(syms) - 1):
                s = self.score.get(syms[i] + syms[i + 1])
                if s is not None and syms[i] + syms[i + 1] not in self.specials and (best is None or s > best):
                    best, best_i = s, i
            if best_i < 0:
                break
            syms[best_i: best_i + 2] = [syms[best_i] + syms[best_i + 1]]
        ids = []
        for s in syms:
            if s in self.id and s not in self.specials:
                ids.append(self.id[s])
            else:
                ids.extend(self.byte_id[b] for b in s.encode("utf-8"))
        return ids

    def decode(self, ids):
        out = bytearray()
        for i in ids:
            p = self.pieces[i]
            if i < 4:
                continue
            if i < 260:
                out.append(int(p[3:5], 16))
            else:
                out += p.replace("▁", " ").encode("utf-8")
        s = out.decode("utf-8", errors="replace")
        return s[1:] if s.startswith(" ") else s


def main():
    data = os.path.join(HERE, "data")
    tok = RefBPE(os.path.join(data, "spm.vocab"))
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    bad = total = 0
    for split in ("val", "test_2016_flickr", "train"):
        for lang in ("de", "en"):
            with open(os.path.join(data, f"{split}.{lang}.txt"), encoding="utf-8") as f:
                texts = [l.rstrip("\n") for l in f][:limit]
            with open(os.path.join(data, f"{split}.{lang}.ids")) as f:
                ids = [[int(t) for t in l.split()] for l in f][:limit]
            for t, want in zip(texts, ids):
                total += 1
                got = tok.encode(t)
                if got != want:
                    bad += 1
                    if bad <= 5:
                        print("MISMATCH", repr(t), got, want)
    # byte fallback / odd whitespace cases, checked against sentencepiece when available
    extra = ["Ein  Hund\u00a0läuft ", "Käse 😀 ✓", "  ", "x", "Straße™ „Zitat“"]
    try:
        import sentencepiece as spm
        sp = spm.SentencePieceProcessor(model_file=os.path.join(data, "spm.model"))
        for t in extra:
            total += 1
            if tok.encode(t) != sp.encode(t):
                bad += 1
                print("MISMATCH", repr(t), tok.encode(t), sp.encode(t))
            assert tok.decode(sp.encode(t)) == sp.decode(sp.encode(t)), t
    except ImportError:
        pass
    print(f"tokenizer_ref: {total - bad}/{total} sentences identical to sentencepiece")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
