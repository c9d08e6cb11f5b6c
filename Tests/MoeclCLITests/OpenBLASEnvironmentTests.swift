// The start-up decision about OpenBLAS's environment, and input line reading.

import Foundation
import MoeclCLI
import Testing

@Suite("OpenBLAS environment")
struct OpenBLASEnvironmentTests {
    @Test("AVX-512 CPU, nothing set: SkylakeX and the thread timeout are added, re-exec needed")
    func avx512() {
        let plan = OpenBLASEnvironment(environment: [:], cpuFlags: ["avx2", "avx512f"])
        #expect(plan.additions == ["OPENBLAS_CORETYPE": "SkylakeX", "OPENBLAS_THREAD_TIMEOUT": "4"])
        #expect(plan.needsReexec(environment: [:]))
        #expect(!plan.needsReexec(environment: [OpenBLASEnvironment.reexecMarker: "1"]))
    }

    @Test("the user's choices are never overridden; no AVX-512 means no core type")
    func respectsUser() {
        let env = ["OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_THREAD_TIMEOUT": "1"]
        let plan = OpenBLASEnvironment(environment: env, cpuFlags: ["avx512f"])
        #expect(plan.additions.isEmpty)
        #expect(!plan.needsReexec(environment: env))
        let avx2 = OpenBLASEnvironment(environment: ["OPENBLAS_THREAD_TIMEOUT": "4"], cpuFlags: ["avx2"])
        #expect(avx2.additions.isEmpty)
    }

    @Test("CPU flags are read from the first flags line of cpuinfo")
    func cpuFlags() {
        let info = "processor\t: 0\nmodel name\t: X\nflags\t\t: fpu sse avx2 avx512f\n\nflags\t: other\n"
        #expect(OpenBLASEnvironment.cpuFlags(cpuinfo: info) == ["fpu", "sse", "avx2", "avx512f"])
        #expect(OpenBLASEnvironment.cpuFlags(cpuinfo: nil).isEmpty)
    }
}

@Suite("LineReader")
struct LineReaderTests {
    func lines(_ bytes: [UInt8]) throws -> [String] {
        let pipe = Pipe()
        pipe.fileHandleForWriting.write(Data(bytes))
        try pipe.fileHandleForWriting.close()
        var reader = LineReader(handle: pipe.fileHandleForReading, source: "test")
        var out: [String] = []
        while let line = try reader.next() { out.append(line) }
        return out
    }

    @Test("LF and CRLF lines, a last line without a newline, empty lines kept")
    func splitting() throws {
        #expect(try lines(Array("a\r\nb\n\nc".utf8)) == ["a", "b", "", "c"])
        #expect(try lines([]) == [])
        #expect(try lines(Array("héllo 👋\n".utf8)) == ["héllo 👋"])
    }

    @Test("invalid UTF-8 is reported with its line number")
    func invalidUTF8() {
        #expect(throws: InputError.invalidUTF8(source: "test", line: 2)) {
            try lines(Array("ok\n".utf8) + [0xFF, 0xFE] + Array("\nnext\n".utf8))
        }
    }
}
