// The gates' initialisation (`--gate-init-std`): zero by default, else uniform with the asked standard deviation.

import TensorCore
import TestSupport
import Testing
import Training

@Suite("Gate initialisation")
struct GateInitTests {
    @Test("zero gates by default; a standard deviation gives seeded uniform weights of that spread")
    func gateInit() throws {
        let folder = try TinyModelFolder(seed: 5)
        let zero = ContinualModel(backbone: folder.base.backbone, mixing: .gated, seed: 1)
        #expect(zero.gates.allSatisfy { $0.values.allSatisfy { $0 == 0 } })
        let make = { (seed: UInt64) in
            ContinualModel(backbone: folder.base.backbone, mixing: .gated, gateInitStd: 0.5, seed: seed)
        }
        let a = make(1), b = make(1), c = make(2)
        let values = a.gates.flatMap(\.values)
        #expect(values == b.gates.flatMap(\.values))
        #expect(values != c.gates.flatMap(\.values))
        let count = Float(values.count)
        let mean: Float = values.reduce(0, +) / count
        let squares: Float = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
        let std: Float = (squares / count).squareRoot()
        // Uniform on [-w, w], w = 0.5·√3: every value inside, the sample spread near 0.5 (96 values: within about 3.5 standard errors).
        #expect(values.count >= 64)
        #expect(values.allSatisfy { abs($0) <= 0.5 * Float(3).squareRoot() })
        #expect(abs(std - 0.5) < 0.08, "std \(std)")
        // The shared expert is drawn first, so it is the same with or without random gates.
        #expect(a.shared?.parameters.map(\.values) == zero.shared?.parameters.map(\.values))
    }
}
