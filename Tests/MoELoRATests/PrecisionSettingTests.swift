// `--precision auto|fp32|int8`: auto is int8 on a BERT base and fp32 on a Llama base; fp32 and int8 run as asked on
// either family.

import Foundation
import MoELoRA
import TensorCore
import TestSupport
import Testing

@Suite("precision setting")
struct PrecisionSettingTests {
    @Test("auto resolves to int8 where the base's guard allows it and to fp32 elsewhere; fp32 and int8 stay")
    func resolution() {
        #expect(PrecisionSetting.auto.resolved(autoIsInt8: true) == .int8)
        #expect(PrecisionSetting.auto.resolved(autoIsInt8: false) == .fp32)
        for autoIsInt8 in [false, true] {
            #expect(PrecisionSetting.fp32.resolved(autoIsInt8: autoIsInt8) == .fp32)
            #expect(PrecisionSetting.int8.resolved(autoIsInt8: autoIsInt8) == .int8)
        }
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

    @Test("a Llama folder loads in fp32 under auto (no projections prepared) and in int8 when asked")
    func llamaBase() throws {
        let tiny = try TinyModelFolder(llamaSeed: 4)
        defer { tiny.remove() }
        let auto = try BaseModel.load(path: tiny.path, precision: .auto)
        #expect(auto.precision == .fp32 && auto.encoder == nil && auto.decoder?.projections == nil)
        let int8 = try BaseModel.load(path: tiny.path, precision: .int8)
        #expect(int8.precision == .int8 && int8.decoder?.projections?.count == int8.shape.layers)
    }
}
