#!/usr/bin/env python3
"""Exports all-MiniLM-L6-v2's BertModel to ONNX for the onnxruntime peer of the benchmarks.

What: loads transformers.AutoModel from the model folder (eval mode, eager attention) and runs
torch.onnx.export (TorchScript exporter, dynamo=False: the dynamo exporter needs onnxscript, which
the reference stack does not install) with inputs input_ids, attention_mask, token_type_ids (int64,
dynamic batch and sequence axes) and output last_hidden_state, opset 17, weights inside the file.
The export is skipped when model.onnx exists and is newer than model.safetensors (--force redoes it).
The new file is checked before it replaces model.onnx (an up-to-date one is checked too):
onnxruntime and torch on 3 texts (padded batch), mean-pooled, max abs diff printed; exits non-zero
when it is above 1e-4.

Run:   python3 scripts/reference/export_onnx.py [--model DIR] [--force]
Writes: <model>/model.onnx (default <root>/models/all-MiniLM-L6-v2/model.onnx, git-ignored)
"""
import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
import transformers

# The TorchScript exporter is deprecated in favour of dynamo (which needs onnxscript); it still works.
warnings.filterwarnings("ignore", message=".*legacy TorchScript-based ONNX export.*", category=DeprecationWarning)

ROOT = Path(__file__).resolve().parents[2]
OPSET = 17
TOLERANCE = 1e-4
CHECK_TEXTS = [
    "Hello world!",
    "Title: Akhtala Monastery\nText: Akhtala (Armenian: Ախթալայի վանք) is a 10th-century fortified monastery. 😂",
    "The quick brown fox jumps over the lazy dog, again and again, until the dog finally wakes up and "
    "chases it out of the garden and across the field.",
]


class LastHiddenState(torch.nn.Module):
    """BertModel returning only last_hidden_state, with positional inputs in the ONNX input order.

    The additive attention mask (0 for tokens, float32 min for padding, shape [batch, 1, 1, seq]) is
    built here, as BERT always did, instead of by transformers' mask helpers: same numbers, but the
    graph has no Range/Where/And mask-building ops (onnxruntime sees the plain BERT pattern)."""

    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids, attention_mask, token_type_ids):
        hidden = self.bert.embeddings(input_ids=input_ids, token_type_ids=token_type_ids)
        neg = torch.finfo(hidden.dtype).min
        additive = (1.0 - attention_mask[:, None, None, :].to(hidden.dtype)) * neg
        return self.bert.encoder(hidden, attention_mask=additive).last_hidden_state


def mean_pool(h, mask):
    m = mask[..., None].astype(np.float32)
    return (h * m).sum(1) / np.maximum(m.sum(1), 1e-9)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", type=Path, default=ROOT / "models" / "all-MiniLM-L6-v2")
    ap.add_argument("--force", action="store_true", help="export even when model.onnx is up to date")
    args = ap.parse_args()
    onnx_path = args.model / "model.onnx"
    weights = args.model / "model.safetensors"
    if not weights.is_file():
        sys.exit(f"export_onnx: {weights} not found; run scripts/setup.sh --model")

    bert = transformers.AutoModel.from_pretrained(str(args.model), attn_implementation="eager").eval()
    tok = transformers.AutoTokenizer.from_pretrained(str(args.model))

    if onnx_path.is_file() and onnx_path.stat().st_mtime > weights.stat().st_mtime and not args.force:
        print(f"export_onnx: {onnx_path} is up to date, not exporting")
        check(onnx_path, bert, tok)
        return
    # eval() on the wrapper too: after exporting, torch.onnx.export puts the module back in the
    # mode it found it in, and a fresh nn.Module is in training mode (dropout on).
    wrapped = LastHiddenState(bert).eval()
    enc = tok(CHECK_TEXTS[:2], padding=True, return_tensors="pt")
    example = (enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
    with torch.inference_mode():
        assert torch.allclose(wrapped(*example), bert(**enc).last_hidden_state, atol=1e-5)
    dyn = {0: "batch", 1: "sequence"}
    tmp = onnx_path.with_name(onnx_path.name + ".tmp")
    with torch.inference_mode():
        torch.onnx.export(
            wrapped, example, str(tmp), dynamo=False, opset_version=OPSET, do_constant_folding=True,
            input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": dyn, "attention_mask": dyn, "token_type_ids": dyn, "last_hidden_state": dyn})
    try:
        check(tmp, bert, tok)
    except SystemExit:
        tmp.unlink()
        raise
    tmp.replace(onnx_path)
    print(f"export_onnx: wrote {onnx_path} ({onnx_path.stat().st_size / 2**20:.1f} MiB, opset {OPSET}, "
          f"torch {torch.__version__})")


def check(path, bert, tok):
    """onnxruntime vs torch, mean-pooled, on CHECK_TEXTS padded to one batch; exits when too far apart."""
    enc = tok(CHECK_TEXTS, padding=True, return_tensors="np")
    feeds = {k: enc[k].astype(np.int64) for k in ("input_ids", "attention_mask", "token_type_ids")}
    bert.eval()
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    h_ort = sess.run(["last_hidden_state"], feeds)[0]
    with torch.inference_mode():
        h_pt = bert(**{k: torch.from_numpy(v) for k, v in feeds.items()}).last_hidden_state.numpy()
    mask = feeds["attention_mask"]
    diff = float(np.abs(mean_pool(h_ort, mask) - mean_pool(h_pt, mask)).max())
    print(f"export_onnx: onnxruntime {ort.__version__} vs torch on {len(CHECK_TEXTS)} texts "
          f"(shape {list(h_ort.shape)}): max abs diff of mean-pooled output {diff:.3g}")
    if not diff <= TOLERANCE:
        sys.exit(f"export_onnx: max abs diff {diff:.3g} > {TOLERANCE}; the export is wrong")

if __name__ == "__main__":
    main()
