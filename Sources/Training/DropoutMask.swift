// Inverted dropout with a stateless mask: element i of a masked tensor is a pure function of (key, i), so the
// backward pass regenerates the forward's mask instead of storing it.

/// Keeps each element with probability 1 − p and scales kept ones by 1 / (1 − p).
public struct DropoutMask: Sendable {
    public let probability: Float
    let key: UInt64
    let threshold: UInt64
    let keepScale: Float

    /// A mask for `probability` p ∈ [0, 1) identified by `key` (step seed, layer, slot, which input).
    public init(probability: Float, key: UInt64) {
        precondition(probability >= 0 && probability < 1, "dropout probability in [0, 1)")
        self.probability = probability
        self.key = key
        threshold = UInt64(Double(probability) * 4_294_967_296)
        keepScale = 1 / (1 - probability)
    }

    /// Whether the mask drops nothing.
    public var isIdentity: Bool { probability == 0 }

    /// The mask key for one input of one expert slot in one layer at one step.
    public static func key(seed: UInt64, step: Int, layer: Int, slot: Int, input: Int) -> UInt64 {
        var h = seed ^ 0x5851_F42D_4C95_7F2D
        for part in [UInt64(step), UInt64(layer), UInt64(slot), UInt64(input)] { h = mix(h &+ part) }
        return h
    }

    /// dst[i] = src[i] · mask(first + i) for i in 0..<count; dst may alias src.
    @inline(__always)
    public func apply(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int, first: Int) {
        for i in 0..<count {
            dst[i] = Self.mix(key &+ UInt64(first + i)) >> 32 < threshold ? 0 : src[i] * keepScale
        }
    }

    /// dst[i] += src[i] · mask(first + i) (the backward of `apply`).
    @inline(__always)
    public func accumulate(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int, first: Int) {
        for i in 0..<count where Self.mix(key &+ UInt64(first + i)) >> 32 >= threshold {
            dst[i] += src[i] * keepScale
        }
    }

    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
