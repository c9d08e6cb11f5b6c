// Reusable memory for training steps and scoring: saved activations and scratch, grown to the largest batch.

/// Holds the buffers of `ContinualModel.step` and `.scores` between calls. Not thread-safe: one per thread.
public final class TrainingWorkspace {
    let work = StepWorkspace()

    public init() {}
}
