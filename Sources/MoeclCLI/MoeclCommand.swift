// The root `moecl` command and its subcommands.

import ArgumentParser

/// `moecl`: the MoE-CL moderation service and its tools.
public struct MoeclCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "moecl",
        abstract: "MoE-CL moderation: a frozen encoder with shared and per-task LoRA experts.",
        discussion: """
            moecl serve runs the HTTP moderation service (classify, review queue, reject rate, hot-loaded \
            experts, metrics; see moecl serve --help and openapi.yaml). The other commands classify texts with \
            a bundle's task experts (default: experts/default), train experts (train), evaluate training runs \
            (eval), calibrate thresholds (calibrate), inspect expert files and bundles, embed texts, check the \
            base model (health), export reviewers' verdicts (export-feedback) and time the kernels (bench).
            Threads: --threads or MOECL_THREADS. OpenBLAS: moecl sets OPENBLAS_CORETYPE=SkylakeX on AVX-512 CPUs \
            and OPENBLAS_THREAD_TIMEOUT=4 unless you set them (see docs/ARCHITECTURE.md).
            """,
        subcommands: [
            ClassifyCommand.self, EmbedCommand.self, EvalCommand.self, HealthCommand.self, InspectCommand.self,
            TrainCommand.self, CalibrateCommand.self, ServeCommand.self, ExportFeedbackCommand.self,
            EvolveCommand.self, SceneFitCommand.self, BenchGroupCommand.self,
        ])

    public init() {}
}
