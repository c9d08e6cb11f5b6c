// Which of CKernels' paths this process runs: chosen once by CPUID when the binary loads.

import CKernels

/// A build of moecl's own kernels for one x86-64 level. The binary carries all three and runs the best one the CPU
/// and OS support (`MOECL_KERNELS=generic|avx2|avx512` picks a lower one, e.g. to compare them).
public enum KernelPath: String, Sendable, CaseIterable, Codable {
    /// Plain x86-64 (SSE2), no FMA.
    case generic
    /// AVX2 with FMA.
    case avx2
    /// AVX-512 F/BW/DQ/VL.
    case avx512

    /// The path in use.
    public static var active: KernelPath { KernelPath(moecl_kernels_path()) }
    /// The best path this machine supports.
    public static var best: KernelPath { KernelPath(moecl_kernels_best_path()) }
    /// Every path this machine can run, slowest first.
    public static var available: [KernelPath] { allCases.filter { $0.table != nil } }

    /// This path's kernels, or nil when the CPU cannot run them.
    public var table: moecl_kernel_table? { moecl_kernel_table_for(cPath)?.pointee }

    var cPath: moecl_path {
        switch self {
        case .generic: MOECL_PATH_GENERIC
        case .avx2: MOECL_PATH_AVX2
        case .avx512: MOECL_PATH_AVX512
        }
    }

    init(_ path: moecl_path) {
        switch path {
        case MOECL_PATH_AVX512: self = .avx512
        case MOECL_PATH_AVX2: self = .avx2
        default: self = .generic
        }
    }
}
