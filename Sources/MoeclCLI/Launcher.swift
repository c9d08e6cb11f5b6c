// Process start-up: put OpenBLAS's environment in force (re-executing once if needed) before any BLAS call.

import Foundation
import TensorCore

#if canImport(Glibc)
    import Glibc
#endif

/// Start-up steps shared by the `moecl` and `moecl-bench` executables.
public enum Launcher {
    /// Ensures the OpenBLAS variables are set before the library's first use; re-executes the process once
    /// (`/proc/self/exe` with the same arguments) when a variable had to be added. Falls through if exec fails.
    public static func prepareEnvironment() {
        HeapPolicy.keepWorkBuffers(environment: ProcessInfo.processInfo.environment)
        let env = ProcessInfo.processInfo.environment
        let plan = OpenBLASEnvironment(environment: env, cpuFlags: OpenBLASEnvironment.cpuFlags())
        guard plan.needsReexec(environment: env) else { return }
        for (key, value) in plan.additions { setenv(key, value, 0) }
        setenv(OpenBLASEnvironment.reexecMarker, "1", 1)
        #if os(Linux)
            let args = CommandLine.arguments
            var cArgs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) }
            cArgs.append(nil)
            execv("/proc/self/exe", &cArgs)
            // exec failed: carry on with the library's defaults.
            for p in cArgs { free(p) }
        #endif
    }

    /// The thread count from a flag, else `MOECL_THREADS`, else the number of active cores.
    public static func threadCount(flag: Int?) -> Int {
        if let flag, flag > 0 { return flag }
        if let value = ProcessInfo.processInfo.environment["MOECL_THREADS"], let n = Int(value), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }
}
