// The decoder on a tiny random Llama (Tests/Fixtures/tiny-llama, scripts/reference/make_tiny_llama.py): the GGUF
// and Hugging Face forms give the same outputs, both match transformers', packing changes nothing, and a plain
// double-precision forward in the other RoPE convention agrees.

import Foundation
import ModelFormats
import TestSupport
import Testing
import Transformer

@Suite("Tiny Llama")
struct TinyLlamaTests {
    static let dir = TestPaths.fixtures.appendingPathComponent("tiny-llama")
    static func gguf() throws -> LlamaDecoder {
        try LlamaDecoder.load(gguf: GGUFFile(path: dir.appendingPathComponent("tiny.gguf").path))
    }
    static func folder() throws -> LlamaDecoder {
        try LlamaDecoder.load(folder: dir.appendingPathComponent("hf").path)
    }
    static func outputs() throws -> [(ids: [Int32], hidden: [Float], logits: [Float])] {
        let data = try Data(contentsOf: dir.appendingPathComponent("outputs.json"))
        let list = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        return try list.map {
            (
                try #require($0["ids"] as? [Int]).map(Int32.init),
                try #require($0["hidden"] as? [Double]).map(Float.init),
                try #require($0["logits"] as? [Double]).map(Float.init)
            )
        }
    }

    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    @Test func bothFormsMatchTransformers() throws {
        let expected = try Self.outputs()
        for decoder in [try Self.gguf(), try Self.folder()] {
            #expect(
                decoder.config
                    == LlamaConfig(
                        layers: 2, hiddenSize: 32, intermediateSize: 64, heads: 4, keyValueHeads: 2,
                        vocabularySize: 128,
                        contextLength: 64, ropeBase: 10_000, ropeDimensions: 8, rmsEps: 1e-5))
            for e in expected {
                let hidden = try decoder.hiddenStates(PackedBatch(sequences: [e.ids]))
                #expect(Self.maxDifference(hidden, e.hidden) < 1e-5, "hidden states of \(e.ids)")
                let last = Array(hidden.suffix(32))
                #expect(Self.maxDifference(decoder.logits(last, rows: 1), e.logits) < 1e-5, "logits of \(e.ids)")
            }
        }
    }

    @Test func packedSequencesAttendOnlyWithinThemselves() throws {
        let decoder = try Self.gguf()
        let sequences = try Self.outputs().map(\.ids)
        let together = try decoder.lastHiddenStates(PackedBatch(sequences: sequences))
        for (k, ids) in sequences.enumerated() {
            let alone = try decoder.lastHiddenStates(PackedBatch(sequences: [ids]))[0]
            // Up to float rounding (BLAS blocks a 4-sequence product differently); a leak would be ~0.1.
            #expect(Self.maxDifference(together[k], alone) < 1e-5)
        }
    }

    /// A plain forward in Double with Hugging Face's rotate-half RoPE on the folder's own (unpermuted) weights.
    @Test func aPlainRotateHalfForwardAgrees() throws {
        let decoder = try Self.folder()
        let file = try SafeTensorsFile(path: Self.dir.appendingPathComponent("hf/model.safetensors").path)
        func w(_ name: String) throws -> [Double] { try file.tensor(name).data.map(Double.init) }
        let c = decoder.config, d = c.hiddenSize, h = c.headSize, kvh = c.keyValueHeads, f = c.intermediateSize
        let ids: [Int32] = [5, 17, 99, 3, 64, 127, 0, 42, 8]
        let t = ids.count
        let embedding = try w("model.embed_tokens.weight")
        var x = ids.flatMap { Array(embedding[(Int($0) * d)..<((Int($0) + 1) * d)]) }
        func norm(_ v: [Double], _ g: [Double]) -> [Double] {
            (0..<t).flatMap { r -> [Double] in
                let row = v[(r * d)..<((r + 1) * d)]
                let inv = 1 / (row.map { $0 * $0 }.reduce(0, +) / Double(d) + Double(c.rmsEps)).squareRoot()
                return row.enumerated().map { g[$0.offset] * $0.element * inv }
            }
        }
        func matmul(_ a: [Double], _ m: [Double], out: Int, in k: Int) -> [Double] {
            (0..<(a.count / k)).flatMap { r in
                (0..<out).map { o in (0..<k).reduce(0.0) { $0 + a[r * k + $1] * m[o * k + $1] } }
            }
        }
        func rope(_ v: inout [Double], heads: Int) {
            for p in 0..<t {
                for head in 0..<heads {
                    let base = p * heads * h + head * h
                    let old = Array(v[base..<(base + h)])
                    for i in 0..<(h / 2) {
                        let angle = Double(p) / pow(10_000, Double(2 * i) / Double(h))
                        v[base + i] = old[i] * cos(angle) - old[i + h / 2] * sin(angle)
                        v[base + i + h / 2] = old[i + h / 2] * cos(angle) + old[i] * sin(angle)
                    }
                }
            }
        }
        for layer in 0..<c.layers {
            let p = "model.layers.\(layer)."
            let a = norm(x, try w(p + "input_layernorm.weight"))
            var q = matmul(a, try w(p + "self_attn.q_proj.weight"), out: d, in: d)
            var k = matmul(a, try w(p + "self_attn.k_proj.weight"), out: kvh * h, in: d)
            let v = matmul(a, try w(p + "self_attn.v_proj.weight"), out: kvh * h, in: d)
            rope(&q, heads: c.heads)
            rope(&k, heads: kvh)
            var context = [Double](repeating: 0, count: t * d)
            for head in 0..<c.heads {
                let g = head / (c.heads / kvh)
                for i in 0..<t {
                    let scores = (0...i).map { j in
                        (0..<h).reduce(0.0) { $0 + q[i * d + head * h + $1] * k[j * kvh * h + g * h + $1] }
                            / Double(h).squareRoot()
                    }
                    let peak = scores.max()!, e = scores.map { exp($0 - peak) }, total = e.reduce(0, +)
                    for j in 0...i {
                        for cc in 0..<h { context[i * d + head * h + cc] += e[j] / total * v[j * kvh * h + g * h + cc] }
                    }
                }
            }
            let o = matmul(context, try w(p + "self_attn.o_proj.weight"), out: d, in: d)
            x = zip(x, o).map(+)
            let b = norm(x, try w(p + "post_attention_layernorm.weight"))
            let gate = matmul(b, try w(p + "mlp.gate_proj.weight"), out: f, in: d)
            let up = matmul(b, try w(p + "mlp.up_proj.weight"), out: f, in: d)
            let act = zip(gate, up).map { $0 / (1 + exp(-$0)) * $1 }
            x = zip(x, matmul(act, try w(p + "mlp.down_proj.weight"), out: d, in: f)).map(+)
        }
        let expected = norm(x, try w("model.norm.weight")).map(Float.init)
        #expect(Self.maxDifference(try decoder.hiddenStates(PackedBatch(sequences: [ids])), expected) < 1e-5)
    }

    @Test func mismatchedFilesAreRefusedWithTheReason() throws {
        // A tensor renamed (same length): the load names the one missing.
        var bytes = try [UInt8](Data(contentsOf: Self.dir.appendingPathComponent("tiny.gguf")))
        let name = Array("blk.1.ffn_down.weight".utf8)
        let at = try #require(
            (0...(bytes.count - name.count)).first { bytes[$0..<($0 + name.count)].elementsEqual(name) })
        bytes[at + 13] = UInt8(ascii: "X")
        #expect {
            _ = try LlamaDecoder.load(gguf: GGUFFile(bytes: bytes, name: "renamed.gguf"))
        } throws: {
            "\($0)".contains(
                "renamed.gguf: not a Llama-architecture model moecl can run: tensor 'blk.1.ffn_down.weight' is missing")
        }
        // The BERT model's folder is no Llama folder.
        if let bert = TestPaths.baseModel {
            #expect {
                _ = try LlamaDecoder.load(folder: bert.path)
            } throws: { "\($0)".contains("model_type 'bert'") }
        }
        let types = try GGUFFile(path: TestPaths.fixtures.appendingPathComponent("gguf/types.gguf").path)
        #expect {
            _ = try LlamaDecoder.load(gguf: types)
        } throws: { "\($0)".contains("general.architecture is 'test', not 'llama'") }
    }
}
