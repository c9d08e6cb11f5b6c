// One setting of `moecl serve` from the first source that has it: flag, then environment, then config file.

import ArgumentParser
import Foundation

/// Resolves settings by precedence: a flag given on the command line, else the environment variable
/// `MOECL_<KEY>` (upper case, `-` as `_`), else the config file's `key`, else the default.
public struct SettingsResolver: Sendable {
    public let environment: [String: String]
    public let file: ConfigFile?

    public init(environment: [String: String], file: ConfigFile?) {
        self.environment = environment
        self.file = file
    }

    public static func environmentName(_ key: String) -> String {
        "MOECL_" + key.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    /// The raw text of `key` from the environment or the file, and where it came from.
    public func text(_ key: String) -> (value: String, source: String)? {
        let name = Self.environmentName(key)
        if let value = environment[name], !value.isEmpty { return (value, name) }
        if let file, let value = file.last(key) { return (value, "\(file.path): \(key)") }
        return nil
    }

    public func value<T: LosslessStringConvertible>(_ flag: T?, _ key: String, default fallback: T) throws -> T {
        if let flag { return flag }
        guard let (text, source) = text(key) else { return fallback }
        guard let value = T(text) else { throw ValidationError("\(source) = '\(text)' is not a valid value for --\(key)") }
        return value
    }

    public func optional(_ flag: String?, _ key: String) -> String? {
        flag ?? text(key)?.value
    }

    /// Every value of a repeatable setting from all three sources (flags, then a comma-separated environment
    /// variable, then the file's lines): tokens add up rather than override.
    public func all(_ flags: [String], _ key: String, environmentName: String) -> [String] {
        let fromEnvironment = (environment[environmentName] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return flags + fromEnvironment.filter { !$0.isEmpty } + (file?.values[key] ?? [])
    }
}
