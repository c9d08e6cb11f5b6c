// `--precision auto|fp32|int8`: auto is int8 on a BERT base and fp32 on a Llama base; int8 on a Llama base is
// refused; what was asked for is what runs.

import Foundation
import MoELoRA
import TensorCore
import TestSupport
import Testing

@Suite("precision setting")
struct PrecisionSettingTests {
    @Test("auto resolves to int8 where the base has the path and to fp32 where it does not; int8 without it is nil")
    func resolution() {
        #expect(PrecisionSetting.auto.resolved(hasInt8Path: true) == .int8)
        #expect(PrecisionSetting.auto.resolved(hasInt8Path: false) == .fp32)
        #expect(PrecisionSetting.fp32.resolved(hasInt8Path: true) == .fp32)
        #expect(PrecisionSetting.fp32.resolved(hasInt8Path: false) == .fp32)
        #expect(PrecisionSetting.int8.resolved(hasInt8Path: true) == .int8)
        #expect(PrecisionSetting.int8.resolved(hasInt8Path: false) == nil)
    }

    @Test("a BERT folder loads in int8 under auto and int8, in fp32 under fp32")
    func bertBase() throws {
        let tiny = try TinyModelFolder(seed: 3)
        defer { tiny.remove() }
        #expect(try BaseModel.load(path: tiny.path, precision: .auto).precision == .int8)
        #expect(try BaseModel.load(path: tiny.path, precision: .int8).precision == .int8)
        #expect(try BaseModel.load(path: tiny.path, precision: .fp32).precision == .fp32)
        #expect(try BaseModel.load(path: tiny.path).precision == .fp32, "the library's default stays fp32")
    }

    @Test("a Llama folder loads in fp32 under auto and refuses int8, naming the way out")
    func llamaBase() throws {
        let tiny = try TinyModelFolder(llamaSeed: 4)
        defer { tiny.remove() }
        let auto = try BaseModel.load(path: tiny.path, precision: .auto)
        #expect(auto.precision == .fp32 && auto.encoder == nil)
        #expect {
            _ = try BaseModel.load(path: tiny.path, precision: .int8)
        } throws: { error in
            "\(error)".contains("--precision int8 covers BERT encoders only") && "\(error)".contains("auto")
        }
    }
}
