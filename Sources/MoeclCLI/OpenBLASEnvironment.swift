// Decides the OpenBLAS environment a moecl process needs before the library loads.

import Foundation

/// The environment OpenBLAS must see when it loads (it reads these variables once, at load time).
///
/// - `OPENBLAS_CORETYPE=SkylakeX` when the CPU has AVX-512F and the user chose no core type: Debian's OpenBLAS 0.3.21
///   does not recognise Zen 5 and would fall back to its AVX2 kernels (half the SGEMM throughput).
/// - `OPENBLAS_THREAD_TIMEOUT=4` unless set: idle OpenBLAS workers stop spinning quickly instead of stealing a core
///   from the HTTP threads for about 0.1 s after each call.
public struct OpenBLASEnvironment: Equatable, Sendable {
    /// The variables to add (never overrides one the user set).
    public var additions: [String: String]

    /// Guard variable set on re-exec, so a process re-executes itself at most once.
    public static let reexecMarker = "MOECL_OPENBLAS_REEXEC"

    /// Computes the additions for an environment and the CPU's feature flags.
    public init(environment: [String: String], cpuFlags: Set<String>) {
        var additions: [String: String] = [:]
        if environment["OPENBLAS_CORETYPE"] == nil, cpuFlags.contains("avx512f") {
            additions["OPENBLAS_CORETYPE"] = "SkylakeX"
        }
        if environment["OPENBLAS_THREAD_TIMEOUT"] == nil {
            additions["OPENBLAS_THREAD_TIMEOUT"] = "4"
        }
        self.additions = additions
    }

    /// Whether the process must re-execute itself for the additions to reach OpenBLAS.
    public func needsReexec(environment: [String: String]) -> Bool {
        !additions.isEmpty && environment[Self.reexecMarker] == nil
    }

    /// CPU feature flags from /proc/cpuinfo (empty where it is unreadable, e.g. not Linux).
    public static func cpuFlags(cpuinfo: String? = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))
        -> Set<String>
    {
        guard let cpuinfo else { return [] }
        for line in cpuinfo.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return []
    }
}
