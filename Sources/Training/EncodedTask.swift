// A task's splits as token ids, ready for batching.

/// One example: token ids (with [CLS] … [SEP]) and its label index.
public struct EncodedExample: Sendable, Equatable {
    public let ids: [Int32]
    public let label: Int

    public init(ids: [Int32], label: Int) {
        self.ids = ids
        self.label = label
    }
}

/// A task with its labels and tokenised train, dev and test splits.
public struct EncodedTask: Sendable {
    public let name: String
    public let labels: [String]
    public let compliantLabel: String?
    public let train: [EncodedExample]
    public let dev: [EncodedExample]
    public let test: [EncodedExample]

    public init(
        name: String, labels: [String], compliantLabel: String?, train: [EncodedExample], dev: [EncodedExample],
        test: [EncodedExample] = []
    ) {
        self.name = name
        self.labels = labels
        self.compliantLabel = compliantLabel
        self.train = train
        self.dev = dev
        self.test = test
    }

    /// Tokenises `data` with `encode` (which truncates).
    public init(_ data: TaskData, encode: (String) -> [Int32]) {
        name = data.name
        labels = data.labels
        compliantLabel = data.labels.contains("compliant") ? "compliant" : nil
        train = data.train.map { EncodedExample(ids: encode($0.text), label: $0.label) }
        dev = data.dev.map { EncodedExample(ids: encode($0.text), label: $0.label) }
        test = data.test.map { EncodedExample(ids: encode($0.text), label: $0.label) }
    }
}
