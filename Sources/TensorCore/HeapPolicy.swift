// How the process's allocator treats the forward pass's work buffers.

import CKernels

/// A forward pass allocates its work buffers (megabytes) per call. glibc serves such sizes by mmap and returns them
/// on free, so every forward pass faulted its pages in again (about 9 % of an int8 batch of 8 × 128 tokens,
/// docs/PERFORMANCE.md). `keepWorkBuffers` has up to 64 MiB per allocation come from the heap and keeps up to
/// 128 MiB of free heap; a `MALLOC_MMAP_THRESHOLD_` or `MALLOC_TRIM_THRESHOLD_` the user set wins.
public enum HeapPolicy {
    public static let mmapThreshold = 64 << 20
    public static let trimThreshold = 128 << 20

    public static func keepWorkBuffers(environment: [String: String]) {
        moecl_heap_keep(
            environment["MALLOC_MMAP_THRESHOLD_"] == nil ? mmapThreshold : 0,
            environment["MALLOC_TRIM_THRESHOLD_"] == nil ? trimThreshold : 0)
    }
}
