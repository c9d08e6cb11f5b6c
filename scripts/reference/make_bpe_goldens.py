#!/usr/bin/env python3
"""Byte-level BPE tokenizer goldens for moecl, made with HuggingFace `tokenizers` (Tests/Fixtures/bpe/).

1. The SmolLM2 tokenizer as transformers builds it from the GGUF file
   (AutoTokenizer.from_pretrained(models/SmolLM2-135M-Instruct, gguf_file=...): vocabulary, merges and control
   tokens from the metadata, the GPT-2 byte-level pre-tokenizer, no BOS). Every line of every
   <data>/<suite>/<task>/test.jsonl (sorted) is encoded with its default special-token handling:
     <out>/<suite>__<task>.txt  a comment, then "<id count> <fnv1a64 of the ids>" per text, in file order
     <out>/samples.jsonl        300 texts with full ids (the 50 most non-ASCII, then evenly spaced per task)
   fnv1a64 as in make_tokenizer_goldens.py (ids as little-endian uint32).
2. A small tokenizer.json trained here (tokenizers BpeTrainer, 600 tokens, seed-free and deterministic) with the
   pre-tokenizer SmolLM2's own tokenizer.json uses (Digits(individual_digits) then ByteLevel) and two special
   tokens, for the tokenizer.json loader: <out>/tiny/tokenizer.json and <out>/tiny/samples.jsonl (its ids of
   200 test texts and of a few texts with special tokens).

Run:  python3 scripts/reference/make_bpe_goldens.py [--data DIR]
"""
import argparse, json, struct
from pathlib import Path

import tokenizers
from tokenizers import Tokenizer, models, pre_tokenizers, trainers, decoders

ROOT = Path(__file__).resolve().parents[2]
GGUF_DIR = ROOT / "models" / "SmolLM2-135M-Instruct"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
FNV_OFFSET, FNV_PRIME, MASK64 = 0xCBF29CE484222325, 0x100000001B3, 0xFFFFFFFFFFFFFFFF


def fnv1a64(ids):
    h = FNV_OFFSET
    for b in struct.pack(f"<{len(ids)}I", *ids):
        h = ((h ^ b) * FNV_PRIME) & MASK64
    return f"{h:016x}"


def test_files(data):
    out = []
    for suite in sorted(p for p in data.iterdir() if p.is_dir()):
        for task in sorted(p for p in suite.iterdir() if p.is_dir()):
            if (task / "test.jsonl").is_file():
                out.append((suite.name, task.name, task / "test.jsonl"))
    if not out:
        raise SystemExit(f"no <suite>/<task>/test.jsonl under {data}")
    return out


def texts_of(path):
    return [json.loads(l)["text"] for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]


def smollm2(data, out):
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(str(GGUF_DIR), gguf_file=GGUF_FILE)
    records, n_ids = [], 0
    for suite, task, path in test_files(data):
        lines = [f"# {suite}/{task}/test.jsonl: count fnv1a64(ids as u32 LE), SmolLM2 from GGUF, "
                 f"tokenizers {tokenizers.__version__}"]
        for i, text in enumerate(texts_of(path)):
            ids = tok(text)["input_ids"]
            lines.append(f"{len(ids)} {fnv1a64(ids)}")
            records.append((suite, task, i + 1, text, ids))
            n_ids += len(ids)
        (out / f"{suite}__{task}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    chosen = sorted(range(len(records)), key=lambda k: (-sum(ord(c) > 127 for c in records[k][3]), k))[:50]
    picked = set(chosen)
    tasks = sorted({(r[0], r[1]) for r in records})
    per_task = 250 // len(tasks)
    for st in tasks:
        idx = [k for k, r in enumerate(records) if (r[0], r[1]) == st and k not in picked]
        for j in range(min(per_task, len(idx))):
            chosen.append(idx[j * len(idx) // per_task])
    with open(out / "samples.jsonl", "w", encoding="utf-8") as f:
        for k in sorted(set(chosen)):
            s, t, line, text, ids = records[k]
            f.write(json.dumps({"suite": s, "task": t, "line": line, "text": text, "ids": ids}, ensure_ascii=False)
                    + "\n")
    print(f"SmolLM2: {len(records)} texts, {n_ids} ids")


def tiny(data, out):
    files = test_files(data)
    corpus = [t for _, _, p in files for t in texts_of(p)[:300]]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=600, special_tokens=["<|endoftext|>", "<|im_start|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(corpus, trainer)
    (out / "tiny").mkdir(parents=True, exist_ok=True)
    tok.save(str(out / "tiny" / "tokenizer.json"))
    samples = [t for _, _, p in files for t in texts_of(p)[-20:]]
    samples += ["<|im_start|>user 12345 héllo<|endoftext|>", "a<|im_start|><|im_start|>b", "  \n\t 3.14 don't"]
    with open(out / "tiny" / "samples.jsonl", "w", encoding="utf-8") as f:
        for text in samples:
            f.write(json.dumps({"text": text, "ids": tok.encode(text).ids}, ensure_ascii=False) + "\n")
    print(f"tiny: {tok.get_vocab_size()} tokens, {len(samples)} samples")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "Tests" / "Fixtures" / "bpe")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    tiny(args.data, args.out)
    smollm2(args.data, args.out)


if __name__ == "__main__":
    main()
