// The hyper-parameter flags of `moecl train`, mapped onto `TrainerOptions`.

import ArgumentParser
import Training

/// Flags with moe-cl.md §3's defaults.
public struct TrainingFlags: ParsableArguments {
    @Option(help: "Epochs per task.")
    public var epochs: Int = 3
    @Option(help: "Labelled texts per step.")
    public var batchSize: Int = 32
    @Option(help: "AdamW learning rate.")
    public var lr: Float = 2e-4
    @Option(help: "AdamW weight decay.")
    public var weightDecay: Float = 0.01
    @Option(
        name: .customLong("lambda"),
        help: "λ: weight of the reversed discriminator loss (moe-cl only; chosen on dev).")
    public var adversarialWeight: Float = TrainerOptions().adversarialWeight
    @Option(
        help: ArgumentHelp(
            "The shared expert against the discriminator: reversed (gradient reversal, the paper's) or confusion "
                + "(push its prediction towards uniform over the seen tasks; bounded).",
            valueName: "reversed|confusion"))
    public var adversarialObjective: AdversarialObjective = .reversed
    @Option(help: "Unlabelled texts of earlier tasks per step for the discriminator (0: single-task batches).")
    public var replay: Int = 8
    @Option(
        help: ArgumentHelp(
            "Learning-rate factor for the shared expert and gates on every task after the first "
                + "(moe-cl methods; 1 = the plain method, the default was chosen on dev).")
    )
    public var sharedLrScale: Float = TrainerOptions().sharedLearningRateScale
    @Option(help: "LoRA input dropout.")
    public var dropout: Float = 0.05
    @Option(help: "Longest sequence in tokens during training; longer texts are truncated.")
    public var maxTokens: Int = 128
    @Option(help: "Dev evaluations per epoch (the best dev accuracy's parameters are kept).")
    public var evalsPerEpoch: Int = 4
    @Option(
        help: "At least this many steps per task: a smaller task trains more epochs (few labels); 0 keeps --epochs.")
    public var minSteps: Int = 0
    @Option(help: "LoRA rank.")
    public var rank: Int = 8
    @Option(help: "LoRA alpha (scale = alpha / rank).")
    public var alpha: Float = 16
    @Option(help: "Standard deviation of the gates' initial weights (uniform, seeded); 0 starts every gate at ½, ½.")
    public var gateInitStd: Float = 0
    @Option(help: "Seed of initialisation, shuffling, replay and dropout.")
    public var seed: UInt64 = 1

    public init() {}

    public func validate() throws {
        guard minSteps >= 0 else { throw ValidationError("--min-steps must be 0 or more") }
        guard epochs >= 1, batchSize >= 1, evalsPerEpoch >= 1 else {
            throw ValidationError("--epochs, --batch-size and --evals-per-epoch must be at least 1")
        }
        guard (1...256).contains(rank), alpha > 0 else {
            throw ValidationError("--rank must be 1…256 and --alpha > 0")
        }
        guard gateInitStd >= 0, gateInitStd.isFinite else { throw ValidationError("--gate-init-std must be 0 or more") }
        guard dropout >= 0 && dropout < 1 else { throw ValidationError("--dropout must be in [0, 1)") }
        guard maxTokens >= 3 else { throw ValidationError("--max-tokens must be at least 3") }
        guard lr > 0, weightDecay >= 0, adversarialWeight >= 0, replay >= 0, sharedLrScale >= 0 else {
            throw ValidationError(
                "--lr must be positive; --weight-decay, --lambda, --replay and --shared-lr-scale non-negative")
        }
    }

    func options(method: TrainingMethod) -> TrainerOptions {
        var o = TrainerOptions()
        o.method = method
        o.epochs = epochs
        o.batchSize = batchSize
        o.optimizer.learningRate = lr
        o.optimizer.weightDecay = weightDecay
        o.adversarialWeight = adversarialWeight
        o.adversarialObjective = adversarialObjective
        o.replay = replay
        o.dropout = dropout
        o.sharedLearningRateScale = sharedLrScale
        o.maxTokens = maxTokens
        o.gateInitStd = gateInitStd
        o.evaluationsPerEpoch = evalsPerEpoch
        o.minSteps = minSteps
        o.rank = rank
        o.alpha = alpha
        o.seed = seed
        return o
    }
}

/// `--adversarial-objective reversed|confusion`.
extension AdversarialObjective: ExpressibleByArgument {}
