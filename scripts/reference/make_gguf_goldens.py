#!/usr/bin/env python3
"""GGUF goldens for the Swift reader (Tests/Fixtures/gguf/, see Tests/Fixtures/README.md).

1. smollm2-dequant.txt: every tensor of models/SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf
   (scripts/setup.sh --llm), dequantised by gguf.quants.dequantize, as `name type dims count sha256` of the
   float32 values in file order (ne[0] fastest) as little-endian bytes.
2. types.gguf + types.txt: a small GGUF v3 file written here with one 3 x 512 tensor of every type the reader
   decodes (F32 F16 BF16 Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q4_K Q5_K Q6_K) and metadata of every value type; types.txt
   holds the same hash lines for its tensors. The K types have no quantiser in gguf, so their blocks are random
   bytes with finite f16 scales. Deterministic (numpy seed 1).

    python3 scripts/reference/make_gguf_goldens.py
"""
import hashlib, os, sys
import numpy as np
import gguf
from gguf import GGMLQuantizationType as Q

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "gguf")
MODEL = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct", "SmolLM2-135M-Instruct.Q4_1.gguf")


def digest(values: np.ndarray) -> str:
    """sha256 of the float32 values' little-endian bytes."""
    return hashlib.sha256(values.astype("<f4", copy=False).tobytes()).hexdigest()


def hash_lines(reader: gguf.GGUFReader):
    lines = []
    for t in reader.tensors:
        values = gguf.quants.dequantize(t.data, t.tensor_type).reshape(-1)
        dims = "x".join(str(int(d)) for d in t.shape)
        lines.append(f"{t.name} {t.tensor_type.name} {dims} {values.size} {digest(values)}")
    return lines


def write_types():
    rng = np.random.default_rng(1)
    path = os.path.join(OUT, "types.gguf")
    w = gguf.GGUFWriter(path, arch="test")
    w.add_uint8("test.u8", 200)
    w.add_int8("test.i8", -100)
    w.add_uint16("test.u16", 60000)
    w.add_int16("test.i16", -30000)
    w.add_uint32("test.u32", 4000000000)
    w.add_int32("test.i32", -2000000000)
    w.add_float32("test.f32", 0.15625)
    w.add_bool("test.bool", True)
    w.add_string("test.string", "héllo, wörld ✓")
    w.add_uint64("test.u64", 18000000000000000000)
    w.add_int64("test.i64", -9000000000000000000)
    w.add_float64("test.f64", -2.5e-300)
    w.add_array("test.strings", ["a", "bc", "déf"])
    w.add_array("test.ints", [1, -2, 3])
    w.add_key_value("test.nested", [[1, 2], [3]], gguf.GGUFValueType.ARRAY, sub_type=gguf.GGUFValueType.ARRAY)
    shape = (3, 512)
    for qtype in [Q.F32, Q.F16, Q.BF16, Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1, Q.Q8_0, Q.Q4_K, Q.Q5_K, Q.Q6_K]:
        name = f"t.{qtype.name.lower()}"
        data = rng.standard_normal(shape).astype(np.float32)
        if qtype in (Q.Q4_K, Q.Q5_K, Q.Q6_K):
            block, size = gguf.GGML_QUANT_SIZES[qtype]
            blocks = rng.integers(0, 256, size=(shape[0] * shape[1] // block, size), dtype=np.uint8)
            scales = (rng.standard_normal((blocks.shape[0], 2)) * 0.01).astype(np.float16).view(np.uint8)
            if qtype == Q.Q6_K:
                blocks[:, 208:210] = scales[:, :2]
            else:
                blocks[:, 0:4] = scales
            w.add_tensor(name, blocks.reshape(shape[0], -1), raw_dtype=qtype)
        elif qtype in (Q.F32, Q.F16):
            w.add_tensor(name, gguf.quants.quantize(data, qtype))
        else:
            w.add_tensor(name, gguf.quants.quantize(data, qtype), raw_dtype=qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def main():
    os.makedirs(OUT, exist_ok=True)
    path = write_types()
    with open(os.path.join(OUT, "types.txt"), "w") as f:
        f.write("# name type ne0xne1 count sha256-of-float32-le (scripts/reference/make_gguf_goldens.py)\n")
        f.write("\n".join(hash_lines(gguf.GGUFReader(path))) + "\n")
    if not os.path.exists(MODEL):
        sys.exit(f"{MODEL} is missing: scripts/setup.sh --llm")
    with open(os.path.join(OUT, "smollm2-dequant.txt"), "w") as f:
        f.write("# name type dims count sha256-of-float32-le of SmolLM2-135M-Instruct.Q4_1.gguf "
                "(scripts/reference/make_gguf_goldens.py)\n")
        f.write("\n".join(hash_lines(gguf.GGUFReader(MODEL))) + "\n")


if __name__ == "__main__":
    main()
