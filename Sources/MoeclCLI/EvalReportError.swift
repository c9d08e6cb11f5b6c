// Errors of `moecl eval`: run folders that are missing or empty, stage records that cannot be used, bad flags.

/// Why an evaluation report could not be built or written; each message names the path and what to do.
public enum EvalReportError: Error, CustomStringConvertible, Equatable {
    /// No run folder was given.
    case noRuns
    /// `path` does not exist.
    case missingFolder(path: String)
    /// `path` exists but is a file.
    case notAFolder(path: String)
    /// `path` holds no `stage-0.json`, and no subfolder of it does.
    case noStages(path: String)
    /// The stage file at `path` could not be read from disk.
    case unreadableStage(path: String, reason: String)
    /// The stage file at `path` is not a stage record, or one inconsistent with the earlier stages.
    case invalidStage(path: String, reason: String)
    /// Two run folders hold runs of the same method.
    case duplicateMethod(method: String, folders: [String])
    /// A target precision outside (0, 1].
    case invalidPrecision(Double)
    /// A report file could not be written.
    case cannotWrite(path: String, reason: String)
    /// `--curve`: the run at `path` records no number of training texts (written before it was kept).
    case noLabelCount(path: String)
    /// `--curve`: the run.json at `path` is missing or names no seed.
    case noSeed(path: String)
    /// `--curve`: the runs end with different tasks.
    case curveTasksDiffer(tasks: [String], folder: String)

    public var description: String {
        switch self {
        case .noRuns:
            return "no run folders given: pass --runs DIR (a run folder written by moecl train, or a folder of them)"
        case .missingFolder(let path):
            return "\(path) does not exist: pass a run folder written by moecl train --out, or a folder of them"
        case .notAFolder(let path):
            return "\(path) is a file, not a folder: pass a run folder (holding stage-0.json) or a folder of them"
        case .noStages(let path):
            return "\(path) holds no stage-0.json and no subfolder holding one: pass a run folder written by "
                + "moecl train --out (or a folder of such folders), or wait until its first stage has finished"
        case .unreadableStage(let path, let reason):
            return "cannot read \(path): \(reason); check the file's permissions"
        case .invalidStage(let path, let reason):
            return "\(path) is not a valid stage record: \(reason); re-create it with moecl train --resume, or move "
                + "it and the later stage files away to report the earlier stages only"
        case .duplicateMethod(let method, let folders):
            return "method '\(method)' has several runs (\(folders.joined(separator: ", "))): pass only one "
                + "run folder per method"
        case .invalidPrecision(let value):
            return "target precision \(value) is outside (0, 1]: pass values such as 0.8,0.9,0.95,0.99"
        case .cannotWrite(let path, let reason):
            return "cannot write \(path): \(reason); check that the --out folder is writable"
        case .noLabelCount(let path):
            return "\(path): its last stage record has no train_examples (written by an older moecl); retrain it "
                + "with scripts/results/learning_curve.sh"
        case .noSeed(let path):
            return "\(path) is missing or names no seed: --curve needs the run.json moecl train writes"
        case .curveTasksDiffer(let tasks, let folder):
            return "the runs end with different tasks (\(tasks.joined(separator: ", ")); first seen different in "
                + "\(folder)): pass the runs of one learning curve only"
        }
    }
}
