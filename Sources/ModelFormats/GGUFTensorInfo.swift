// The validated description of one tensor of a GGUF file.

/// What a GGUF file says about one tensor, after validation.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    public let type: GGMLType
    /// Sizes as the file lists them: `dimensions[0]` varies fastest (ggml's ne[0], the row length).
    public let dimensions: [Int]
    /// Where the tensor's bytes lie, relative to the start of the data section.
    public let byteRange: Range<Int>

    /// Sizes outermost first, as row-major arrays (and safetensors) list them: `dimensions` reversed.
    public var shape: [Int] { dimensions.reversed() }
    public var elementCount: Int { dimensions.reduce(1, *) }
}
