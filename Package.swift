// swift-tools-version: 6.0
// The package graph is the architecture diagram: C shims at the bottom, the CLI at the top, one-way edges.
import PackageDescription

let package = Package(
    name: "moecl",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "moecl", targets: ["moecl"]),
        // The parsers the fuzz targets (Fuzz/, a package of its own) drive.
        .library(name: "HTTPCore", targets: ["HTTPCore"]),
        .library(name: "ModelFormats", targets: ["ModelFormats"]),
        .library(name: "MoELoRA", targets: ["MoELoRA"]),
        .library(name: "Tokenization", targets: ["Tokenization"]),
        .library(name: "ModerationService", targets: ["ModerationService"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C boundary: module maps and shim headers only.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ"),

        // moecl's own float kernels in C, compiled once per x86-64 level (plain, AVX2+FMA, AVX-512) and chosen by
        // CPUID at start: the binary does not depend on the build machine's CPU.
        .target(name: "CKernels"),
        // Maths: dense Float32 tensors, OpenBLAS, and the row kernels (CKernels) with their plain references.
        .target(name: "TensorCore", dependencies: ["CBLAS", "CKernels"]),
        // Files: safetensors and model configs.
        .target(name: "ModelFormats", dependencies: ["TensorCore", "COpenSSL"]),
        // Text to ids: BERT WordPiece.
        .target(name: "Tokenization", dependencies: ["ModelFormats"]),
        // The frozen BERT encoder.
        .target(name: "Transformer", dependencies: ["TensorCore", "ModelFormats"]),
        // Pure moderation policy: thresholds, decisions, calibration records.
        .target(name: "Moderation"),
        // MoE-CL: shared and task LoRA experts, gates, heads, expert files and bundles, snapshots.
        .target(
            name: "MoELoRA", dependencies: ["Transformer", "ModelFormats", "TensorCore", "Moderation", "Tokenization"]),
        // Training: optimiser, continual-learning loop, adversarial loss, evaluation metrics.
        .target(
            name: "Training", dependencies: ["MoELoRA", "Moderation", "TensorCore", "ModelFormats", "Transformer"]),
        // Self-evolution's logic: verdict splits, candidate training and the guarded promotion decision.
        .target(name: "Evolution", dependencies: ["Training", "MoELoRA", "Moderation", "TensorCore"]),
        // HTTP/1.1 types, the byte-fed request parser, the router, the handler and error protocols; no sockets.
        .target(name: "HTTPCore"),
        // Sockets and Dispatch: connections, keep-alive, timeouts, limits, graceful shutdown, TLS (OpenSSL), gzip.
        .target(name: "HTTPServer", dependencies: ["HTTPCore", "CZlib", "COpenSSL"]),
        // The single owner of the model: bounded queue, micro-batching, atomic snapshot swaps.
        .target(name: "InferenceEngine", dependencies: ["MoELoRA"]),
        // Durable state in SQLite (one machine) or PostgreSQL (several replicas): review queue, verdicts, counts,
        // the expert registry.
        .target(name: "ServiceStore", dependencies: ["CSQLite", "CLibPQ"]),
        // The moderation API, transport-free: the route table, JSON, validation, decisions, review queue, metrics.
        .target(
            name: "ModerationService",
            dependencies: [
                "HTTPCore", "InferenceEngine", "ModelFormats", "MoELoRA", "Moderation", "ServiceStore", "Tokenization",
                "Evolution", "Training", "TensorCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),
        // The service as an application: settings declared once, the composition root, start and graceful stop.
        .target(
            name: "ModerationApp",
            dependencies: [
                "ModerationService", "HTTPServer", "HTTPCore", "InferenceEngine", "ServiceStore", "MoELoRA",
                "ModelFormats", "TensorCore", "Tokenization", "Transformer", "Evolution",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Evaluation: accuracy and macro-F1, continual-learning metrics, the logistic-regression baseline, SVG plots.
        .target(name: "Evaluation"),
        // Command-line front end: flags mapped onto library calls; `serve` maps them onto ModerationApp.
        .target(
            name: "MoeclCLI",
            dependencies: [
                "Transformer", "Tokenization", "ModelFormats", "TensorCore", "MoELoRA", "Moderation", "Training",
                "Evaluation", "ModerationApp", "ServiceStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The entry point: installs the log handler, then runs the command.
        .executableTarget(name: "moecl", dependencies: ["MoeclCLI", "ModerationApp"]),

        // Tests mirror the sources; TestSupport locates fixtures, the base model and ../shared/data.
        .target(
            name: "TestSupport", dependencies: ["ModelFormats", "TensorCore", "MoELoRA", "COpenSSL", "ServiceStore"],
            path: "Tests/TestSupport"),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore"]),
        .testTarget(name: "ModelFormatsTests", dependencies: ["ModelFormats", "TestSupport"]),
        .testTarget(name: "TokenizationTests", dependencies: ["Tokenization", "TestSupport"]),
        .testTarget(
            name: "TransformerTests",
            dependencies: ["Transformer", "Tokenization", "ModelFormats", "TensorCore", "TestSupport"]),
        .testTarget(name: "ModerationTests", dependencies: ["Moderation", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "TestSupport"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation"]),
        .testTarget(name: "EvolutionTests", dependencies: ["Evolution", "Training", "TestSupport"]),
        .testTarget(name: "HTTPCoreTests", dependencies: ["HTTPCore"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "HTTPCore", "TestSupport"]),
        .testTarget(name: "ServiceStoreTests", dependencies: ["ServiceStore", "TestSupport"]),
        .testTarget(name: "InferenceEngineTests", dependencies: ["InferenceEngine", "MoELoRA", "TestSupport"]),
        .testTarget(
            name: "MoELoRATests",
            dependencies: ["MoELoRA", "Moderation", "Transformer", "ModelFormats", "TensorCore", "TestSupport"]),
        .testTarget(
            name: "MoeclCLITests",
            dependencies: [
                "MoeclCLI", "MoELoRA", "ModelFormats", "Moderation", "ServiceStore", "Tokenization", "TestSupport",
                "Training",
            ]),
        .testTarget(
            name: "ModerationServiceTests",
            dependencies: [
                "ModerationService", "HTTPCore", "InferenceEngine", "MoELoRA", "Moderation", "ServiceStore",
                "Tokenization", "TestSupport", "Training", "TensorCore",
            ]),
        .testTarget(
            name: "ModerationAppTests",
            dependencies: [
                "ModerationApp", "TestSupport", "TensorCore", .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "SystemLibraryTests", dependencies: ["CBLAS", "COpenSSL", "CSQLite", "CZlib"]),
    ],
    swiftLanguageModes: [.v6]
)
