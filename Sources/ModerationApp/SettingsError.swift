// A setting that cannot be used: its message names the setting, where the value came from, and what is allowed.

/// A bad flag, variable, config-file line or combination of settings.
public struct SettingsError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
