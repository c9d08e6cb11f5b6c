// What one batch did, for metrics.

/// One batch the worker ran: its size and how long the model took.
public struct BatchReport: Sendable {
    public let requests: Int
    public let sequences: Int
    public let tokens: Int
    public let seconds: Double
}
