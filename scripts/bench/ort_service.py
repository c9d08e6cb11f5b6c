#!/usr/bin/env python3
"""The peer service of `make bench-service`: what a user would build instead of moecl. FastAPI + uvicorn (one
worker), onnxruntime on all-MiniLM-L6-v2 (fp32 model.onnx, or model.int8.onnx from quantize_dynamic), mean pooling
and a linear head per task, with asyncio micro-batching: requests wait at most --max-wait-ms for others, up to
--max-batch texts per onnxruntime call, which runs in a worker thread.

POST /v1/classify {"task": T, "text": S} -> {"results": [{"task", "scores": {label: p}, "label"}]}

    python3 scripts/bench/ort_service.py --port P [--int8] [--threads 2] [--max-batch 32] [--max-wait-ms 2]
"""
import argparse, asyncio, json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from tokenizers import Tokenizer

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "all-MiniLM-L6-v2"
ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--int8", action="store_true")
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--max-batch", type=int, default=32)
ap.add_argument("--max-wait-ms", type=float, default=2.0)
ap.add_argument("--tasks", default="youtube-spam,tweeteval-hate,sms-spam,clickbait,tweeteval-offensive")
args = ap.parse_args()

options = ort.SessionOptions()
options.intra_op_num_threads = args.threads
options.inter_op_num_threads = 1
options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
session = ort.InferenceSession(str(MODEL / ("model.int8.onnx" if args.int8 else "model.onnx")), options,
                               providers=["CPUExecutionProvider"])
tokenizer = Tokenizer.from_file(str(MODEL / "tokenizer.json"))
tokenizer.enable_truncation(256)
tokenizer.enable_padding()
# A linear head per task (fixed random weights: the head's cost is what matters here, not its answers).
rng = np.random.default_rng(1)
heads = {t: (rng.normal(0, 0.1, (384, 2)).astype(np.float32), np.zeros(2, np.float32)) for t in args.tasks.split(",")}


def embed(texts):
    encodings = tokenizer.encode_batch(texts)
    ids = np.array([e.ids for e in encodings], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
    hidden = session.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask,
                                                 "token_type_ids": np.zeros_like(ids)})[0]
    m = mask[..., None].astype(np.float32)
    return (hidden * m).sum(1) / np.maximum(m.sum(1), 1e-9)


queue: asyncio.Queue = asyncio.Queue()


async def batcher():
    loop = asyncio.get_running_loop()
    while True:
        items = [await queue.get()]
        deadline = loop.time() + args.max_wait_ms / 1000
        while len(items) < args.max_batch:
            timeout = deadline - loop.time()
            if timeout <= 0:
                break
            try:
                items.append(await asyncio.wait_for(queue.get(), timeout))
            except asyncio.TimeoutError:
                break
        vectors = await loop.run_in_executor(None, embed, [text for text, _, _ in items])
        for vector, (_, task, future) in zip(vectors, items):
            w, b = heads[task]
            logits = vector @ w + b
            p = np.exp(logits - logits.max())
            future.set_result(p / p.sum())


app = FastAPI()


@app.on_event("startup")
async def start():
    asyncio.create_task(batcher())


@app.post("/v1/classify")
async def classify(request: Request):
    body = json.loads(await request.body())
    task = body.get("task")
    if task not in heads or not isinstance(body.get("text"), str):
        return JSONResponse({"error": "unknown task or missing text"}, status_code=422)
    future = asyncio.get_running_loop().create_future()
    await queue.put((body["text"], task, future))
    p = await future
    scores = {"compliant": float(p[0]), "violating": float(p[1])}
    return {"results": [{"task": task, "scores": scores, "label": max(scores, key=scores.get)}]}


@app.get("/readyz")
async def ready():
    return {"status": "ok"}


uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", workers=1)
