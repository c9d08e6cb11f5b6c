#!/usr/bin/env python3
"""Training-step benchmark (`make bench-train`, `make bench-train-decoder`): MoE-CL training, moecl vs PyTorch.

What (--base minilm, the default): one training step = forward, backward and an AdamW update of MoE-CL on a
frozen all-MiniLM-L6-v2 encoder, on one batch of B labelled texts (labels 0,1,0,1,... by position) plus R
unlabelled "replay" texts of an older task, truncated to --max-tokens (128). Cases `b<B>+r<R>`, default b32+r8 and b8+r0. The texts are the first
B+R lines of <data>/moderation-en/tweeteval-hate/train.jsonl (fallback when <data> is absent: the b32-short
texts of encoder_bench.py, bench-results/encoder-b32-short.jsonl, repeated cyclically if too few), written to
bench-results/train-texts.jsonl.
  swift  <root>/.build/release/moecl bench train --texts FILE --batch B --replay R --max-tokens 128
         --warmup W --steps N --threads T --adversarial-weight 0.1; one process per round, its last stdout
         line is JSON {"examples", "replay", "tokens", "step_ms": [...], "median_ms"}. Sequences are packed
         without padding; the texts are tokenised once, before the timed steps.
  torch  the same step in PyTorch (float32, torch.set_num_threads(T)): transformers.AutoModel (eval mode, so
         BERT's own dropout is off), all base weights frozen, and in each of the 6 layers the FFN replaced by
         the MoE-CL FFN: a shared and a task LoRA expert (rank 8, alpha 16, PEFT-style input dropout 0.05, one
         dropout draw per expert and projection) on both FFN projections, a softmax gate G [2, d] (no bias),
             u_e = W1 x + b1 + s B1_e A1_e drop(x),  h_e = GELU(u_e) (erf),  g = softmax(G x),
             y = W2 (g0 h_0 + g1 h_t) + b2 + s (g0 B2_0 A2_0 drop(h_0) + g1 B2_t A2_t drop(h_t)),
             out = LayerNorm(x + y);
         replay rows use a frozen older task expert in slot 1. Head: masked mean pooling of the last hidden
         state, linear 2-class head, cross-entropy over the B labelled sequences. Per layer a discriminator
         D_l [8, d] + bias on the masked mean over tokens of the shared expert's FFN output
         y_0 = W2 h_0 + b2 + s B2_0 A2_0 drop(h_0) of every sequence (task id 1 labelled, 0 replay), through a
         gradient-reversal function; loss = CE_task + 0.1 * mean over layers of mean over sequences of CE_disc.
         The mean of y_0 is computed as W2 mean(h_0) + b2 + s B2_0 mean(A2_0 drop(h_0)) (y_0 is linear in
         h_0, the same arithmetic as the Swift side). Trainable: shared expert, current task expert, gates,
         discriminators, current head; AdamW(lr 2e-4, wd 0.01, betas 0.9/0.999, eps 1e-8); zero_grad, forward,
         backward and the update are timed. The batch is padded to its longest sequence with an attention mask
         (tokenised once, before the rounds, with tokenizers, truncation --max-tokens).

--base smollm2: the same step on the decoder SmolLM2-135M-Instruct (--gguf, default
<root>/models/SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf; 30 blocks, d 576, f 1536). Cases default
b8+r0 and b16+r4; same texts, written to bench-results/train-smollm2-texts.jsonl. Every text is framed by the
prompt template "Comment: {text}\\nAnswer:" (no BOS token) and cut to --max-tokens keeping the template's end
"\\nAnswer:" whole: a framed text longer than the limit becomes tokens(prefix + text)[:max - len(tail)] + tail,
tail = tokens("\\nAnswer:").
  swift  <root>/.build/release/moecl bench train --model <gguf> --texts FILE --batch B --replay R
         --max-tokens 128 --warmup W --steps N --threads T --adversarial-weight 0.1 (JSON line as above;
         "tokens" = real tokens of the batch).
  torch  LlamaForCausalLM.from_pretrained(<gguf dir>, gguf_file=..., torch_dtype=float32).model (the GGUF
         dequantised to float32, as decoder_bench.py builds it), eval mode, all base weights frozen, called
         with use_cache=False; tokenizer: transformers.AutoTokenizer from the same GGUF, no special tokens
         added, framing and cut as above, right padding to the longest sequence with an attention mask. In each
         of the 30 blocks the MLP (on x = post_attention_layernorm output; the block adds the residual) is
         replaced by the MoE-CL gated-unit FFN: a shared and a task LoRA expert (rank 8, alpha 16, s = 2, input
         dropout 0.05, one draw per expert and projection) on gate_proj (W1), up_proj (W3) and down_proj (W2),
         a softmax gate G [2, d] (no bias),
             u_e = W1 x + s B1_e A1_e drop(x),  v_e = W3 x + s B3_e A3_e drop(x),  h_e = silu(u_e) * v_e,
             g = softmax(G x),
             y = W2 (g0 h_0 + g1 h_t) + s (g0 B2_0 A2_0 drop(h_0) + g1 B2_t A2_t drop(h_t));
         replay rows use a frozen older task expert in slot 1. Head: linear 2-class head on the last real
         token's final hidden state (after the model's final RMSNorm), cross-entropy over the B labelled
         sequences. Per layer a discriminator D_l [8, d] + bias on the mean over each sequence's real tokens of
         the shared expert's FFN output y_0 = W2 h_0 + s B2_0 A2_0 drop(h_0), computed as
         W2 mean(h_0) + s B2_0 mean(A2_0 drop(h_0)), through gradient reversal; loss = CE_task + 0.1 * mean
         over layers of mean over sequences of CE_disc. Trainable, optimiser and what is timed (zero_grad,
         forward, backward, AdamW update) as above. The real-token counts of both sides are checked equal
         (a warning when not).
Each round runs one Swift process (W warm-up + N timed steps), then the torch side (W warm-up + N timed steps;
the torch model is built once before all rounds). A side's figure is the median of its round medians (each
the median of its N steps). examples/s = B / step time; tokens/s counts real tokens only (no padding);
ratio = torch ms / moecl ms (> 1: moecl faster). The Swift process gets this script's environment unchanged.

Run:    python3 scripts/bench/train_bench.py [--base minilm|smollm2] [--threads 2] [--warmup 2] [--steps 10]
            [--rounds 3] [--cases b32+r8,b8+r0] [--max-tokens 128] [--no-swift] [--swift-bin PATH] [--data DIR]
            [--gguf FILE] [--out FILE]
Writes: a Markdown table on stdout; <root>/bench-results/train.json (all step times and round medians) and
        <root>/bench-results/train-texts.jsonl (the texts, the Swift side's input); with --base smollm2
        bench-results/train-smollm2.json and bench-results/train-smollm2-texts.jsonl (beside --out).
"""
import argparse
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "all-MiniLM-L6-v2"
GGUF = ROOT / "models" / "SmolLM2-135M-Instruct" / "SmolLM2-135M-Instruct.Q4_1.gguf"
PROMPT_PREFIX, PROMPT_SUFFIX = "Comment: ", "\nAnswer:"  # moecl's PromptTemplate.moderation
DEFAULT_CASES = {"minilm": "b32+r8,b8+r0", "smollm2": "b8+r0,b16+r4"}
SUITE_TASK = ("moderation-en", "tweeteval-hate")
RANK, ALPHA, LORA_DROPOUT = 8, 16, 0.05
DISC_CLASSES, ADV_WEIGHT = 8, 0.1
LR, WEIGHT_DECAY, BETAS, EPS = 2e-4, 0.01, (0.9, 0.999), 1e-8


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", choices=sorted(DEFAULT_CASES), default="minilm",
                    help="minilm: all-MiniLM-L6-v2 encoder; smollm2: the SmolLM2-135M-Instruct decoder (--gguf)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cases", default=None,
                    help="comma-separated b<B>+r<R> (default b32+r8,b8+r0; smollm2: b8+r0,b16+r4)")
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--no-swift", action="store_true", help="run only the torch side")
    ap.add_argument("--swift-bin", type=Path, default=ROOT / ".build" / "release" / "moecl")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--gguf", type=Path, default=GGUF, help="the decoder's GGUF file (--base smollm2)")
    ap.add_argument("--out", type=Path, default=None,
                    help="default bench-results/train.json (smollm2: bench-results/train-smollm2.json)")
    args = ap.parse_args()
    if args.cases is None:
        args.cases = DEFAULT_CASES[args.base]
    if args.out is None:
        args.out = ROOT / "bench-results" / ("train.json" if args.base == "minilm" else "train-smollm2.json")
    if min(args.threads, args.steps, args.rounds) < 1 or args.warmup < 0:
        ap.error("--threads, --steps and --rounds must be >= 1, --warmup >= 0")
    return args


ARGS = parse_args()

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import tokenizers  # noqa: E402
import transformers  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402


def parse_case(case):
    m = re.fullmatch(r"b(\d+)\+r(\d+)", case)
    if not m or int(m.group(1)) < 1:
        raise SystemExit(f"train_bench: bad case {case!r}; expected b<B>+r<R> with B >= 1, e.g. b32+r8")
    return int(m.group(1)), int(m.group(2))


# ---- texts ------------------------------------------------------------------------------------

def load_texts(count):
    """(texts, source): the first `count` texts of tweeteval-hate train, or the encoder_bench fallback."""
    path = ARGS.data.joinpath(*SUITE_TASK, "train.jsonl")
    if path.is_file():
        texts = []
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    texts.append(json.loads(line)["text"])
                    if len(texts) == count:
                        break
        if len(texts) < count:
            raise SystemExit(f"train_bench: {path} has {len(texts)} texts, {count} needed")
        return texts, str(path)
    fallback = ROOT / "bench-results" / "encoder-b32-short.jsonl"
    if not fallback.is_file():
        p = subprocess.run([sys.executable, str(ROOT / "scripts/bench/encoder_bench.py"), "--cases-only",
                            "--cases", "b32-short"], cwd=ROOT, capture_output=True, text=True)
        if p.returncode != 0 or not fallback.is_file():
            raise SystemExit(f"train_bench: neither {path} nor {fallback} available "
                             f"(encoder_bench.py --cases-only: {p.stderr.strip()[-500:]})")
    pool = [json.loads(l)["text"] for l in fallback.read_text(encoding="utf-8").splitlines() if l.strip()]
    if not pool:
        raise SystemExit(f"train_bench: {fallback} is empty")
    source = f"{fallback} (fallback: {path} not found)"
    if len(pool) < count:
        print(f"train_bench: {fallback} has {len(pool)} texts, repeating them to get {count}", file=sys.stderr)
        source += f", {len(pool)} texts repeated cyclically"
    return [pool[i % len(pool)] for i in range(count)], source


# ---- the torch MoE-CL model -------------------------------------------------------------------

class GradReverse(torch.autograd.Function):
    """Identity forward; multiplies the gradient by -1 (λ is applied by the loss weight)."""

    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return -grad


def lora_pair(d_in, d_out, generator):
    """(A [r, d_in], B [d_out, r]): A uniform ±1/sqrt(d_in), B uniform ±0.01."""
    bound = 1 / math.sqrt(d_in)
    a = (torch.rand(RANK, d_in, generator=generator) * 2 - 1) * bound
    b = (torch.rand(d_out, RANK, generator=generator) * 2 - 1) * 0.01
    return nn.Parameter(a), nn.Parameter(b)


class Expert(nn.Module):
    """LoRA expert of one layer: adapters on the up (W1) and down (W2) FFN projections."""

    def __init__(self, d, f, generator, trainable):
        super().__init__()
        self.a1, self.b1 = lora_pair(d, f, generator)
        self.a2, self.b2 = lora_pair(f, d, generator)
        self.requires_grad_(trainable)


class Context:
    """What the per-layer FFNs need about the batch: mask [S, L, 1], counts [S, 1], labelled rows, task ids."""
    mask = counts = task_ids = None
    labelled = 0
    adv_losses = []


class SlotOne(nn.Module):
    """Dropout and slot 1's adapters: rows [:labelled] use the current task expert, the rest the old one."""

    @staticmethod
    def drop(x):
        return F.dropout(x, LORA_DROPOUT, training=True)

    def task_lora(self, x, which):
        """x @ A^T for slot 1, rows [:labelled] with the current task expert, the rest with the old one."""
        n = self.ctx.labelled
        a_new, a_old = getattr(self.task, which), getattr(self.old, which)
        if n == x.shape[0]:
            return x @ a_new.t()
        return torch.cat([x[:n] @ a_new.t(), x[n:] @ a_old.t()], 0)

    def task_up(self, z, which):
        n = self.ctx.labelled
        b_new, b_old = getattr(self.task, which), getattr(self.old, which)
        if n == z.shape[0]:
            return z @ b_new.t()
        return torch.cat([z[:n] @ b_new.t(), z[n:] @ b_old.t()], 0)


class MoEFFN(SlotOne):
    """Replaces BertLayer.output (BertLayer.intermediate becomes Identity): the MoE-CL FFN + residual LayerNorm."""

    def __init__(self, layer, ctx, generator):
        super().__init__()
        inter, out = layer.intermediate.dense, layer.output.dense
        self.w1, self.bias1 = inter.weight, inter.bias  # [f, d], [f]  frozen
        self.w2, self.bias2 = out.weight, out.bias      # [d, f], [d]  frozen
        self.norm = layer.output.LayerNorm
        d, f = self.w1.shape[1], self.w1.shape[0]
        self.ctx = ctx
        self.scale = ALPHA / RANK
        self.shared = Expert(d, f, generator, trainable=True)
        self.task = Expert(d, f, generator, trainable=True)    # the current task (labelled rows)
        self.old = Expert(d, f, generator, trainable=False)    # an older task (replay rows), frozen
        self.gate = nn.Parameter(torch.zeros(2, d))
        self.disc = nn.Linear(d, DISC_CLASSES)
        nn.init.zeros_(self.disc.weight)
        nn.init.zeros_(self.disc.bias)

    def forward(self, x, residual):
        s = self.scale
        base = F.linear(x, self.w1, self.bias1)                                   # W1 x + b1, once
        u0 = base + s * ((self.drop(x) @ self.shared.a1.t()) @ self.shared.b1.t())
        u1 = base + s * self.task_up(self.task_lora(self.drop(x), "a1"), "b1")
        h0, h1 = F.gelu(u0), F.gelu(u1)                                           # exact (erf) GELU
        g = torch.softmax(x @ self.gate.t(), dim=-1)                              # [S, L, 2]
        g0, g1 = g[..., :1], g[..., 1:]
        w0 = self.drop(h0) @ self.shared.a2.t()                                   # [S, L, r]
        w1 = self.task_lora(self.drop(h1), "a2")
        y = F.linear(g0 * h0 + g1 * h1, self.w2, self.bias2)
        y = y + (s * g0 * w0) @ self.shared.b2.t() + self.task_up(s * g1 * w1, "b2")
        # Discriminator on the masked mean of y_0 = W2 h_0 + b2 + s B2_0 w_0 (linear: mean first).
        c = self.ctx
        h_bar = (h0 * c.mask).sum(1) / c.counts
        w_bar = (w0 * c.mask).sum(1) / c.counts
        m = F.linear(h_bar, self.w2, self.bias2) + s * (w_bar @ self.shared.b2.t())
        c.adv_losses.append(F.cross_entropy(self.disc(GradReverse.apply(m)), c.task_ids))
        return self.norm(residual + y)


class TorchMoECL:
    def __init__(self, threads):
        torch.set_num_threads(threads)
        self.model = transformers.AutoModel.from_pretrained(str(MODEL)).eval()  # eval: BERT's dropout off
        self.model.requires_grad_(False)
        self.ctx = Context()
        gen = torch.Generator().manual_seed(1)
        self.ffns = []
        for layer in self.model.encoder.layer:
            ffn = MoEFFN(layer, self.ctx, gen)
            layer.intermediate = nn.Identity()
            layer.output = ffn  # called as output(intermediate(a), a) = output(a, a)
            self.ffns.append(ffn)
        d = self.model.config.hidden_size
        self.head = nn.Linear(d, 2)
        trainable = [p for ffn in self.ffns for p in ffn.parameters() if p.requires_grad] + list(self.head.parameters())
        self.trainable = trainable
        self.optimizer = torch.optim.AdamW(trainable, lr=LR, betas=BETAS, eps=EPS, weight_decay=WEIGHT_DECAY)
        self.tok = Tokenizer.from_file(str(MODEL / "tokenizer.json"))
        self.tok.enable_truncation(ARGS.max_tokens)
        self.tok.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest in the batch

    def prepare(self, texts, labelled):
        encs = self.tok.encode_batch(texts)
        ids = torch.tensor([e.ids for e in encs], dtype=torch.long)
        mask = torch.tensor([e.attention_mask for e in encs], dtype=torch.long)
        labels = torch.tensor([i % 2 for i in range(labelled)], dtype=torch.long)
        tasks = torch.tensor([1] * labelled + [0] * (len(texts) - labelled), dtype=torch.long)
        return {"ids": ids, "mask": mask, "types": torch.zeros_like(ids), "labels": labels, "tasks": tasks,
                "labelled": labelled}

    def step(self, batch):
        """One training step; returns the loss (a Python float)."""
        c = self.ctx
        mask = batch["mask"]
        c.mask = mask.unsqueeze(-1).float()
        c.counts = c.mask.sum(1)
        c.task_ids = batch["tasks"]
        c.labelled = batch["labelled"]
        c.adv_losses = []
        self.optimizer.zero_grad()
        h = self.model(input_ids=batch["ids"], attention_mask=mask, token_type_ids=batch["types"]).last_hidden_state
        n = c.labelled
        pooled = (h[:n] * c.mask[:n]).sum(1) / c.counts[:n]
        task_loss = F.cross_entropy(self.head(pooled), batch["labels"])
        adv = torch.stack(c.adv_losses).mean()
        loss = task_loss + ADV_WEIGHT * adv
        loss.backward()
        self.optimizer.step()
        return loss.item()


# ---- the torch MoE-CL model on the decoder (--base smollm2) --------------------------------------

class GatedExpert(nn.Module):
    """LoRA expert of one gated-unit layer: adapters on gate_proj (W1), up_proj (W3) and down_proj (W2)."""

    def __init__(self, d, f, generator, trainable):
        super().__init__()
        self.a1, self.b1 = lora_pair(d, f, generator)
        self.a3, self.b3 = lora_pair(d, f, generator)
        self.a2, self.b2 = lora_pair(f, d, generator)
        self.requires_grad_(trainable)


class GatedMoEFFN(SlotOne):
    """Replaces LlamaDecoderLayer.mlp (input x: the post-attention RMSNorm output; the block adds the residual)."""

    def __init__(self, mlp, ctx, generator):
        super().__init__()
        assert mlp.gate_proj.bias is None and mlp.up_proj.bias is None and mlp.down_proj.bias is None
        self.w1, self.w3, self.w2 = mlp.gate_proj.weight, mlp.up_proj.weight, mlp.down_proj.weight  # frozen
        d, f = self.w1.shape[1], self.w1.shape[0]
        self.ctx = ctx
        self.scale = ALPHA / RANK
        self.shared = GatedExpert(d, f, generator, trainable=True)
        self.task = GatedExpert(d, f, generator, trainable=True)    # the current task (labelled rows)
        self.old = GatedExpert(d, f, generator, trainable=False)    # an older task (replay rows), frozen
        self.gate = nn.Parameter(torch.zeros(2, d))
        self.disc = nn.Linear(d, DISC_CLASSES)
        nn.init.zeros_(self.disc.weight)
        nn.init.zeros_(self.disc.bias)

    def forward(self, x):
        s, sh = self.scale, self.shared
        base1 = F.linear(x, self.w1)                                              # W1 x, once for both slots
        base3 = F.linear(x, self.w3)                                              # W3 x
        u0 = base1 + s * ((self.drop(x) @ sh.a1.t()) @ sh.b1.t())
        u1 = base1 + s * self.task_up(self.task_lora(self.drop(x), "a1"), "b1")
        v0 = base3 + s * ((self.drop(x) @ sh.a3.t()) @ sh.b3.t())
        v1 = base3 + s * self.task_up(self.task_lora(self.drop(x), "a3"), "b3")
        h0, h1 = F.silu(u0) * v0, F.silu(u1) * v1
        g = torch.softmax(x @ self.gate.t(), dim=-1)                              # [S, L, 2]
        g0, g1 = g[..., :1], g[..., 1:]
        w0 = self.drop(h0) @ sh.a2.t()                                            # [S, L, r]
        w1 = self.task_lora(self.drop(h1), "a2")
        y = F.linear(g0 * h0 + g1 * h1, self.w2)
        y = y + (s * g0 * w0) @ sh.b2.t() + self.task_up(s * g1 * w1, "b2")
        # Discriminator on the mean over real tokens of y_0 = W2 h_0 + s B2_0 w_0 (linear: mean first).
        c = self.ctx
        h_bar = (h0 * c.mask).sum(1) / c.counts
        w_bar = (w0 * c.mask).sum(1) / c.counts
        m = F.linear(h_bar, self.w2) + s * (w_bar @ sh.b2.t())
        c.adv_losses.append(F.cross_entropy(self.disc(GradReverse.apply(m)), c.task_ids))
        return y


class TorchDecoderMoECL:
    def __init__(self, threads, gguf):
        torch.set_num_threads(threads)
        from transformers import AutoTokenizer, LlamaForCausalLM
        self.tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        lm = LlamaForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, torch_dtype=torch.float32)
        self.model = lm.model.eval()  # the LlamaModel (final RMSNorm included); no dropout in eval mode
        del lm
        self.model.requires_grad_(False)
        self.ctx = Context()
        gen = torch.Generator().manual_seed(1)
        self.ffns = []
        for layer in self.model.layers:
            ffn = GatedMoEFFN(layer.mlp, self.ctx, gen)
            layer.mlp = ffn
            self.ffns.append(ffn)
        d = self.model.config.hidden_size
        self.head = nn.Linear(d, 2)
        trainable = [p for ffn in self.ffns for p in ffn.parameters() if p.requires_grad] + list(self.head.parameters())
        self.trainable = trainable
        self.optimizer = torch.optim.AdamW(trainable, lr=LR, betas=BETAS, eps=EPS, weight_decay=WEIGHT_DECAY)
        self.pad_id = self.tok.pad_token_id if self.tok.pad_token_id is not None else self.tok.eos_token_id

    def ids(self, text):
        return self.tok(text, add_special_tokens=False)["input_ids"]

    def encode(self, text):
        """moecl's framing and cut: the framed text, or when too long tokens(prefix + text) cut to
        max - len(tail), then tail = tokens(suffix), so that "\nAnswer:" stays whole at the end."""
        limit = ARGS.max_tokens
        full = self.ids(PROMPT_PREFIX + text + PROMPT_SUFFIX)
        if len(full) <= limit:
            return full
        tail = self.ids(PROMPT_SUFFIX)
        if len(tail) >= limit:
            return tail[-limit:]
        return self.ids(PROMPT_PREFIX + text)[:limit - len(tail)] + tail

    def prepare(self, texts, labelled):
        seqs = [self.encode(t) for t in texts]
        longest = max(len(q) for q in seqs)
        ids = torch.tensor([q + [self.pad_id] * (longest - len(q)) for q in seqs], dtype=torch.long)
        mask = torch.tensor([[1] * len(q) + [0] * (longest - len(q)) for q in seqs], dtype=torch.long)
        labels = torch.tensor([i % 2 for i in range(labelled)], dtype=torch.long)
        tasks = torch.tensor([1] * labelled + [0] * (len(texts) - labelled), dtype=torch.long)
        return {"ids": ids, "mask": mask, "labels": labels, "tasks": tasks, "labelled": labelled}

    def step(self, batch):
        """One training step; returns the loss (a Python float)."""
        c = self.ctx
        mask = batch["mask"]
        c.mask = mask.unsqueeze(-1).float()
        c.counts = c.mask.sum(1)
        c.task_ids = batch["tasks"]
        c.labelled = batch["labelled"]
        c.adv_losses = []
        self.optimizer.zero_grad()
        h = self.model(input_ids=batch["ids"], attention_mask=mask, use_cache=False).last_hidden_state
        n = c.labelled
        last = mask[:n].sum(1) - 1                                                # the last real token per row
        pooled = h[torch.arange(n), last]
        task_loss = F.cross_entropy(self.head(pooled), batch["labels"])
        adv = torch.stack(c.adv_losses).mean()
        loss = task_loss + ADV_WEIGHT * adv
        loss.backward()
        self.optimizer.step()
        return loss.item()


# ---- sides ------------------------------------------------------------------------------------

def run_swift(texts_file, b, r):
    cmd = [str(ARGS.swift_bin), "bench", "train", "--texts", str(texts_file), "--batch", str(b), "--replay", str(r),
           "--max-tokens", str(ARGS.max_tokens), "--warmup", str(ARGS.warmup), "--steps", str(ARGS.steps),
           "--threads", str(ARGS.threads), "--adversarial-weight", str(ADV_WEIGHT)]
    if ARGS.base == "smollm2":
        cmd[3:3] = ["--model", str(ARGS.gguf)]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    lines = p.stdout.strip().splitlines()
    if p.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()[-2000:]}")
    return json.loads(lines[-1])


def run_torch(engine, batch, first):
    losses, times = [], []
    for i in range(ARGS.warmup + ARGS.steps):
        t0 = time.perf_counter()
        loss = engine.step(batch)
        ms = (time.perf_counter() - t0) * 1000
        if first and i == 0 and not math.isfinite(loss):
            raise SystemExit(f"train_bench: torch loss of the first step is not finite ({loss})")
        losses.append(loss)
        if i >= ARGS.warmup:
            times.append(ms)
    return times, losses


def main():
    cases = [c.strip() for c in ARGS.cases.split(",") if c.strip()]
    sizes = {c: parse_case(c) for c in cases}
    use_swift = not ARGS.no_swift
    if use_swift and not (ARGS.swift_bin.is_file() and os.access(ARGS.swift_bin, os.X_OK)):
        raise SystemExit(f"train_bench: {ARGS.swift_bin} not found; build it with "
                         f"`swift build -c release $(scripts/swift-cpu-flags.sh)`, pass --swift-bin PATH, or --no-swift")
    decoder = ARGS.base == "smollm2"
    if decoder and not ARGS.gguf.is_file():
        raise SystemExit(f"train_bench: {ARGS.gguf} not found; fetch it with `scripts/setup.sh --llm` "
                         f"or pass --gguf FILE")
    need = max(b + r for b, r in sizes.values())
    texts, source = load_texts(need)
    ARGS.out.parent.mkdir(parents=True, exist_ok=True)
    texts_file = ARGS.out.parent.resolve() / ("train-smollm2-texts.jsonl" if decoder else "train-texts.jsonl")
    texts_file.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts),
                          encoding="utf-8")

    engine = TorchDecoderMoECL(ARGS.threads, ARGS.gguf) if decoder else TorchMoECL(ARGS.threads)
    results = {}
    token_mismatches = []
    for case in cases:
        b, r = sizes[case]
        batch = engine.prepare(texts[:b + r], b)
        tokens = int(batch["mask"].sum())
        padded = int(batch["mask"].numel())
        entry = {"examples": b, "replay": r, "tokens": tokens, "torch_padded_tokens": padded,
                 "torch_longest": int(batch["mask"].shape[1]),
                 "sides": {s: {"round_medians_ms": [], "step_ms": []} for s in (["swift"] if use_swift else []) + ["torch"]}}
        for rnd in range(ARGS.rounds):
            if use_swift:
                res = run_swift(texts_file, b, r)
                if res.get("tokens") != tokens:
                    print(f"train_bench: warning: {case}: swift counted {res.get('tokens')} tokens, torch {tokens}",
                          file=sys.stderr)
                    if rnd == 0:
                        token_mismatches.append((case, res.get("tokens"), tokens))
                elif decoder and rnd == 0:
                    print(f"train_bench: {case}: real tokens match: swift {res.get('tokens')} = torch {tokens}",
                          file=sys.stderr)
                rec = entry["sides"]["swift"]
                rec["tokens"] = res.get("tokens")
                rec["step_ms"].append([float(t) for t in res["step_ms"]])
                rec["round_medians_ms"].append(statistics.median(rec["step_ms"][-1]))
                rec.setdefault("reported_median_ms", []).append(res.get("median_ms"))
            times, losses = run_torch(engine, batch, first=rnd == 0)
            rec = entry["sides"]["torch"]
            rec["step_ms"].append(times)
            rec["round_medians_ms"].append(statistics.median(times))
            rec.setdefault("losses", []).append(losses)
        for rec in entry["sides"].values():
            rec["median_ms"] = statistics.median(rec["round_medians_ms"])
            rec["examples_per_s"] = b * 1000 / rec["median_ms"]
            rec["tokens_per_s"] = tokens * 1000 / rec["median_ms"]
        if use_swift:
            entry["ratio_torch_over_swift"] = entry["sides"]["torch"]["median_ms"] / entry["sides"]["swift"]["median_ms"]
        results[case] = entry
        print(f"train_bench: {case} done ({b} labelled + {r} replay, {tokens} tokens, torch padded {padded})",
              file=sys.stderr)

    report = {
        "threads": ARGS.threads, "warmup": ARGS.warmup, "steps": ARGS.steps, "rounds": ARGS.rounds,
        "max_tokens": ARGS.max_tokens, "texts": source, "texts_file": str(texts_file),
        "settings": {"rank": RANK, "alpha": ALPHA, "lora_dropout": LORA_DROPOUT, "discriminator_classes": DISC_CLASSES,
                     "adversarial_weight": ADV_WEIGHT, "lr": LR, "weight_decay": WEIGHT_DECAY},
        "torch_attention": getattr(engine.model.config, "_attn_implementation", None),
        "host": {"machine": platform.machine(), "processor": platform.processor(), "cpus": os.cpu_count(),
                 "python": platform.python_version()},
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "tokenizers": tokenizers.__version__},
        "swift_bin": str(ARGS.swift_bin) if use_swift else None,
        "cases": results,
    }
    if decoder:
        report = {"base": "smollm2", "model": str(ARGS.gguf),
                  "prompt_template": PROMPT_PREFIX + "{text}" + PROMPT_SUFFIX,
                  "readout": "last real token after the final RMSNorm", **report}
        from importlib.metadata import PackageNotFoundError, version
        try:
            report["versions"]["gguf"] = version("gguf")
        except PackageNotFoundError:
            report["versions"]["gguf"] = None
    ARGS.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")

    base = f"SmolLM2-135M-Instruct ({ARGS.gguf.name}, fp32), " if decoder else ""
    print(f"\nTraining-step benchmark: {base}{ARGS.threads} threads, {ARGS.rounds} rounds x ({ARGS.warmup} warm-up + "
          f"{ARGS.steps} steps), median of round medians; forward + backward + AdamW per step\n")
    print("| case | real tokens | moecl ms/step | torch ms/step | ratio (torch/moecl) | moecl ex/s | torch ex/s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for case, e in results.items():
        sw, tr = e["sides"].get("swift"), e["sides"]["torch"]
        sw_ms = f"{sw['median_ms']:.1f}" if sw else "-"
        sw_ex = f"{sw['examples_per_s']:.1f}" if sw else "-"
        ratio = f"{e['ratio_torch_over_swift']:.2f}x" if sw else "-"
        print(f"| {case} | {e['tokens']} | {sw_ms} | {tr['median_ms']:.1f} | {ratio} | {sw_ex} | "
              f"{tr['examples_per_s']:.1f} |")
    print("\ntokens/s (real tokens): " + "; ".join(
        f"{case}: " + ", ".join(f"{s} {rec['tokens_per_s']:.0f}" for s, rec in e["sides"].items())
        for case, e in results.items()))
    print("torch pads each batch to its longest sequence: " + "; ".join(
        f"{case}: {e['torch_padded_tokens']} padded tokens ({e['torch_longest']} x {e['examples'] + e['replay']}) "
        f"for {e['tokens']} real" for case, e in results.items()))
    print(f"ratio > 1: moecl is faster. texts: {source}")
    if decoder and use_swift:
        print("real tokens, swift vs torch: " + ("equal in every case" if not token_mismatches else "; ".join(
            f"{case}: swift {sw}, torch {tr} (MISMATCH)" for case, sw, tr in token_mismatches)))
    print(f"\nwrote {ARGS.out}")


if __name__ == "__main__":
    main()
