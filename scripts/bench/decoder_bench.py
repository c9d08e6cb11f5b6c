#!/usr/bin/env python3
"""Side-by-side decoder benchmark (`make bench-decoder`): moecl (Swift, fp32 and int8) vs torch (fp32) vs
llama.cpp, SmolLM2-135M.

What: each engine turns texts into the last token's final hidden state of SmolLM2-135M-Instruct (the GGUF file,
dequantised to float32 once at load by both); the timing covers text in, hidden states out (tokenization
included). Cases: the texts of make bench-encoder's cases (bench-results/encoder-<case>.jsonl, written by
scripts/bench/encoder_bench.py --cases-only):
  b1-short   batch 1, one moderation-en test text
  b32-short  batch 32, moderation-en test texts evenly spaced over the suite
Engines:
  swift  <root>/.build/release/moecl bench decoder --texts FILE --batch B --warmup W --runs N --threads T;
         sequences packed without padding
  swift-int8  the same with --precision int8 (projections quantised at load to moecl's int8 blocks)
  torch  transformers LlamaForCausalLM.from_pretrained(<gguf dir>, gguf_file=..., torch_dtype=float32).model,
         torch.set_num_threads(T), inference_mode, right padding with an attention mask; tokenizer: the one
         transformers builds from the same GGUF
  llama.cpp  llama-cpp-python (scripts/bench/install_llama_cpp.sh builds it from source, GGML_NATIVE) on the same
         GGUF file with its own quantised kernels (Q4_1, Q8_0), n_threads T: prompt processing of the same ids
         (transformers' tokenizer), one sequence after another (reset, eval), as its Python API runs them; it
         also computes the last token's logits. Skipped when llama_cpp does not import (--no-llama-cpp).
Per case, --rounds rounds of [swift, swift-int8, torch, llama.cpp], each W warmup runs then N timed runs; an engine's
result is the median of its round medians.

Run:   python3 scripts/bench/decoder_bench.py [--threads 2] [--warmup 2] [--runs 10] [--rounds 3]
Writes: a Markdown table on stdout and <root>/bench-results/decoder.json.
"""
import argparse, json, platform, statistics, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GGUF_DIR = ROOT / "models" / "SmolLM2-135M-Instruct"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def cpu():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cases", default="b1-short,b32-short")
    ap.add_argument("--swift-bin", type=Path, default=ROOT / ".build" / "release" / "moecl")
    ap.add_argument("--out", type=Path, default=ROOT / "bench-results" / "decoder.json")
    ap.add_argument("--no-llama-cpp", action="store_true")
    args = ap.parse_args()
    import torch
    from transformers import AutoTokenizer, LlamaForCausalLM
    torch.set_num_threads(args.threads)
    subprocess.run([sys.executable, str(ROOT / "scripts/bench/encoder_bench.py"), "--cases-only"], check=True,
                   stdout=subprocess.DEVNULL)
    tok = AutoTokenizer.from_pretrained(str(GGUF_DIR), gguf_file=GGUF_FILE)
    tok.pad_token_id = 2
    model = LlamaForCausalLM.from_pretrained(str(GGUF_DIR), gguf_file=GGUF_FILE, torch_dtype=torch.float32).model
    model.eval()
    llm = None
    if not args.no_llama_cpp:
        try:
            import llama_cpp
            llm = llama_cpp.Llama(model_path=str(GGUF_DIR / GGUF_FILE), n_ctx=512, n_batch=512, n_threads=args.threads,
                                  n_threads_batch=args.threads, verbose=False)
        except ImportError:
            print("llama_cpp does not import: run scripts/bench/install_llama_cpp.sh (skipping it)", file=sys.stderr)
    results = {}
    for case in args.cases.split(","):
        path = ROOT / "bench-results" / f"encoder-{case}.jsonl"
        texts = [json.loads(l)["text"] for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]
        batch = len(texts)
        swift_medians, int8_medians, torch_medians, llama_medians = [], [], [], []

        def llama_once():
            for ids in tok(texts, truncation=True, max_length=256)["input_ids"]:
                llm.reset()
                llm.eval(ids or [2])

        def timed(fn):
            for _ in range(args.warmup):
                fn()
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                fn()
                times.append((time.perf_counter() - start) * 1e3)
            return statistics.median(times)

        def torch_once():
            enc = tok(texts, return_tensors="pt", padding=True, truncation=True, max_length=256)
            with torch.inference_mode():
                out = model(**enc).last_hidden_state
                lengths = enc["attention_mask"].sum(1) - 1
                return out[torch.arange(out.shape[0]), lengths]

        for _ in range(args.rounds):
            for precision, medians in (("fp32", swift_medians), ("int8", int8_medians)):
                cmd = [str(args.swift_bin), "bench", "decoder", "--gguf", str(GGUF_DIR / GGUF_FILE), "--texts",
                       str(path), "--batch", str(batch), "--warmup", str(args.warmup), "--runs", str(args.runs),
                       "--threads", str(args.threads), "--precision", precision]
                line = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
                swift = json.loads(line)
                medians.append(swift["median_ms"])
            torch_medians.append(timed(torch_once))
            if llm is not None:
                llama_medians.append(timed(llama_once))
        results[case] = {"batch": batch, "tokens": swift["tokens"], "swift_ms": statistics.median(swift_medians),
                         "swift_int8_ms": statistics.median(int8_medians), "swift_int8_rounds": int8_medians,
                         "torch_ms": statistics.median(torch_medians), "swift_rounds": swift_medians,
                         "torch_rounds": torch_medians, "core": swift["core"],
                         "llama_cpp_ms": statistics.median(llama_medians) if llama_medians else None,
                         "llama_cpp_rounds": llama_medians}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"cpu": cpu(), "threads": args.threads, "results": results}, indent=1) + "\n")
    print(f"CPU: {cpu()}, {args.threads} threads, medians of {args.rounds} rounds x {args.runs} runs\n")
    print("| case | tokens | moecl fp32 ms | moecl int8 ms | torch fp32 ms | llama.cpp (Q4_1 file) ms | "
          "moecl fp32 / torch | moecl fp32 / llama.cpp | moecl int8 / llama.cpp |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for case, r in results.items():
        lc = r["llama_cpp_ms"]
        lc_ms = "—" if lc is None else f"{lc:.1f}"
        lc_ratio = "—" if lc is None else f"{lc / r['swift_ms']:.2f}x"
        lc_int8 = "—" if lc is None else f"{lc / r['swift_int8_ms']:.2f}x"
        print(f"| {case} | {r['tokens']} | {r['swift_ms']:.1f} | {r['swift_int8_ms']:.1f} | {r['torch_ms']:.1f} | "
              f"{lc_ms} | {r['torch_ms'] / r['swift_ms']:.2f}x | {lc_ratio} | {lc_int8} |")
    print("\nratios are speed (the peer's time / moecl's)")


if __name__ == "__main__":
    main()
