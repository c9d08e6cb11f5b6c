// swift-tools-version: 6.0
// The package graph is the architecture diagram: C shims at the bottom, the CLI at the top, one-way edges.
import PackageDescription

let package = Package(
    name: "moecl",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "moecl", targets: ["moecl"]),
        .executable(name: "moecl-bench", targets: ["moecl-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        // C boundary: module maps and shim headers only.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ"),
        .target(name: "CSystem", path: "Sources/CSystem"),

        // Maths: dense Float32 tensors and kernels on OpenBLAS.
        .target(name: "TensorCore", dependencies: ["CBLAS"]),
        // Files: safetensors and model configs.
        .target(name: "ModelFormats", dependencies: ["TensorCore", "COpenSSL"]),
        // Text to ids: BERT WordPiece.
        .target(name: "Tokenization"),
        // The frozen BERT encoder.
        .target(name: "Transformer", dependencies: ["TensorCore", "ModelFormats"]),
        // Pure moderation policy: thresholds, decisions, calibration records.
        .target(name: "Moderation"),
        // MoE-CL: shared and task LoRA experts, gates, heads, expert files and bundles, snapshots.
        .target(name: "MoELoRA", dependencies: ["Transformer", "ModelFormats", "TensorCore", "Moderation"]),
        // Training: optimiser, continual-learning loop, adversarial loss, evaluation metrics.
        .target(name: "Training", dependencies: ["MoELoRA", "Moderation", "TensorCore", "ModelFormats"]),
        // HTTP/1.1 types and the byte-fed request parser, tested without sockets.
        .target(name: "HTTPCore"),
        // Sockets and Dispatch: connections, keep-alive, timeouts, limits, graceful shutdown, TLS (OpenSSL), gzip.
        .target(name: "HTTPServer", dependencies: ["HTTPCore", "CZlib", "COpenSSL"]),
        // The single owner of the model: bounded queue, micro-batching, atomic snapshot swaps.
        .target(name: "InferenceEngine", dependencies: ["MoELoRA"]),
        // Durable state in SQLite (one machine) or PostgreSQL (several replicas): review queue, verdicts, counts, registry.
        .target(name: "ServiceStore", dependencies: ["CSQLite", "CLibPQ"]),
        // The moderation API: routes, JSON, validation, decisions (review queue, state and metrics to come).
        .target(name: "ModerationService",
                dependencies: ["HTTPCore", "HTTPServer", "InferenceEngine", "ModelFormats", "MoELoRA", "Moderation", "ServiceStore",
                               "Tokenization"]),
        // Evaluation: accuracy and macro-F1, continual-learning metrics, the logistic-regression baseline, SVG plots.
        .target(name: "Evaluation"),
        // Command-line front end: flags mapped onto library calls.
        .target(
            name: "MoeclCLI",
            dependencies: [
                "Transformer", "Tokenization", "ModelFormats", "TensorCore", "MoELoRA", "Moderation", "Training", "Evaluation",
                "HTTPCore", "HTTPServer", "InferenceEngine", "ModerationService", "ServiceStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "moecl", dependencies: ["MoeclCLI"]),
        .executableTarget(name: "moecl-bench", dependencies: ["MoeclCLI", "Transformer", "Tokenization"]),

        // Tests mirror the sources; TestSupport locates fixtures, the base model and ../shared/data.
        .target(name: "TestSupport", dependencies: ["ModelFormats", "TensorCore", "MoELoRA", "COpenSSL", "ServiceStore"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore"]),
        .testTarget(name: "ModelFormatsTests", dependencies: ["ModelFormats"]),
        .testTarget(name: "TokenizationTests", dependencies: ["Tokenization", "TestSupport"]),
        .testTarget(name: "TransformerTests", dependencies: ["Transformer", "Tokenization", "ModelFormats", "TensorCore", "TestSupport"]),
        .testTarget(name: "ModerationTests", dependencies: ["Moderation"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "TestSupport"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation"]),
        .testTarget(name: "HTTPCoreTests", dependencies: ["HTTPCore"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "HTTPCore", "TestSupport"]),
        .testTarget(name: "ServiceStoreTests", dependencies: ["ServiceStore", "TestSupport"]),
        .testTarget(name: "InferenceEngineTests", dependencies: ["InferenceEngine", "MoELoRA", "TestSupport"]),
        .testTarget(name: "MoELoRATests", dependencies: ["MoELoRA", "Transformer", "ModelFormats", "TensorCore", "TestSupport"]),
        .testTarget(name: "MoeclCLITests", dependencies: ["MoeclCLI", "MoELoRA", "ModelFormats", "Moderation", "ServiceStore", "Tokenization", "TestSupport"]),
        .testTarget(name: "SystemLibraryTests", dependencies: ["CBLAS", "COpenSSL", "CSQLite", "CSystem", "CZlib"]),
    ],
    swiftLanguageModes: [.v6]
)
