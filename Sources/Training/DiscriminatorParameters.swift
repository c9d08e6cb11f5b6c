// The task discriminator of one layer as trainable parameters (training only; never affects predictions).

import MoELoRA

/// logits [K] = W · mean(y_shared) + b. Shapes: weight [K, d], bias [K]. Names: `disc.<layer>.weight`, `.bias`.
public final class DiscriminatorParameters {
    public let classes: Int
    public let weight: Parameter
    public let bias: Parameter

    /// A zero discriminator (it starts by predicting every task equally).
    public init(layer: Int, classes: Int, inputSize d: Int) {
        self.classes = classes
        weight = Parameter(name: "disc.\(layer).weight", values: [Float](repeating: 0, count: classes * d))
        bias = Parameter(name: "disc.\(layer).bias", values: [Float](repeating: 0, count: classes))
    }

    /// Copies a stored discriminator.
    public init(layer: Int, _ stored: SharedExpert.Discriminator) {
        classes = stored.bias.count
        weight = Parameter(name: "disc.\(layer).weight", values: stored.weight.array)
        bias = Parameter(name: "disc.\(layer).bias", values: stored.bias.array)
    }

    public var parameters: [Parameter] { [weight, bias] }

    public var stored: SharedExpert.Discriminator {
        SharedExpert.Discriminator(weight: weight.values, bias: bias.values)
    }
}
