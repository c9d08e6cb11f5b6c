// swift-tools-version: 6.0
// libFuzzer targets for moecl's parsers, a package of its own so that only these executables get libFuzzer's
// main. Built and run by scripts/fuzz/run.sh (make fuzz, and a short smoke in make test).
import PackageDescription

let fuzzFlags: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "moecl-fuzz",
    dependencies: [.package(name: "moecl", path: "..")],
    targets: [
        .executableTarget(
            name: "fuzz-http-parser", dependencies: [.product(name: "HTTPCore", package: "moecl")],
            path: "Sources/HTTPParser", swiftSettings: fuzzFlags),
        .executableTarget(
            name: "fuzz-safetensors", dependencies: [.product(name: "ModelFormats", package: "moecl")],
            path: "Sources/SafeTensors", swiftSettings: fuzzFlags),
        .executableTarget(
            name: "fuzz-gguf", dependencies: [.product(name: "ModelFormats", package: "moecl")],
            path: "Sources/GGUF", swiftSettings: fuzzFlags),
        .executableTarget(
            name: "fuzz-expert-files",
            dependencies: [
                .product(name: "MoELoRA", package: "moecl"), .product(name: "ModelFormats", package: "moecl"),
            ],
            path: "Sources/ExpertFiles", swiftSettings: fuzzFlags),
        .executableTarget(
            name: "fuzz-tokenizer", dependencies: [.product(name: "Tokenization", package: "moecl")],
            path: "Sources/Tokenizer", swiftSettings: fuzzFlags),
        .executableTarget(
            name: "fuzz-json-bodies",
            dependencies: [
                .product(name: "ModerationService", package: "moecl"), .product(name: "HTTPCore", package: "moecl"),
            ],
            path: "Sources/JSONBodies", swiftSettings: fuzzFlags),
    ],
    swiftLanguageModes: [.v6]
)
