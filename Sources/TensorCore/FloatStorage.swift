// Immutable Float32 storage at a stable address, so kernels can hold raw pointers to many tensors at once.

/// A fixed array of floats that never moves and is never written after creation.
///
/// `@unchecked Sendable` is safe: the memory is written only in `init` and freed only in `deinit`, so every
/// thread that can see the object sees the same, finished contents.
public final class FloatStorage: @unchecked Sendable {
    /// Start of the elements; valid while the object lives.
    public let pointer: UnsafePointer<Float>
    /// Number of elements.
    public let count: Int

    /// Copies `values` into fresh storage.
    public init(_ values: [Float]) {
        let memory = UnsafeMutablePointer<Float>.allocate(capacity: max(1, values.count))
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { memory.initialize(from: base, count: values.count) }
        }
        pointer = UnsafePointer(memory)
        count = values.count
    }

    /// Fills fresh storage of `count` elements by calling `fill` once with the uninitialised buffer.
    public init(count: Int, _ fill: (UnsafeMutableBufferPointer<Float>) -> Void) {
        let memory = UnsafeMutablePointer<Float>.allocate(capacity: max(1, count))
        memory.initialize(repeating: 0, count: count)
        fill(UnsafeMutableBufferPointer(start: memory, count: count))
        pointer = UnsafePointer(memory)
        self.count = count
    }

    deinit { UnsafeMutablePointer(mutating: pointer).deallocate() }

    /// A copy of the elements as an array.
    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// Element `i`.
    public subscript(i: Int) -> Float { pointer[i] }

    /// Whether every element is finite.
    public var allFinite: Bool {
        for i in 0..<count where !pointer[i].isFinite { return false }
        return true
    }

    /// Whether every element is zero.
    public var allZero: Bool {
        for i in 0..<count where pointer[i] != 0 { return false }
        return true
    }
}
