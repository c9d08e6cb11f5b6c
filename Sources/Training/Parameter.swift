// One trainable tensor and its gradient, at stable addresses so the kernels can hold raw pointers to many at once.

/// A named trainable tensor (row-major floats) with a gradient buffer of the same size.
///
/// The training loop owns it on one thread; kernels write the gradient through `gradient` while a step runs.
public final class Parameter {
    public let name: String
    public let count: Int
    public let value: UnsafeMutablePointer<Float>
    public let gradient: UnsafeMutablePointer<Float>

    /// A parameter holding a copy of `values`, with a zero gradient.
    public init(name: String, values: [Float]) {
        self.name = name
        count = values.count
        value = .allocate(capacity: max(1, values.count))
        gradient = .allocate(capacity: max(1, values.count))
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { value.initialize(from: base, count: values.count) }
        }
        gradient.initialize(repeating: 0, count: count)
    }

    deinit {
        value.deallocate()
        gradient.deallocate()
    }

    /// The values as an array.
    public var values: [Float] { Array(UnsafeBufferPointer(start: value, count: count)) }

    /// The gradient as an array.
    public var gradients: [Float] { Array(UnsafeBufferPointer(start: gradient, count: count)) }

    /// Overwrites the values (sizes must match).
    public func assign(_ values: [Float]) {
        precondition(values.count == count, "parameter '\(name)' holds \(count) values, not \(values.count)")
        values.withUnsafeBufferPointer { value.update(from: $0.baseAddress!, count: count) }
    }

    /// Sets the gradient to zero.
    public func zeroGradient() { gradient.update(repeating: 0, count: count) }
}
