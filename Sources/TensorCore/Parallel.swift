// Splitting row-wise work over the compute threads.

import Dispatch

/// Runs row-parallel loops on up to `Parallel.threads` threads (the same count given to OpenBLAS).
public enum Parallel {
    /// Threads used for non-BLAS kernels; set once at start-up by `BLASRuntime.configure`.
    nonisolated(unsafe) public static var threads: Int = 1

    /// Calls `body` on disjoint chunks that cover `0..<count`; runs inline when the work is small. The chunks run
    /// on `SpinPool`'s persistent threads (the caller takes the first), or on Dispatch's while another thread's
    /// job holds the pool.
    /// - Parameters:
    ///   - count: number of rows.
    ///   - cost: rough work per row (elements touched), to decide whether threads pay off.
    ///   - threads: the most threads to use (default `Parallel.threads`).
    @inline(__always)
    public static func forChunks(
        _ count: Int, cost: Int, threads: Int = Parallel.threads,
        _ body: (Range<Int>) -> Void
    ) {
        let workers = min(threads, count)
        if workers <= 1 || count * cost < 32_768 {
            body(0..<count)
            return
        }
        let chunk = (count + workers - 1) / workers
        if SpinPool.shared.run(count: count, chunk: chunk, body) { return }
        withoutActuallyEscaping(body) { body in
            let box = ChunkBody(run: body)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let start = w * chunk
                let end = min(count, start + chunk)
                if start < end { box.run(start..<end) }
            }
        }
    }
}

/// Carries a row-chunk closure into `concurrentPerform`.
///
/// `@unchecked Sendable` is safe here: `forChunks` waits for every chunk before returning, and the chunks are
/// disjoint row ranges, so the captured buffers are never written by two threads at once.
private struct ChunkBody: @unchecked Sendable {
    let run: (Range<Int>) -> Void
}
