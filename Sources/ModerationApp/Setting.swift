// One setting of `moecl serve`: declared once, reachable as a flag, a MOECL_* variable and a config-file key.

/// A setting's name is its long flag (`--max-queue`), its config-file key (`max-queue`) and, upper-cased with
/// `_` for `-`, its environment variable (`MOECL_MAX_QUEUE`). Its default is read from `ServeSettings()`.
public struct Setting: Sendable {
    public let name: String
    /// The placeholder of the value in the help text, e.g. `seconds`.
    public let valueName: String
    public let help: String
    /// The default as text; nil: unset unless given.
    public let defaultText: String?
    /// Values from every source add up (tokens) instead of the first source winning.
    public let repeatable: Bool
    public let environmentName: String
    /// Parses, checks and stores one value; its `SettingsError` says what is allowed (without the source,
    /// which the resolver adds).
    let apply: @Sendable (inout ServeSettings, String) throws -> Void

    init(
        _ name: String, valueName: String, help: String, defaultText: String?, repeatable: Bool = false,
        environmentName: String? = nil, apply: @escaping @Sendable (inout ServeSettings, String) throws -> Void
    ) {
        self.name = name
        self.valueName = valueName
        self.help = help
        self.defaultText = defaultText
        self.repeatable = repeatable
        self.environmentName = environmentName ?? Self.environmentName(name)
        self.apply = apply
    }

    /// `MOECL_<NAME>` with `-` as `_`.
    public static func environmentName(_ name: String) -> String {
        "MOECL_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    /// A number or word setting checked by `valid`, which `requirement` describes (e.g. "≥ 1").
    static func value<T: LosslessStringConvertible & Sendable>(
        _ name: String, _ keyPath: WritableKeyPath<ServeSettings, T> & Sendable, _ valueName: String, _ help: String,
        requirement: String? = nil, valid: @escaping @Sendable (T) -> Bool = { _ in true }
    ) -> Setting {
        Setting(name, valueName: valueName, help: help, defaultText: ServeSettings()[keyPath: keyPath].description) {
            settings, text in
            guard let value = T(text), valid(value) else {
                throw SettingsError("'\(text)' is not a valid value\(requirement.map { " (\($0))" } ?? "")")
            }
            settings[keyPath: keyPath] = value
        }
    }

    /// An optional text setting (a path, a URL); an empty value leaves it unset.
    static func text(
        _ name: String, _ keyPath: WritableKeyPath<ServeSettings, String?> & Sendable, _ valueName: String,
        _ help: String,
        check: @escaping @Sendable (String) throws -> Void = { _ in }
    ) -> Setting {
        Setting(name, valueName: valueName, help: help, defaultText: nil) { settings, text in
            guard !text.isEmpty else { return settings[keyPath: keyPath] = nil }
            try check(text)
            settings[keyPath: keyPath] = text
        }
    }

    /// One of the cases of `T`.
    static func choice<T: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ keyPath: WritableKeyPath<ServeSettings, T> & Sendable, _ help: String
    ) -> Setting where T.RawValue == String {
        let names = T.allCases.map(\.rawValue).joined(separator: "|")
        return Setting(name, valueName: names, help: help, defaultText: ServeSettings()[keyPath: keyPath].rawValue) {
            settings, text in
            guard let value = T(rawValue: text) else { throw SettingsError("'\(text)' is not one of \(names)") }
            settings[keyPath: keyPath] = value
        }
    }
}
