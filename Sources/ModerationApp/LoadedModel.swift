// The base model and expert bundle a server starts from, loaded with errors that say what to do.

import Foundation
import ModelFormats
import MoELoRA
import TensorCore
import Tokenization
import Transformer

/// The frozen base (with its tokenizer) and the bundle's experts.
struct LoadedModel {
    let base: BaseModel
    let bundle: ExpertSnapshot

    /// Configures the compute threads, then loads `settings.model` and `settings.expertsFolder`.
    static func load(_ settings: ServeSettings) throws -> LoadedModel {
        let folder = settings.expertsFolder
        if settings.experts == nil, !ExpertBundle.isBundle(folder) {
            throw SettingsError(
                "no expert bundle at \(folder) (the default, relative to the current directory): pass --experts DIR "
                    + "or set MOECL_EXPERTS to a bundle folder, or train and ship default experts into \(folder)")
        }
        BLASRuntime.configure(threads: settings.threads ?? max(1, ProcessInfo.processInfo.activeProcessorCount))
        let base = try BaseModel.load(path: settings.model, precision: settings.precision)
        return LoadedModel(
            base: base, bundle: try ExpertBundle.load(folder: folder, base: base))
    }
}
