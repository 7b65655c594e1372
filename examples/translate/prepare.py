#!/usr/bin/env python3
"""Prepare Multi30k de->en for wick translate.

Reads the gzip'd raw sentence files, trains a joint (German+English) SentencePiece
BPE model, encodes train/val/test to id files and writes data statistics.

Outputs (in --out, default examples/translate/data):
  spm.model / spm.vocab          joint SentencePiece BPE model
  {split}.{de,en}.ids            one sentence per line, space separated ids (no BOS/EOS)
  {split}.{de,en}.txt            the raw (untouched) sentences, for BLEU references
  stats.json                     sizes, length statistics
"""
import argparse
import gzip
import json
import os
import sys

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
SPLITS = ["train", "val", "test_2016_flickr"]

# Special ids (fixed; the C tokenizer and the model rely on them).
PAD_ID, UNK_ID, BOS_ID, EOS_ID = 0, 1, 2, 3


def read_gz(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f]


def spm_train_args(text_path, model_prefix, vocab_size):
    # Keep the segmentation as simple as possible so wick's C tokenizer can
    # reproduce it exactly (see README.md, "Tokenizer").
    return dict(
        input=text_path,
        model_prefix=model_prefix,
        model_type="bpe",
        vocab_size=vocab_size,
        character_coverage=1.0,
        normalization_rule_name="identity",
        remove_extra_whitespaces=True,
        add_dummy_prefix=True,
        byte_fallback=True,
        split_digits=False,
        pad_id=PAD_ID, unk_id=UNK_ID, bos_id=BOS_ID, eos_id=EOS_ID,
        pad_piece="<pad>", unk_piece="<unk>", bos_piece="<s>", eos_piece="</s>",
        input_sentence_size=0,
        shuffle_input_sentence=False,
        num_threads=2,
        minloglevel=1,
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/work/shared/data/multi30k")
    ap.add_argument("--out", default=os.path.join(HERE, "data"))
    ap.add_argument("--vocab", type=int, default=8000)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    raw = {}
    for split in SPLITS:
        for lang in ("de", "en"):
            raw[(split, lang)] = read_gz(os.path.join(args.data, f"{split}.{lang}.gz"))
        assert len(raw[(split, "de")]) == len(raw[(split, "en")]), split

    # Joint model trained on train only (both languages).
    joint = os.path.join(args.out, "spm_train_joint.txt")
    with open(joint, "w", encoding="utf-8") as f:
        for lang in ("de", "en"):
            for s in raw[("train", lang)]:
                f.write(s + "\n")
    prefix = os.path.join(args.out, "spm")
    spm.SentencePieceTrainer.train(**spm_train_args(joint, prefix, args.vocab))
    os.remove(joint)
    sp = spm.SentencePieceProcessor(model_file=prefix + ".model")

    stats = {"vocab_size": sp.get_piece_size(), "spm_settings": spm_train_args("<train.de+train.en>", "spm", args.vocab)}
    for split in SPLITS:
        for lang in ("de", "en"):
            sents = raw[(split, lang)]
            ids = sp.encode(sents)
            with open(os.path.join(args.out, f"{split}.{lang}.ids"), "w") as f:
                for s in ids:
                    f.write(" ".join(map(str, s)) + "\n")
            with open(os.path.join(args.out, f"{split}.{lang}.txt"), "w", encoding="utf-8") as f:
                for s in sents:
                    f.write(s + "\n")
            lens = sorted(len(s) for s in ids)
            n = len(lens)
            nbytefb = sum(1 for s in ids for t in s if sp.is_byte(t))
            nunk = sum(1 for s in ids for t in s if t == UNK_ID)
            roundtrip = sum(1 for s, r in zip(ids, sents) if sp.decode(s) != " ".join(w for w in r.split(" ") if w))
            stats[f"{split}.{lang}"] = dict(
                sentences=n, words=sum(len(s.split()) for s in sents), subwords=sum(lens),
                mean_len=round(sum(lens) / n, 2), p50=lens[n // 2], p99=lens[int(n * 0.99)], max=lens[-1],
                over_64=sum(1 for l in lens if l > 64), byte_fallback_tokens=nbytefb, unk_tokens=nunk,
                roundtrip_mismatch=roundtrip)
    with open(os.path.join(args.out, "stats.json"), "w") as f:
        json.dump(stats, f, indent=1)
    for k, v in stats.items():
        if k not in ("spm_settings",):
            print(k, v)
    return 0


if __name__ == "__main__":
    sys.exit(main())
