// libFuzzer target: what an upload or a bundle hands the expert loader before any base model is involved: the
// expert file's metadata (over the safetensors reader) and the bundle manifest. Property: refused with an error
// or accepted, never a crash; an accepted manifest names only safe relative paths.

import Foundation
import ModelFormats
import MoELoRA

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExpertFiles(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? ExpertFile.open(bytes: bytes, name: "fuzz")
    if let manifest = try? ExpertBundle.parseManifest(Data(bytes), path: "fuzz/manifest.json") {
        for entry in [manifest.shared] + manifest.tasks {
            precondition(
                !entry.file.hasPrefix("/") && !entry.file.split(separator: "/").contains(".."),
                "an unsafe path passed: \(entry.file)")
        }
    }
    return 0
}
