// Run-time settings of OpenBLAS and of moecl's own kernel threads.

import CBLAS

/// Thread count and identity of the loaded OpenBLAS.
public enum BLASRuntime {
    /// Uses `threads` threads for OpenBLAS and for moecl's own row-parallel kernels.
    public static func configure(threads: Int) {
        let n = max(1, threads)
        openblas_set_num_threads(Int32(n))
        Parallel.threads = n
    }

    /// The kernel family OpenBLAS chose at load time (for example "SkylakeX" or "Haswell").
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// OpenBLAS's build configuration string.
    public static var buildConfig: String {
        guard let config = openblas_get_config() else { return "unknown" }
        return String(cString: config)
    }

    /// Threads OpenBLAS uses now.
    public static var threads: Int { Int(openblas_get_num_threads()) }
}
