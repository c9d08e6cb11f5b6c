// Several token sequences laid end to end without padding, as the encoder consumes them.

/// Token sequences packed row after row: the encoder runs its projections on all N tokens at once and its
/// attention within each sequence, so padding costs nothing.
///
/// Shapes: `tokenIds`, `positions` [N]; sequence `s` occupies rows `offsets[s]..<offsets[s + 1]`.
public struct PackedBatch: Sendable, Equatable {
    public let tokenIds: [Int32]
    public let positions: [Int32]
    /// S + 1 row offsets; `offsets.last == tokenIds.count`.
    public let offsets: [Int]

    /// Packs plain sequences; positions count from 0 in each.
    public init(sequences: [[Int32]]) {
        var ids: [Int32] = []
        var positions: [Int32] = []
        var offsets = [0]
        let total = sequences.reduce(0) { $0 + $1.count }
        ids.reserveCapacity(total)
        positions.reserveCapacity(total)
        for seq in sequences {
            ids.append(contentsOf: seq)
            positions.append(contentsOf: (0..<Int32(seq.count)))
            offsets.append(ids.count)
        }
        self.tokenIds = ids
        self.positions = positions
        self.offsets = offsets
    }

    /// Packs a right-padded [B, L] batch, keeping the tokens whose mask is non-zero with their original positions;
    /// this is what attention with a padding mask computes.
    public init(paddedIds: [Int32], mask: [Int32], batchSize: Int, length: Int) {
        precondition(paddedIds.count == batchSize * length && mask.count == paddedIds.count, "batch shape mismatch")
        var ids: [Int32] = []
        var positions: [Int32] = []
        var offsets = [0]
        for b in 0..<batchSize {
            for t in 0..<length where mask[b * length + t] != 0 {
                ids.append(paddedIds[b * length + t])
                positions.append(Int32(t))
            }
            offsets.append(ids.count)
        }
        self.tokenIds = ids
        self.positions = positions
        self.offsets = offsets
    }

    /// Number of sequences (S).
    public var count: Int { offsets.count - 1 }
    /// Total tokens (N).
    public var tokenCount: Int { tokenIds.count }
    /// Length of sequence `s`.
    public func length(_ s: Int) -> Int { offsets[s + 1] - offsets[s] }
}
