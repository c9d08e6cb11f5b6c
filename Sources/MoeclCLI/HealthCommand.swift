// `moecl health`: checks that the base model loads and runs, and reports the compute set-up.

import ArgumentParser
import Foundation
import TensorCore
import Tokenization
import Transformer

/// Loads the model, runs one probe text, and prints what it found; exits non-zero when anything is wrong.
public struct HealthCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Check that the base model loads and runs; print the OpenBLAS set-up.",
        discussion: "Example: moecl health --model models/all-MiniLM-L6-v2")

    @OptionGroup public var modelOptions: ModelOptions

    public init() {}

    public func run() throws {
        let started = Date()
        let base = try modelOptions.loadBase()
        let loaded = Date()
        let probe = try base.readout(sequences: [base.tokenizer.encode("moecl health probe")])[0]
        guard probe.allSatisfy(\.isFinite) else { throw ValidationError("the probe read-out is not finite") }
        print("model: \(modelOptions.model) (\(base.shape.summary), vocabulary \(base.shape.vocabularySize))")
        print("tokenizer: max length \(base.tokenizer.maxLength)")
        print("load: \(Int(loaded.timeIntervalSince(started) * 1000)) ms; probe read-out ok (\(probe.count) values)")
        let env = ProcessInfo.processInfo.environment
        print(
            "openblas: core \(BLASRuntime.coreName), threads \(BLASRuntime.threads), "
                + "OPENBLAS_CORETYPE=\(env["OPENBLAS_CORETYPE"] ?? "(unset)"), "
                + "OPENBLAS_THREAD_TIMEOUT=\(env["OPENBLAS_THREAD_TIMEOUT"] ?? "(unset)")"
        )
        print(
            "kernels: \(KernelPath.active.rawValue) (best on this CPU: \(KernelPath.best.rawValue); "
                + "MOECL_KERNELS=\(env["MOECL_KERNELS"] ?? "(unset)")); precision \(base.precision.rawValue)"
                + (base.precision == .int8 ? " on the \(Int8Matrix.pathName) int8 path" : "")
                + " (--precision \(modelOptions.precision.rawValue))")
        print("status: ok")
    }
}
