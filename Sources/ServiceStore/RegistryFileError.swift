// A registered expert whose file cannot be read.

/// A registered expert whose file cannot be had.
public struct RegistryFileError: Error, CustomStringConvertible {
    public let entry: RegisteredExpert
    public let reason: String

    public init(entry: RegisteredExpert, reason: String) {
        self.entry = entry
        self.reason = reason
    }

    public var description: String {
        "version \(entry.version) of task '\(entry.task)' (registry entry \(entry.id)) cannot be loaded: "
            + "\(reason); upload the expert again"
    }
}
