// libFuzzer target: the safetensors reader over bytes (header JSON, dtypes, shapes, offsets, overlaps). Property:
// any input is refused with an error or opened, and every tensor of an opened file reads within its bounds.

import ModelFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let file = try? SafeTensorsFile(bytes: bytes, name: "fuzz") else { return 0 }
    for name in file.names {
        guard let info = file.info(name) else { preconditionFailure("a listed tensor has no info") }
        let raw = (try? file.rawBytes(name)) ?? []
        precondition(raw.count == info.byteRange.count, "tensor \(name) read outside its range")
        _ = try? file.tensor(name)
        _ = try? file.int64s(name)
    }
    return 0
}
