// The validated description of one tensor in a safetensors header: its name, dtype, shape and byte range.

/// What a safetensors header says about one tensor, after validation.
public struct TensorInfo: Sendable, Equatable, Hashable {
    /// The tensor's name, the key in the header.
    public var name: String
    /// The element type.
    public var dtype: SafeTensorsDType
    /// Sizes of the dimensions, outermost first; empty for a scalar.
    public var shape: [Int]
    /// Where the tensor's bytes lie, relative to the start of the data buffer.
    public var byteRange: Range<Int>

    /// Creates a description; `SafeTensorsFile` builds these from a header it has validated.
    public init(name: String, dtype: SafeTensorsDType, shape: [Int], byteRange: Range<Int>) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.byteRange = byteRange
    }

    /// Number of elements: the product of `shape` (1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }

    /// Number of bytes of data: `byteRange.count`.
    public var byteCount: Int { byteRange.count }
}
