// Options shared by every subcommand that loads an expert bundle.

import ArgumentParser
import Foundation
import MoELoRA

/// `--experts`: the bundle folder, from the flag, else `MOECL_EXPERTS`, else `experts/default`.
public struct ExpertOptions: ParsableArguments {
    /// The bundle used when neither `--experts` nor `MOECL_EXPERTS` names one, relative to the current directory.
    public static let defaultFolder = "experts/default"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Expert bundle folder: manifest.json, shared.safetensors, tasks/*.safetensors "
                + "(default: MOECL_EXPERTS, else experts/default).",
            valueName: "dir"))
    public var experts: String?

    public init() {}

    /// The folder to load, and whether it is the built-in default (neither the flag nor the variable was given).
    public var folder: (path: String, isDefault: Bool) {
        if let experts { return (experts, false) }
        if let env = ProcessInfo.processInfo.environment["MOECL_EXPERTS"], !env.isEmpty { return (env, false) }
        return (Self.defaultFolder, true)
    }

    /// Loads and checks the bundle for `base`.
    /// - Throws: `MissingDefault` when the default folder is missing; otherwise `ExpertError`
    ///   naming the bad file (an explicit path that is wrong is reported as the library describes it).
    public func load(base: BaseModel) throws -> ExpertSnapshot {
        try checkDefaultFolder()
        return try ExpertBundle.load(folder: folder.path, base: base)
    }

    /// Fails early, before any model is loaded, when the default bundle does not exist.
    public func checkDefaultFolder() throws {
        let (path, isDefault) = folder
        guard isDefault, !ExpertBundle.isBundle(path) else { return }
        throw MissingDefault(
            description:
                "no expert bundle at \(path) (the default, relative to the current directory): pass --experts DIR "
                + "or set MOECL_EXPERTS to a bundle folder, or train and ship default experts into \(path)")
    }

    /// No bundle was named and the default folder does not hold one; `description` says what to do.
    public struct MissingDefault: Error, CustomStringConvertible {
        public let description: String
    }
}
