// The optional configuration file of `moecl serve`: `key = value` lines, keys named like the long flags.

import Foundation

/// A parsed configuration file. Format, one setting per line:
///
///     # comments and blank lines are ignored
///     port = 9000
///     max-batch-tokens = 8192
///     token = admin:0123456789abcdef      # repeatable keys: one line per value
///     tls-cert = "/etc/moecl/cert.pem"     # quotes are optional
///
/// Keys are the long flag names without `--`; an unknown key is an error naming its line.
public struct ConfigFile: Sendable, Equatable {
    public let path: String
    /// Values per key, in file order.
    public let values: [String: [String]]

    public init(path: String, values: [String: [String]]) {
        self.path = path
        self.values = values
    }

    /// Reads and checks `path` against `keys`.
    public static func load(path: String, keys: Set<String>) throws -> ConfigFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SettingsError("cannot read the config file \(path): check the path given by --config or MOECL_CONFIG")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw SettingsError("the config file \(path) is not valid UTF-8")
        }
        return try parse(text, path: path, keys: keys)
    }

    public static func parse(_ text: String, path: String, keys: Set<String>) throws -> ConfigFile {
        var values: [String: [String]] = [:]
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = stripComment(rawLine).trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw SettingsError("\(path) line \(number + 1): expected key = value, got '\(line)'")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            guard keys.contains(key) else {
                throw SettingsError(
                    "\(path) line \(number + 1): unknown key '\(key)'; known keys: "
                        + "\(keys.sorted().joined(separator: ", "))"
                )
            }
            values[key, default: []].append(value)
        }
        return ConfigFile(path: path, values: values)
    }

    /// The line without a `#` comment (a `#` inside double quotes is kept).
    static func stripComment(_ line: Substring) -> String {
        var quoted = false
        for index in line.indices {
            if line[index] == "\"" { quoted.toggle() }
            if line[index] == "#" && !quoted { return String(line[..<index]) }
        }
        return String(line)
    }

    /// The last value of `key`, if any.
    public func last(_ key: String) -> String? { values[key]?.last }
}
