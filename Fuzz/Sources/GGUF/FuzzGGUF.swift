// libFuzzer target: the GGUF reader over bytes (header, metadata of every type, tensor table, alignment, ranges).
// Property: any input is refused with an error or opened, and every tensor of an opened file decodes to exactly
// its element count from exactly its byte range.

import ModelFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGGUF(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let file = try? GGUFFile(bytes: bytes, name: "fuzz") else { return 0 }
    for info in file.tensors {
        let raw = (try? file.withRawBytes(info.name) { $0.count }) ?? -1
        precondition(raw == info.byteRange.count, "tensor \(info.name) read outside its range")
        precondition((try? file.floats(info.name))?.count == info.elementCount, "tensor \(info.name) decoded wrong")
    }
    return 0
}
