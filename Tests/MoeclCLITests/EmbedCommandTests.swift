// End-to-end tests of the moecl binary: embeddings against the goldens, and every kind of bad input.

import Foundation
import TestSupport
import Testing

/// Runs a built executable with arguments and stdin; returns status, stdout and stderr.
func run(_ binary: URL, _ arguments: [String], stdin: String = "", environment: [String: String] = [:]) throws
    -> (status: Int32, out: String, err: String)
{
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.currentDirectoryURL = TestPaths.packageRoot
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let input = Pipe(), output = Pipe(), error = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = error
    try process.run()
    input.fileHandleForWriting.write(Data(stdin.utf8))
    try input.fileHandleForWriting.close()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}

@Suite("moecl embed (binary)")
struct EmbedCommandTests {
    /// A missing build fails every test here (the path does not exist) instead of skipping them.
    let binary = ClassifyInspectCommandTests.binary ?? URL(fileURLWithPath: "/nonexistent/moecl-not-built")

    @Test(
        "embeddings of golden texts from stdin match sentence-transformers within 1e-4 in fp32; by default (auto: int8) they keep a cosine of at least 0.999 to them without being equal",
        .enabled(if: TestPaths.baseModel != nil, "base model not fetched: run make setup"))
    func matchesGoldens() throws {
        let records = try TestPaths.jsonLines(TestPaths.fixtures.appendingPathComponent("encoder/texts.jsonl"))
        let picked = Array(records.prefix(12)) + Array(records.suffix(4))
        let texts = try picked.map { try #require($0["text"] as? String) }
        #expect(texts.allSatisfy { !$0.contains("\n") })
        let stdin = texts.joined(separator: "\n") + "\n"
        let result = try run(binary, ["embed", "--threads", "2", "--precision", "fp32"], stdin: stdin)
        #expect(result.status == 0, "\(result.err)")
        let lines = result.out.split(separator: "\n")
        #expect(lines.count == texts.count)
        let goldenFile = TestPaths.fixtures.appendingPathComponent("encoder/embeddings.safetensors")
        let golden = try readPooledGoldens(goldenFile)
        let indices = Array(0..<12) + Array(records.count - 4..<records.count)
        for (line, (index, record)) in zip(lines, zip(indices, picked)) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let embedding = try #require(object["embedding"] as? [Double])
            #expect(object["tokens"] as? Int == record["tokens"] as? Int)
            let expected = golden[index]
            let worst = zip(embedding, expected).map { abs($0 - Double($1)) }.max() ?? 1
            #expect(embedding.count == expected.count && worst < 1e-4, "line \(index): \(worst)")
        }
        let byDefault = try run(binary, ["embed", "--threads", "2"], stdin: stdin)
        #expect(byDefault.status == 0, "\(byDefault.err)")
        let int8 = try byDefault.out.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])["embedding"]
                as? [Double]
        }
        #expect(int8.count == texts.count)
        for (embedding, index) in zip(int8, indices) {
            let e = try #require(embedding), g = golden[index].map(Double.init)
            let dot = zip(e, g).map(*).reduce(0, +)
            let cosine = dot / (e.map { $0 * $0 }.reduce(0, +) * g.map { $0 * $0 }.reduce(0, +)).squareRoot()
            #expect(cosine >= 0.999 && e != g, "line \(index): cosine \(cosine)")
        }
    }

    @Test(
        "--normalize gives unit vectors; --text skips stdin",
        .enabled(if: TestPaths.baseModel != nil, "base model not fetched: run make setup"))
    func normalizeAndText() throws {
        let result = try run(binary, ["embed", "--normalize", "--text", "Free prizes, click now!", "--text", "hi"])
        #expect(result.status == 0, "\(result.err)")
        for line in result.out.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let v = try #require(object["embedding"] as? [Double])
            #expect(abs(v.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
        }
        #expect(result.out.split(separator: "\n").count == 2)
    }

    @Test("an unknown flag fails with usage help and a non-zero status")
    func unknownFlag() throws {
        let result = try run(binary, ["embed", "--frobnicate"])
        #expect(result.status != 0)
        #expect(result.err.contains("--frobnicate"))
    }

    @Test("a missing or empty model folder fails with advice")
    func missingModel() throws {
        let missing = try run(binary, ["embed", "--model", "/nonexistent/model", "--text", "x"])
        #expect(missing.status != 0)
        #expect(missing.err.contains("/nonexistent/model") && missing.err.contains("make setup"))
        let empty = TestPaths.temporaryFolder("empty-model")
        defer { try? FileManager.default.removeItem(at: empty) }
        let result = try run(binary, ["embed", "--model", empty.path, "--text", "x"])
        #expect(result.status != 0)
        #expect(result.err.contains("config.json"))
    }

    @Test(
        "a truncated model.safetensors fails naming the file",
        .enabled(if: TestPaths.baseModel != nil, "base model not fetched: run make setup"))
    func corruptModel() throws {
        let model = try #require(TestPaths.baseModel)
        let folder = TestPaths.temporaryFolder("corrupt-model")
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["config.json", "tokenizer.json", "vocab.txt"] {
            try FileManager.default.copyItem(
                at: model.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let weights = try Data(contentsOf: model.appendingPathComponent("model.safetensors"))
        try weights.prefix(weights.count / 2).write(to: folder.appendingPathComponent("model.safetensors"))
        let result = try run(binary, ["embed", "--model", folder.path, "--text", "x"])
        #expect(result.status != 0)
        #expect(result.err.contains("model.safetensors") && result.err.contains("truncated"), "\(result.err)")
    }

    @Test(
        "invalid UTF-8 on stdin fails with the line number",
        .enabled(if: TestPaths.baseModel != nil, "base model not fetched: run make setup"))
    func invalidInput() throws {
        let process = Process()
        process.executableURL = binary
        process.arguments = ["embed"]
        process.currentDirectoryURL = TestPaths.packageRoot
        let input = Pipe(), error = Pipe()
        process.standardInput = input
        process.standardOutput = Pipe()
        process.standardError = error
        try process.run()
        input.fileHandleForWriting.write(Data(Array("fine\n".utf8) + [0xC3, 0x28] + [0x0A]))
        try input.fileHandleForWriting.close()
        let err = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(err.contains("line 2") && err.contains("UTF-8"), "\(err)")
    }

    @Test(
        "moecl health reports the model and the OpenBLAS core",
        .enabled(if: TestPaths.baseModel != nil, "base model not fetched: run make setup"))
    func health() throws {
        let result = try run(binary, ["health"])
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out.contains("status: ok") && result.out.contains("openblas: core"))
        #expect(result.out.contains("OPENBLAS_THREAD_TIMEOUT=4"))
    }
}

/// The [N, d] golden matrix as rows, read without ModelFormats (a tiny safetensors parse for one F32 tensor).
func readPooledGoldens(_ url: URL) throws -> [[Float]] {
    let data = try Data(contentsOf: url)
    let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    let header = try #require(try JSONSerialization.jsonObject(with: data[8..<8 + headerLength]) as? [String: Any])
    let entry = try #require(header["pooled"] as? [String: Any])
    let shape = try #require(entry["shape"] as? [Int])
    let offsets = try #require(entry["data_offsets"] as? [Int])
    let start = 8 + headerLength + offsets[0]
    let floats: [Float] = data[start..<8 + headerLength + offsets[1]].withUnsafeBytes { raw in
        (0..<shape[0] * shape[1]).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) }
    }
    return (0..<shape[0]).map { Array(floats[$0 * shape[1]..<($0 + 1) * shape[1]]) }
}
