"""Corpus BLEU, written to match sacreBLEU's defaults.

sacreBLEU default signature: nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.x
  * tokenization '13a' (mteval-v13a's tokenizer),
  * case-sensitive, max n-gram order 4, clipped counts summed over the corpus,
  * brevity penalty exp(1 - r/c) when c < r,
  * 'exp' smoothing: the k-th n-gram order with zero matches gets precision
    1 / (2^k * total_n).
"""
import math
import re
import sys
from collections import Counter

_RULES_13A = [
    (re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])"), r" \1 "),  # punctuation/symbols
    (re.compile(r"([^0-9])([\.,])"), r"\1 \2 "),  # . , not preceded by a digit
    (re.compile(r"([\.,])([^0-9])"), r" \1 \2"),  # . , not followed by a digit
    (re.compile(r"([0-9])(-)"), r"\1 \2 "),       # - preceded by a digit
]


def tokenize_13a(line):
    if line == "":
        return ""
    line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        line = (line.replace("&quot;", '"').replace("&amp;", "&")
                .replace("&lt;", "<").replace("&gt;", ">"))
    line = f" {line} "
    for rx, sub in _RULES_13A:
        line = rx.sub(sub, line)
    return " ".join(line.split())


def _ngrams(toks, n):
    return Counter(tuple(toks[i:i + n]) for i in range(len(toks) - n + 1))


def corpus_stats(hyps, refs, order=4):
    """Returns (correct[order], total[order], hyp_len, ref_len)."""
    assert len(hyps) == len(refs), (len(hyps), len(refs))
    correct, total = [0] * order, [0] * order
    hyp_len = ref_len = 0
    for h, r in zip(hyps, refs):
        ht, rt = tokenize_13a(h.strip()).split(), tokenize_13a(r.strip()).split()
        hyp_len += len(ht)
        ref_len += len(rt)
        for n in range(1, order + 1):
            hc, rc = _ngrams(ht, n), _ngrams(rt, n)
            total[n - 1] += max(0, len(ht) - n + 1)
            correct[n - 1] += sum(min(c, rc[g]) for g, c in hc.items())
    return correct, total, hyp_len, ref_len


def corpus_bleu(hyps, refs, order=4):
    """Corpus BLEU in [0, 100]; returns (score, details dict)."""
    correct, total, c, r = corpus_stats(hyps, refs, order)
    precisions = [0.0] * order
    smooth = 1.0
    for n in range(order):
        if total[n] == 0:
            break
        if correct[n] == 0:
            smooth *= 2
            precisions[n] = 100.0 / (smooth * total[n])
        else:
            precisions[n] = 100.0 * correct[n] / total[n]
    if c == 0:
        bp = 0.0
    elif c < r:
        bp = math.exp(1.0 - r / c)
    else:
        bp = 1.0
    if min(precisions) <= 0.0:
        score = 0.0
    else:
        score = bp * math.exp(sum(math.log(p) for p in precisions) / order)
    return score, dict(precisions=precisions, bp=bp, sys_len=c, ref_len=r, correct=correct, total=total)


def _self_test():
    # 1. tokenizer
    assert tokenize_13a("Hello, world.") == "Hello , world ."
    assert tokenize_13a("It costs $3.50, ok?") == "It costs $ 3.50 , ok ?"
    assert tokenize_13a("A well-known 1990-era (big) dog's toy") == "A well-known 1990 - era ( big ) dog's toy"
    assert tokenize_13a("a &amp; b") == "a & b"
    # 2. identical -> 100
    s, _ = corpus_bleu(["Two dogs play in the grass."], ["Two dogs play in the grass."])
    assert abs(s - 100.0) < 1e-9, s
    # 3. hand computed: p = 5/6, 3/5, 2/4, 1/3, BP = 1 -> 100 * (1/12)^(1/4) = 53.7285
    s, d = corpus_bleu(["the cat sat on the mat"], ["the cat sat on a mat"])
    assert d["correct"] == [5, 3, 2, 1] and d["total"] == [6, 5, 4, 3], d
    assert abs(s - 100 * (1 / 12) ** 0.25) < 1e-9, s
    # 4. brevity: all precisions 1, c=5, r=6 -> 100 * exp(1 - 6/5) = 81.8731
    s, d = corpus_bleu(["the cat sat on the"], ["the cat sat on the mat"])
    assert abs(s - 100 * math.exp(-0.2)) < 1e-9 and abs(s - 81.8731) < 1e-4, s
    # 5. exp smoothing: p = 3/4, 1/3, then 0/2 -> 1/(2*2), 0/1 -> 1/(4*1)
    s, d = corpus_bleu(["a b c d"], ["a b x d"])
    exp = 100 * (0.75 * (1 / 3) * 0.25 * 0.25) ** 0.25
    assert abs(s - exp) < 1e-9 and abs(s - 35.3553) < 1e-4, (s, exp)
    # 6. corpus level sums counts (not an average of sentence scores)
    s, d = corpus_bleu(["the cat sat on the mat", "the cat sat on the"],
                       ["the cat sat on a mat", "the cat sat on the mat"])
    assert d["correct"] == [10, 7, 5, 3] and d["total"] == [11, 9, 7, 5]
    exp = 100 * math.exp(1 - 12 / 11) * ((10 / 11) * (7 / 9) * (5 / 7) * (3 / 5)) ** 0.25
    assert abs(s - exp) < 1e-9, (s, exp)
    print("bleu.py self-test OK")


if __name__ == "__main__":
    if len(sys.argv) == 3:  # bleu.py HYP_FILE REF_FILE
        with open(sys.argv[1], encoding="utf-8") as f:
            hyps = [l.rstrip("\n") for l in f]
        with open(sys.argv[2], encoding="utf-8") as f:
            refs = [l.rstrip("\n") for l in f]
        score, d = corpus_bleu(hyps, refs)
        print("BLEU = %.2f %s (BP = %.3f ratio = %.3f hyp_len = %d ref_len = %d)" % (
            score, "/".join("%.1f" % p for p in d["precisions"]), d["bp"],
            d["sys_len"] / max(1, d["ref_len"]), d["sys_len"], d["ref_len"]))
    else:
        _self_test()
