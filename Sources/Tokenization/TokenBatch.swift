// A right-padded batch of token id sequences with its attention mask.

/// Token ids of several texts, padded on the right to the longest one.
///
/// Shapes: `ids` and `attentionMask` are [B, L] row-major, B = `batchSize`, L = `paddedLength`.
public struct TokenBatch: Sendable, Equatable {
    /// Number of sequences (B).
    public let batchSize: Int
    /// Length every row is padded to (L): the longest sequence.
    public let paddedLength: Int
    /// [B, L] ids; positions past a sequence's end hold the pad id.
    public let ids: [Int32]
    /// [B, L]: 1 for a real token, 0 for padding.
    public let attentionMask: [Int32]
    /// Real length of each sequence.
    public let lengths: [Int]

    /// Pads `sequences` with `padId` to the longest one.
    public init(sequences: [[Int32]], padId: Int32) {
        let length = sequences.map(\.count).max() ?? 0
        var ids = [Int32](repeating: padId, count: sequences.count * length)
        var mask = [Int32](repeating: 0, count: sequences.count * length)
        for (row, seq) in sequences.enumerated() {
            for (col, id) in seq.enumerated() {
                ids[row * length + col] = id
                mask[row * length + col] = 1
            }
        }
        self.batchSize = sequences.count
        self.paddedLength = length
        self.ids = ids
        self.attentionMask = mask
        self.lengths = sequences.map(\.count)
    }

    /// The real (unpadded) ids of row `row`.
    public func sequence(_ row: Int) -> [Int32] {
        Array(ids[row * paddedLength..<row * paddedLength + lengths[row]])
    }
}
