// The root `moecl` command and its subcommands.

import ArgumentParser

/// `moecl`: the MoE-CL moderation service and its tools.
public struct MoeclCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "moecl",
        abstract: "MoE-CL moderation: a frozen encoder with shared and per-task LoRA experts.",
        discussion: """
            The HTTP service (moecl serve) is not built yet; today moecl classifies texts with a bundle's \
            task experts (default: experts/default), trains experts (train), evaluates training runs (eval), \
            calibrates thresholds (calibrate), inspects expert files and bundles, embeds texts and checks the base model.
            Threads: --threads or MOECL_THREADS. OpenBLAS: moecl sets OPENBLAS_CORETYPE=SkylakeX on AVX-512 CPUs \
            and OPENBLAS_THREAD_TIMEOUT=4 unless you set them (see docs/ARCHITECTURE.md).
            """,
        subcommands: [
            ClassifyCommand.self, EmbedCommand.self, EvalCommand.self, HealthCommand.self, InspectCommand.self,
            TrainCommand.self, CalibrateCommand.self, ServeCommand.self, ExportFeedbackCommand.self,
            BenchGroupCommand.self,
        ])

    public init() {}
}
