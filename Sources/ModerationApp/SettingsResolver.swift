// Resolving `ServeSettings` from the command line, the environment and the config file, by precedence.

import Foundation

/// Each setting from the first source that has it: a flag (`--name value` or `--name=value`; the last one
/// given wins), else its non-empty `MOECL_*` variable, else the config file's last `name = value` line, else
/// the default. A repeatable setting takes its values from every source instead. The config file is named by
/// `--config`, else `MOECL_CONFIG`.
public enum SettingsResolver {
    /// The settings `arguments` (the command line after the subcommand) and `environment` give.
    /// - Throws: `SettingsError` naming the flag, variable or file line of a bad value, an unknown flag, or a
    ///   bad combination.
    public static func resolve(arguments: [String], environment: [String: String]) throws -> ServeSettings {
        let flags = try parse(arguments)
        let configPath = flags["config"]?.last ?? environment["MOECL_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        let file = try configPath.map { try ConfigFile.load(path: $0, keys: ServeSettings.fileKeys) }
        var settings = ServeSettings()
        for setting in ServeSettings.table {
            for (value, source) in sources(of: setting, flags: flags, environment: environment, file: file) {
                do {
                    try setting.apply(&settings, value)
                } catch {
                    throw SettingsError("\(source): \(error)")
                }
            }
        }
        try settings.validate()
        return settings
    }

    /// The values that apply to `setting`, each with where it came from.
    static func sources(
        of setting: Setting, flags: [String: [String]], environment: [String: String], file: ConfigFile?
    )
        -> [(value: String, source: String)]
    {
        let fromFlags = (flags[setting.name] ?? []).map { ($0, "--\(setting.name)") }
        let variable = environment[setting.environmentName] ?? ""
        let fromFile = (file?.values[setting.name] ?? []).map { ($0, "\(file!.path): \(setting.name)") }
        guard setting.repeatable else {
            if let last = fromFlags.last { return [last] }
            if !variable.isEmpty { return [(variable, setting.environmentName)] }
            return fromFile.last.map { [$0] } ?? []
        }
        let fromEnvironment = variable.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.map { ($0, setting.environmentName) }
        return fromFlags + fromEnvironment + fromFile
    }

    /// `--name value` and `--name=value` pairs by name, in order.
    /// - Throws: `SettingsError` for an unknown flag, a flag without a value, or a stray argument.
    static func parse(_ arguments: [String]) throws(SettingsError) -> [String: [String]] {
        let known = ServeSettings.fileKeys.union(["config"])
        var flags: [String: [String]] = [:]
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw SettingsError(
                    "unexpected argument '\(argument)'; settings are given as --name value (see moecl serve --help)")
            }
            var name = String(argument.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard known.contains(name) else {
                let near = known.filter { distance($0, name) <= 2 }.sorted().map { "--\($0)" }
                throw SettingsError(
                    "unknown option '--\(name)'"
                        + (near.isEmpty ? "" : "; did you mean \(near.joined(separator: " or "))?")
                        + " (see moecl serve --help)")
            }
            if value == nil {
                guard i + 1 < arguments.count else { throw SettingsError("--\(name) needs a value") }
                i += 1
                value = arguments[i]
            }
            flags[name, default: []].append(value!)
            i += 1
        }
        return flags
    }

    /// The edit distance of `a` and `b` (insertions, deletions, substitutions), for "did you mean".
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(1, b.count) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}
