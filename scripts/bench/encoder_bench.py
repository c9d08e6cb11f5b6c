#!/usr/bin/env python3
"""Side-by-side encoder benchmark (`make bench-encoder`): moecl (Swift, fp32 and int8) vs onnxruntime (fp32 and
dynamically quantised int8) vs torch.

What: each engine turns texts into mean-pooled all-MiniLM-L6-v2 embeddings; the timing covers text in,
pooled embedding out (tokenization included). Cases, all real texts chosen deterministically:
  b1-short   batch 1, one moderation-en test text of 16 tokens ([CLS] and [SEP] included)
  b32-short  batch 32, moderation-en test texts of 10-30 tokens, evenly spaced over the suite
  b8-128     batch 8, mtl5 test texts cut to exactly 128 tokens: the first 126 wordpiece ids are
             decoded back to a string, kept only when that string tokenizes to exactly 128 ids
Engines:
  swift        <root>/.build/release/moecl bench encoder --texts FILE --batch B --warmup W --runs N
               --threads T (or --swift-bin); its last stdout line is JSON
               {"median_ms": x, "times_ms": [...], "tokens": total_tokens}
  swift-int8   the same with --precision int8
  onnxruntime  <root>/models/all-MiniLM-L6-v2/model.onnx (scripts/reference/export_onnx.py), intra-op
               threads T, inter-op 1, graph optimization ALL; padded to the longest text in the batch
  onnxruntime-int8  model.int8.onnx beside it, written once by onnxruntime.quantization.quantize_dynamic
               (weights QInt8 per tensor, activations quantised at run time: what a user of onnxruntime reaches
               for), same session options
  torch        transformers.AutoModel, torch.set_num_threads(T), inference_mode, masked mean pooling
The Python engines tokenize with tokenizers.Tokenizer (tokenizer.json, truncation 256, padding to the
longest; RAYON_NUM_THREADS defaults to T for its batch encoding). Per case, --rounds rounds of
[swift, onnxruntime, torch], each W warmup runs then N timed runs; an engine's result is the median of
its round medians. The Swift process gets the environment this script was started with, unchanged.

Run:   python3 scripts/bench/encoder_bench.py [--threads 2] [--warmup 3] [--runs 10] [--rounds 3]
           [--no-swift] [--swift-bin PATH] [--cases b1-short,b32-short,b8-128] [--data DIR] [--out FILE]
Writes: a Markdown table on stdout; <root>/bench-results/encoder.json (all times) and the case texts
        as <root>/bench-results/encoder-<case>.jsonl ({"text"} per line, the Swift engine's input).
"""
import os

ORIG_ENV = dict(os.environ)  # what the Swift engine gets, before RAYON_NUM_THREADS is set below

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "all-MiniLM-L6-v2"
MAX_SEQ = 256
ENGINES = ["swift", "swift-int8", "onnxruntime", "onnxruntime-int8", "torch"]


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cases", default="b1-short,b32-short,b8-128")
    ap.add_argument("--no-swift", action="store_true", help="run only the Python engines")
    ap.add_argument("--cases-only", action="store_true",
                    help="write the case texts (bench-results/encoder-<case>.jsonl) and exit (used by moe_bench.py)")
    ap.add_argument("--swift-bin", type=Path, default=ROOT / ".build" / "release" / "moecl")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "bench-results" / "encoder.json")
    return ap.parse_args()


ARGS = parse_args()
os.environ.setdefault("RAYON_NUM_THREADS", str(ARGS.threads))

import numpy as np  # noqa: E402  (after RAYON_NUM_THREADS)
import onnxruntime as ort  # noqa: E402
import tokenizers  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402


# ---- case texts -------------------------------------------------------------------------------

def test_texts(suite):
    """(task, line, text) of every test text of a suite, sorted task order, file order."""
    out = []
    for task in sorted(p for p in (ARGS.data / suite).iterdir() if p.is_dir()):
        for i, line in enumerate((task / "test.jsonl").read_text(encoding="utf-8").splitlines()):
            if line.strip():
                out.append((task.name, i + 1, json.loads(line)["text"]))
    if not out:
        raise SystemExit(f"encoder_bench: no test texts under {ARGS.data / suite}")
    return out


def evenly(items, k):
    if len(items) < k:
        raise SystemExit(f"encoder_bench: need {k} texts, found {len(items)}")
    return [items[j * len(items) // k] for j in range(k)]


def build_cases(tok):
    """{case: list of texts}; tok has no truncation and no padding."""
    count = lambda t: len(tok.encode(t).ids)
    mod = [(t, count(t)) for _, _, t in test_texts("moderation-en")]
    cases = {
        "b1-short": [next(t for t, n in mod if n == 16)],
        "b32-short": evenly([t for t, n in mod if 10 <= n <= 30], 32),
    }
    cut = []
    for _, _, text in test_texts("mtl5"):
        ids = tok.encode(text).ids
        if len(ids) < 128:
            continue
        s = tok.decode(ids[1:127])  # the first 126 wordpieces, without [CLS]/[SEP]
        if count(s) == 128:
            cut.append(s)
    cases["b8-128"] = evenly(cut, 8)
    return cases


# ---- engines ----------------------------------------------------------------------------------

def make_tokenizer():
    tok = Tokenizer.from_file(str(MODEL / "tokenizer.json"))
    tok.enable_truncation(MAX_SEQ)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest in the batch
    return tok


def encode(tok, texts):
    encs = tok.encode_batch(texts)
    ids = np.array([e.ids for e in encs], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
    return ids, mask, np.zeros_like(ids)


class OrtEngine:
    def __init__(self, threads, int8=False):
        path = MODEL / "model.onnx"
        if not path.is_file():
            raise SystemExit(f"encoder_bench: {path} not found; run python3 scripts/reference/export_onnx.py")
        if int8:
            quantised = MODEL / "model.int8.onnx"
            if not quantised.is_file():
                from onnxruntime.quantization import QuantType, quantize_dynamic
                quantize_dynamic(str(path), str(quantised), weight_type=QuantType.QInt8)
            path = quantised
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        self.tok = make_tokenizer()

    def __call__(self, texts):
        ids, mask, types = encode(self.tok, texts)
        h = self.sess.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
        m = mask[..., None].astype(np.float32)
        return (h * m).sum(1) / np.maximum(m.sum(1), 1e-9)


class TorchEngine:
    def __init__(self, threads):
        torch.set_num_threads(threads)
        self.model = transformers.AutoModel.from_pretrained(str(MODEL)).eval()
        self.tok = make_tokenizer()

    def __call__(self, texts):
        ids, mask, types = (torch.from_numpy(a) for a in encode(self.tok, texts))
        with torch.inference_mode():
            h = self.model(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state
            m = mask.unsqueeze(-1).to(h.dtype)
            return ((h * m).sum(1) / m.sum(1).clamp(min=1e-9)).numpy()


def time_python(engine, texts):
    for _ in range(ARGS.warmup):
        engine(texts)
    times = []
    for _ in range(ARGS.runs):
        t0 = time.perf_counter()
        engine(texts)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def time_swift(texts_file, batch, expected_tokens, precision="fp32"):
    cmd = [str(ARGS.swift_bin), "bench", "encoder", "--texts", str(texts_file), "--batch", str(batch),
           "--warmup", str(ARGS.warmup), "--runs", str(ARGS.runs), "--threads", str(ARGS.threads),
           "--precision", precision]
    p = subprocess.run(cmd, env=ORIG_ENV, cwd=ROOT, capture_output=True, text=True)
    lines = p.stdout.strip().splitlines()
    if p.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()[-2000:]}")
    res = json.loads(lines[-1])
    if res.get("tokens") != expected_tokens:
        print(f"encoder_bench: warning: swift counted {res.get('tokens')} tokens, expected {expected_tokens}",
              file=sys.stderr)
    extra = {k: v for k, v in res.items() if k not in ("median_ms", "times_ms", "tokens")}
    return [float(t) for t in res["times_ms"]], extra


# ---- main -------------------------------------------------------------------------------------

def main():
    engines = list(ENGINES)
    swift_note = None
    if ARGS.no_swift:
        engines.remove("swift")
        engines.remove("swift-int8")
    elif not (ARGS.swift_bin.is_file() and os.access(ARGS.swift_bin, os.X_OK)):
        swift_note = (f"Swift engine skipped: {ARGS.swift_bin} not found. Build it with "
                      f"`swift build -c release --product moecl`, pass --swift-bin PATH, or --no-swift.")
        print(f"encoder_bench: {swift_note}", file=sys.stderr)
        engines.remove("swift")
        engines.remove("swift-int8")

    plain = Tokenizer.from_file(str(MODEL / "tokenizer.json"))
    plain.no_padding()
    plain.no_truncation()
    wanted = [c.strip() for c in ARGS.cases.split(",") if c.strip()]
    all_cases = build_cases(plain)
    unknown = [c for c in wanted if c not in all_cases]
    if unknown:
        raise SystemExit(f"encoder_bench: unknown case(s) {unknown}; known: {list(all_cases)}")
    if ARGS.cases_only:
        ARGS.out.parent.mkdir(parents=True, exist_ok=True)
        for case in wanted:
            path = ARGS.out.parent.resolve() / f"encoder-{case}.jsonl"
            path.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in all_cases[case]),
                            encoding="utf-8")
            print(path)
        return
    py = {}
    if "onnxruntime" in engines:
        py["onnxruntime"] = OrtEngine(ARGS.threads)
    if "onnxruntime-int8" in engines:
        py["onnxruntime-int8"] = OrtEngine(ARGS.threads, int8=True)
    if "torch" in engines:
        py["torch"] = TorchEngine(ARGS.threads)

    ARGS.out.parent.mkdir(parents=True, exist_ok=True)
    results = {}
    for case in wanted:
        texts = all_cases[case]
        tokens = sum(min(len(plain.encode(t).ids), MAX_SEQ) for t in texts)
        texts_file = ARGS.out.parent.resolve() / f"encoder-{case}.jsonl"
        texts_file.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts),
                              encoding="utf-8")
        entry = {"batch": len(texts), "tokens": tokens, "texts_file": str(texts_file),
                 "engines": {e: {"round_medians_ms": [], "times_ms": []} for e in engines}}
        if "onnxruntime" in py and "torch" in py:
            a, b = py["onnxruntime"](texts), py["torch"](texts)
            entry["max_abs_diff_onnxruntime_torch"] = float(np.abs(a - b).max())
        for _ in range(ARGS.rounds):
            for e in engines:
                rec = entry["engines"][e]
                if rec.get("error"):
                    continue
                try:
                    if e.startswith("swift"):
                        precision = "int8" if e == "swift-int8" else "fp32"
                        times, extra = time_swift(texts_file, len(texts), tokens, precision)
                        rec.update(extra)  # e.g. the BLAS core it reports
                    else:
                        times = time_python(py[e], texts)
                except (RuntimeError, OSError, ValueError, KeyError) as err:
                    rec["error"] = str(err)
                    print(f"encoder_bench: {case}/{e} failed: {err}", file=sys.stderr)
                    continue
                rec["times_ms"].append(times)
                rec["round_medians_ms"].append(statistics.median(times))
        for e, rec in entry["engines"].items():
            if rec["round_medians_ms"]:
                rec["median_ms"] = statistics.median(rec["round_medians_ms"])
                rec["texts_per_s"] = len(texts) * 1000 / rec["median_ms"]
        ort_ms = entry["engines"].get("onnxruntime", {}).get("median_ms")
        ort8_ms = entry["engines"].get("onnxruntime-int8", {}).get("median_ms")
        for rec in entry["engines"].values():
            if ort_ms and rec.get("median_ms"):
                rec["throughput_vs_onnxruntime"] = ort_ms / rec["median_ms"]
            if ort8_ms and rec.get("median_ms"):
                rec["throughput_vs_onnxruntime_int8"] = ort8_ms / rec["median_ms"]
        results[case] = entry
        print(f"encoder_bench: {case} done ({len(texts)} texts, {tokens} tokens)", file=sys.stderr)

    report = {
        "threads": ARGS.threads, "warmup": ARGS.warmup, "runs": ARGS.runs, "rounds": ARGS.rounds,
        "host": {"machine": platform.machine(), "processor": platform.processor(), "cpus": os.cpu_count(),
                 "python": platform.python_version()},
        "versions": {"onnxruntime": ort.__version__, "torch": torch.__version__,
                     "transformers": transformers.__version__, "tokenizers": tokenizers.__version__},
        "swift_bin": None if "swift" not in engines else str(ARGS.swift_bin), "swift_note": swift_note,
        "cases": results,
    }
    ARGS.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")

    print(f"\nEncoder benchmark: {ARGS.threads} threads, {ARGS.rounds} rounds x ({ARGS.warmup} warmup + "
          f"{ARGS.runs} runs), median of round medians, tokenization included\n")
    print("| case | engine | median ms | texts/s | throughput vs onnxruntime | vs onnxruntime int8 |")
    print("|---|---|---:|---:|---:|---:|")
    for case, entry in results.items():
        for e, rec in entry["engines"].items():
            if "median_ms" in rec:
                ratio, ratio8 = rec.get("throughput_vs_onnxruntime"), rec.get("throughput_vs_onnxruntime_int8")
                print(f"| {case} | {e} | {rec['median_ms']:.2f} | {rec['texts_per_s']:.1f} | "
                      f"{'' if ratio is None else f'{ratio:.2f}x'} | {'' if ratio8 is None else f'{ratio8:.2f}x'} |")
            else:
                print(f"| {case} | {e} | failed | | | |")
    if swift_note:
        print(f"\n{swift_note}")
    print(f"\nwrote {ARGS.out}")


if __name__ == "__main__":
    main()
