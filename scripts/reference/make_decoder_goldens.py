#!/usr/bin/env python3
"""Decoder goldens: transformers' LlamaForCausalLM loaded from the SmolLM2 GGUF file, in float32, on 200 real
texts (Tests/Fixtures/decoder/, see Tests/Fixtures/README.md).

Texts: 40 evenly spaced lines of each moderation-en task's test.jsonl (sorted tasks), tokenized by the tokenizer
transformers builds from the same GGUF, ids cut to the first 64. Each text runs alone (batch 1, no padding).
Writes:
  smollm2.jsonl    per text {"suite","task","line","ids","argmax","logit_min","logit_max","top_ids","top_logits"}
                   (the 32 largest next-token logits at the last token)
  smollm2-last.f32 the final hidden states (after the final norm) at each text's last token, 576 float32 per
                   text, little-endian, in jsonl order

    python3 scripts/reference/make_decoder_goldens.py [--data DIR]
"""
import argparse, json
from pathlib import Path

import numpy as np
import torch
from transformers import AutoTokenizer, LlamaForCausalLM

ROOT = Path(__file__).resolve().parents[2]
GGUF_DIR = ROOT / "models" / "SmolLM2-135M-Instruct"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
PER_TASK, MAX_IDS, TOP = 40, 64, 32


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "Tests" / "Fixtures" / "decoder")
    args = ap.parse_args()
    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(str(GGUF_DIR), gguf_file=GGUF_FILE)
    model = LlamaForCausalLM.from_pretrained(str(GGUF_DIR), gguf_file=GGUF_FILE, torch_dtype=torch.float32)
    model.eval()
    args.out.mkdir(parents=True, exist_ok=True)
    suite = args.data / "moderation-en"
    records, hidden = [], []
    for task in sorted(p for p in suite.iterdir() if (p / "test.jsonl").is_file()):
        lines = [l for l in (task / "test.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
        for j in range(PER_TASK):
            k = j * len(lines) // PER_TASK
            ids = tok(json.loads(lines[k])["text"])["input_ids"][:MAX_IDS]
            if not ids:
                continue
            with torch.no_grad():
                out = model(torch.tensor([ids]), output_hidden_states=True)
            last = out.hidden_states[-1][0, -1].numpy().astype(np.float32)
            logits = out.logits[0, -1].numpy().astype(np.float32)
            top = np.argsort(-logits, kind="stable")[:TOP]
            records.append({"suite": "moderation-en", "task": task.name, "line": k + 1, "ids": ids,
                            "argmax": int(np.argmax(logits)), "logit_min": float(logits.min()),
                            "logit_max": float(logits.max()), "top_ids": [int(i) for i in top],
                            "top_logits": [float(logits[i]) for i in top]})
            hidden.append(last)
    with open(args.out / "smollm2.jsonl", "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    np.stack(hidden).astype("<f4").tofile(args.out / "smollm2-last.f32")
    print(f"{len(records)} texts, {sum(len(r['ids']) for r in records)} ids")


if __name__ == "__main__":
    main()
