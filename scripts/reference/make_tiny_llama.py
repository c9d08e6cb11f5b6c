#!/usr/bin/env python3
"""A tiny random Llama for unit tests, in both file forms moecl reads, with transformers' outputs
(Tests/Fixtures/tiny-llama/, see Tests/Fixtures/README.md).

The model: transformers LlamaForCausalLM(LlamaConfig(hidden 32, FFN 64, 2 layers, 4 heads / 2 key-value heads,
vocabulary 128, 64 positions, RoPE base 10000, tied embeddings)), weights drawn by torch.manual_seed(7) with
std 0.2 (norm weights 1 + 0.1·N(0, 1)), so that every part of the forward matters.
  hf/config.json, hf/model.safetensors   the Hugging Face folder (save_pretrained)
  tiny.gguf                              the same weights as GGUF v3, F32, llama.* metadata, query and key rows
                                         permuted as llama.cpp's converter does
  outputs.json                           for 4 id sequences: the final hidden states (after the final norm) of
                                         every token and the logits of the last token, float32 as JSON numbers
    python3 scripts/reference/make_tiny_llama.py
"""
import json
from pathlib import Path

import numpy as np
import torch
import gguf
from transformers import LlamaConfig, LlamaForCausalLM

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "Fixtures" / "tiny-llama"
SEQUENCES = [[5, 17, 99, 3, 64, 127, 0, 42, 8], [1], [100, 100, 100, 2, 77, 31], list(range(10, 60, 3))]


def permute(w, heads):
    """llama.cpp's converter: within each head, rows (half, i) become (i, half)."""
    return w.reshape(heads, 2, w.shape[0] // heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def main():
    torch.manual_seed(7)
    config = LlamaConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=2, vocab_size=128, max_position_embeddings=64, rope_theta=10000.0,
                         rms_norm_eps=1e-5, tie_word_embeddings=True)
    model = LlamaForCausalLM(config).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(1 + 0.1 * torch.randn_like(p) if "norm" in name else 0.2 * torch.randn_like(p))
    OUT.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(OUT / "hf", safe_serialization=True)

    w = gguf.GGUFWriter(str(OUT / "tiny.gguf"), arch="llama")
    w.add_block_count(2)
    w.add_context_length(64)
    w.add_embedding_length(32)
    w.add_feed_forward_length(64)
    w.add_head_count(4)
    w.add_head_count_kv(2)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_dimension_count(8)
    sd = {k: v.numpy().astype(np.float32) for k, v in model.state_dict().items()}
    w.add_tensor("token_embd.weight", sd["model.embed_tokens.weight"])
    for i in range(2):
        p = f"model.layers.{i}."
        w.add_tensor(f"blk.{i}.attn_norm.weight", sd[p + "input_layernorm.weight"])
        w.add_tensor(f"blk.{i}.attn_q.weight", permute(sd[p + "self_attn.q_proj.weight"], 4))
        w.add_tensor(f"blk.{i}.attn_k.weight", permute(sd[p + "self_attn.k_proj.weight"], 2))
        w.add_tensor(f"blk.{i}.attn_v.weight", sd[p + "self_attn.v_proj.weight"])
        w.add_tensor(f"blk.{i}.attn_output.weight", sd[p + "self_attn.o_proj.weight"])
        w.add_tensor(f"blk.{i}.ffn_norm.weight", sd[p + "post_attention_layernorm.weight"])
        w.add_tensor(f"blk.{i}.ffn_gate.weight", sd[p + "mlp.gate_proj.weight"])
        w.add_tensor(f"blk.{i}.ffn_up.weight", sd[p + "mlp.up_proj.weight"])
        w.add_tensor(f"blk.{i}.ffn_down.weight", sd[p + "mlp.down_proj.weight"])
    w.add_tensor("output_norm.weight", sd["model.norm.weight"])
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()

    outputs = []
    for ids in SEQUENCES:
        with torch.no_grad():
            out = model(torch.tensor([ids]), output_hidden_states=True)
        outputs.append({"ids": ids, "hidden": [float(x) for x in out.hidden_states[-1][0].reshape(-1)],
                        "logits": [float(x) for x in out.logits[0, -1]]})
    (OUT / "outputs.json").write_text(json.dumps(outputs) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
