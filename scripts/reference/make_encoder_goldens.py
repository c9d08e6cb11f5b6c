#!/usr/bin/env python3
"""Encoder goldens for moecl: mean-pooled, UNnormalized all-MiniLM-L6-v2 embeddings of 256 real texts.

What: picks 256 texts deterministically from the test splits of <data>/<suite>/<task>/test.jsonl:
  - 48 texts longer than the 256-token limit (so the encoder sees exactly 256 tokens): all those
    not from yelp (10), then yelp texts evenly spaced,
  - 12 texts with the most emoji and 12 with the most non-Latin letters,
  - the rest in equal shares from six token-count bins (up to 16, 32, 64, 128, 192, 256 ids),
    evenly spaced over each bin sorted by count (so the shortest text of all is included).
It runs them through sentence-transformers with only modules 0 (Transformer, max_seq_length 256)
and 1 (mean Pooling); module 2 (Normalize) is left out, because encode(normalize_embeddings=False)
on the full model still runs it. Batches of 32 in texts.jsonl order. As a sanity check the same
batches go through transformers.AutoModel + masked mean pooling; both must agree to 1e-6.

Run:   python3 scripts/reference/make_encoder_goldens.py [--data DIR] [--model DIR] [--out DIR]
       (defaults: <root>/../shared/data, <root>/models/all-MiniLM-L6-v2, <root>/Tests/Fixtures/encoder)

Writes:
  <out>/texts.jsonl               {"text","tokens","suite","task","line"} per text (tokens: id count
                                  after truncation to 256, [CLS] and [SEP] included; line: 1-based)
  <out>/embeddings.safetensors    F32 tensor "pooled" [256, 384], row i = texts.jsonl line i+1;
                                  __metadata__: model sha256 and library versions.
"""
import argparse
import hashlib
import json
import unicodedata
from pathlib import Path

import numpy as np
import safetensors
import sentence_transformers
import tokenizers
import torch
import transformers
from safetensors.numpy import save_file
from sentence_transformers import SentenceTransformer
from tokenizers import Tokenizer

ROOT = Path(__file__).resolve().parents[2]
N_TEXTS, N_LONG, N_EMOJI, N_SCRIPT = 256, 48, 12, 12
MAX_SEQ, BATCH = 256, 32
BINS = [(0, 16), (16, 32), (32, 64), (64, 128), (128, 192), (192, MAX_SEQ)]


def is_emoji(c):
    o = ord(c)
    return o >= 0x1F000 or 0x2600 <= o <= 0x27BF


def is_non_latin_letter(c):
    return ord(c) > 0x24F and unicodedata.category(c).startswith("L")


def load_records(data, tok):
    """Every test text as dict(suite, task, line, text, n) with n = untruncated id count."""
    recs = []
    for suite in sorted(p for p in data.iterdir() if p.is_dir()):
        for task in sorted(p for p in suite.iterdir() if p.is_dir()):
            path = task / "test.jsonl"
            if not path.is_file():
                continue
            for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
                if line.strip():
                    text = json.loads(line)["text"]
                    recs.append(dict(suite=suite.name, task=task.name, line=i + 1, text=text,
                                     n=len(tok.encode(text).ids)))
    if not recs:
        raise SystemExit(f"no <suite>/<task>/test.jsonl under {data}")
    return recs


def evenly(items, k):
    """k items evenly spaced over the list (all of them when k >= len)."""
    if k >= len(items):
        return list(items)
    return [items[j * len(items) // k] for j in range(k)]


def choose(recs):
    chosen = []  # indices into recs
    def take(indices):
        for k in indices:
            if k not in chosen:
                chosen.append(k)

    # Long texts: all those from tasks other than yelp first (10), then yelp evenly spaced.
    long_ = [k for k, r in enumerate(recs) if r["n"] > MAX_SEQ]
    non_yelp = [k for k in long_ if recs[k]["task"] != "yelp"][:N_LONG]
    take(non_yelp)
    take(evenly([k for k in long_ if k not in non_yelp], N_LONG - len(non_yelp)))
    # Emoji and non-Latin scripts.
    def top(score, n):
        scored = [(-score(r["text"]), k) for k, r in enumerate(recs) if score(r["text"]) > 0 and k not in chosen]
        return [k for _, k in sorted(scored)[:n]]
    take(top(lambda t: sum(map(is_emoji, t)), N_EMOJI))
    take(top(lambda t: sum(map(is_non_latin_letter, t)), N_SCRIPT))
    # Fill: equal shares of six token-count bins, evenly spaced over each bin sorted by count.
    left = N_TEXTS - len(chosen)
    for j, (lo, hi) in enumerate(BINS):
        want = left // len(BINS) + (1 if j < left % len(BINS) else 0)
        pool = sorted((r["n"], k) for k, r in enumerate(recs) if lo < r["n"] <= hi and k not in chosen)
        take([k for _, k in evenly(pool, want)])
    assert len(chosen) == N_TEXTS, len(chosen)
    return sorted(chosen)


def sort_header(path):
    """Rewrites a safetensors header with sorted keys, same length: save_file writes __metadata__
    in hash-map order, which changes from run to run; sorted, the file is byte-for-byte reproducible."""
    with open(path, "r+b") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.dumps(json.loads(f.read(n)), sort_keys=True, separators=(",", ":")).encode()
        assert len(header) <= n, "sorted header is longer than the original"
        f.seek(8)
        f.write(header.ljust(n, b" "))


def hf_pooled(model, hf_tok, texts):
    enc = hf_tok(texts, padding=True, truncation=True, max_length=MAX_SEQ, return_tensors="pt")
    with torch.inference_mode():
        h = model(**enc).last_hidden_state
    m = enc["attention_mask"].unsqueeze(-1).to(h.dtype)
    return ((h * m).sum(1) / m.sum(1).clamp(min=1e-9)).numpy()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--model", type=Path, default=ROOT / "models" / "all-MiniLM-L6-v2")
    ap.add_argument("--out", type=Path, default=ROOT / "Tests" / "Fixtures" / "encoder")
    args = ap.parse_args()

    tok = Tokenizer.from_file(str(args.model / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    recs = load_records(args.data, tok)
    sel = [recs[k] for k in choose(recs)]
    texts = [r["text"] for r in sel]
    tok.enable_truncation(MAX_SEQ)
    tokens = [len(tok.encode(t).ids) for t in texts]

    full = SentenceTransformer(str(args.model), device="cpu")
    assert full.max_seq_length == MAX_SEQ, full.max_seq_length
    st = SentenceTransformer(modules=[full[0], full[1]], device="cpu")  # no Normalize
    st.eval()
    hf = transformers.AutoModel.from_pretrained(str(args.model)).eval()
    hf_tok = transformers.AutoTokenizer.from_pretrained(str(args.model))

    pooled, diff = [], 0.0
    for b in range(0, len(texts), BATCH):
        batch = texts[b:b + BATCH]
        e = st.encode(batch, batch_size=BATCH, convert_to_numpy=True).astype(np.float32)
        ref = hf_pooled(hf, hf_tok, batch)
        diff = max(diff, float(np.abs(e - ref).max()))
        pooled.append(e)
    pooled = np.ascontiguousarray(np.concatenate(pooled), dtype=np.float32)
    assert pooled.shape == (N_TEXTS, 384), pooled.shape
    norms = np.linalg.norm(pooled, axis=1)
    assert not np.allclose(norms, 1.0, atol=1e-3), "embeddings look normalized"
    assert diff <= 1e-6, f"sentence-transformers vs AutoModel max abs diff {diff:.3g} > 1e-6"
    normed = full.encode(texts[:BATCH], batch_size=BATCH, convert_to_numpy=True)
    unit = pooled[:BATCH] / norms[:BATCH, None]
    assert np.abs(normed - unit).max() < 1e-5, "pooled / norm does not match the full model's output"

    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "texts.jsonl", "w", encoding="utf-8") as f:
        for r, n in zip(sel, tokens):
            f.write(json.dumps({"text": r["text"], "tokens": n, "suite": r["suite"], "task": r["task"],
                                "line": r["line"]}, ensure_ascii=False) + "\n")
    sha = hashlib.sha256((args.model / "model.safetensors").read_bytes()).hexdigest()
    meta = {
        "model": "sentence-transformers/all-MiniLM-L6-v2", "model_sha256": sha,
        "pooling": "mean over attention mask, not normalized", "max_seq_length": str(MAX_SEQ),
        "batch_size": str(BATCH), "rows": "texts.jsonl line order",
        "torch": torch.__version__, "sentence_transformers": sentence_transformers.__version__,
        "transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
        "safetensors": safetensors.__version__,
    }
    save_file({"pooled": pooled}, str(args.out / "embeddings.safetensors"), metadata=meta)
    sort_header(args.out / "embeddings.safetensors")

    print(f"{len(texts)} texts, {sum(tokens)} tokens after truncation, "
          f"{sum(t == MAX_SEQ for t in tokens)} at the {MAX_SEQ} limit, min {min(tokens)}, max {max(tokens)}")
    print(f"tasks: " + ", ".join(f"{s}/{t}={sum((r['suite'], r['task']) == (s, t) for r in sel)}"
                                 for s, t in sorted({(r['suite'], r['task']) for r in sel})))
    print(f"norms {norms.min():.3f}..{norms.max():.3f}; sentence-transformers vs AutoModel max abs diff {diff:.3g}")


if __name__ == "__main__":
    main()
