// Why the engine did not score a request.

import MoELoRA

/// A refused or failed request.
public enum InferenceEngineError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The queue is full: retry later (the service answers 503 with Retry-After).
    case overloaded(queued: Int, limit: Int)
    /// The engine is stopping or stopped.
    case stopped
    /// A task named by the request is not in the snapshot its batch ran on (for example deleted meanwhile).
    case unknownTask(String, known: [String])
    /// The model refused the batch (a bug or a corrupt expert; the message says which).
    case modelFailure(String)

    public var description: String {
        switch self {
        case .overloaded(let queued, let limit):
            "the inference queue is full (\(queued) of \(limit) sequences waiting); retry shortly"
        case .stopped: "the server is shutting down"
        case .unknownTask(let task, let known): "unknown task '\(task)'; loaded tasks: \(known.joined(separator: ", "))"
        case .modelFailure(let message): "inference failed: \(message)"
        }
    }
}
