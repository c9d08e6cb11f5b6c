#!/usr/bin/env python3
"""Tokenizer goldens for moecl, made with the reference HuggingFace `tokenizers` library.

What: every line of every <data>/<suite>/<task>/test.jsonl (suites and tasks in sorted order) is
tokenized with tokenizers.Tokenizer.from_file(<model>/tokenizer.json), padding and truncation
switched off (tokenizer.json itself ships with truncation 128 and fixed padding 128), special
tokens added, so the ids are [CLS] ... [SEP].

Run:   python3 scripts/reference/make_tokenizer_goldens.py [--data DIR] [--model DIR] [--out DIR]
       (defaults: <root>/../shared/data, <root>/models/all-MiniLM-L6-v2, <root>/Tests/Fixtures/tokenizer)

Writes:
  <out>/<suite>__<task>.txt  a comment line, then one line per text in file order:
        "<id count> <fnv1a64 of the ids>"  and, for texts longer than 256 ids, a third field:
        the fnv1a64 of the ids with enable_truncation(256) (the model's max_seq_length).
        fnv1a64: offset 0xcbf29ce484222325, prime 0x100000001b3, over the ids as little-endian
        uint32 (4 bytes each), per byte h ^= b; h = h * prime mod 2^64; written as 16 lowercase hex.
  <out>/samples.jsonl  300 texts with full id lists {"suite","task","line","text","ids"}
        ("line" is 1-based in test.jsonl): the 50 texts with the most non-ASCII characters plus
        25 evenly spaced texts from each task (fewer if a task is small).
Deterministic: no randomness; the same inputs give byte-identical outputs.
"""
import argparse
import json
import struct
from pathlib import Path

import tokenizers
from tokenizers import Tokenizer

ROOT = Path(__file__).resolve().parents[2]
MAX_SEQ = 256
N_SAMPLES = 300
N_NON_ASCII = 50
FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
MASK64 = 0xFFFFFFFFFFFFFFFF


def fnv1a64(ids):
    h = FNV_OFFSET
    for b in struct.pack(f"<{len(ids)}I", *ids):
        h = ((h ^ b) * FNV_PRIME) & MASK64
    return f"{h:016x}"


def test_files(data):
    """(suite, task, path) for every test.jsonl, in sorted suite and task order."""
    out = []
    for suite in sorted(p for p in data.iterdir() if p.is_dir()):
        for task in sorted(p for p in suite.iterdir() if p.is_dir()):
            if (task / "test.jsonl").is_file():
                out.append((suite.name, task.name, task / "test.jsonl"))
    if not out:
        raise SystemExit(f"no <suite>/<task>/test.jsonl under {data}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--model", type=Path, default=ROOT / "models" / "all-MiniLM-L6-v2")
    ap.add_argument("--out", type=Path, default=ROOT / "Tests" / "Fixtures" / "tokenizer")
    args = ap.parse_args()

    full = Tokenizer.from_file(str(args.model / "tokenizer.json"))
    full.no_padding()
    full.no_truncation()
    trunc = Tokenizer.from_file(str(args.model / "tokenizer.json"))
    trunc.no_padding()
    trunc.enable_truncation(MAX_SEQ)
    unk_id = full.token_to_id("[UNK]")

    args.out.mkdir(parents=True, exist_ok=True)
    records = []  # (suite, task, line, text, ids) for every text, used for samples and stats
    n_texts = n_ids = n_long = 0
    for suite, task, path in test_files(args.data):
        texts = [json.loads(l)["text"] for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]
        lines = [f"# {suite}/{task}/test.jsonl: count fnv1a64(ids as u32 LE), "
                 f"tokenizers {tokenizers.__version__}, no truncation"]
        for i, text in enumerate(texts):
            ids = full.encode(text, add_special_tokens=True).ids
            row = f"{len(ids)} {fnv1a64(ids)}"
            if len(ids) > MAX_SEQ:
                t_ids = trunc.encode(text, add_special_tokens=True).ids
                assert len(t_ids) == MAX_SEQ and t_ids[-1] == ids[-1] and t_ids[:-1] == ids[:MAX_SEQ - 1]
                row += f" {fnv1a64(t_ids)}"
                n_long += 1
            lines.append(row)
            records.append((suite, task, i + 1, text, ids))
            n_texts += 1
            n_ids += len(ids)
        (args.out / f"{suite}__{task}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{suite}/{task}: {len(texts)} texts")

    # Samples: the most non-ASCII texts first, then evenly spaced texts per task.
    def non_ascii(r):
        return sum(ord(c) > 127 for c in r[3])
    chosen = sorted(range(len(records)), key=lambda k: (-non_ascii(records[k]), k))[:N_NON_ASCII]
    picked = set(chosen)
    tasks = sorted({(r[0], r[1]) for r in records})
    per_task = (N_SAMPLES - N_NON_ASCII) // len(tasks)
    for st in tasks:
        idx = [k for k, r in enumerate(records) if (r[0], r[1]) == st and k not in picked]
        for j in range(min(per_task, len(idx))):
            k = idx[j * len(idx) // per_task]
            chosen.append(k)
            picked.add(k)
    with open(args.out / "samples.jsonl", "w", encoding="utf-8") as f:
        for k in sorted(chosen):
            s, t, line, text, ids = records[k]
            f.write(json.dumps({"suite": s, "task": t, "line": line, "text": text, "ids": ids},
                               ensure_ascii=False) + "\n")

    n_unk = sum(1 for r in records if unk_id in r[4])
    n_empty = sum(1 for r in records if len(r[4]) == 2)
    longest = max(records, key=lambda r: len(r[4]))
    print(f"total: {n_texts} texts, {n_ids} ids, {n_long} texts over {MAX_SEQ} ids, "
          f"{n_unk} texts with [UNK], {n_empty} texts with no tokens, "
          f"longest {len(longest[4])} ids ({longest[0]}/{longest[1]} line {longest[2]})")
    print(f"samples.jsonl: {len(chosen)} texts")


if __name__ == "__main__":
    main()
