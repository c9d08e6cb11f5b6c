// libFuzzer target: the BERT tokenizer (normaliser, pre-tokeniser, WordPiece) on arbitrary UTF-8, with the base
// model's vocabulary (MOECL_FUZZ_MODEL, else models/all-MiniLM-L6-v2). Properties: no crash, ids within the
// vocabulary, truncation within the window, and [CLS] … [SEP] framing.

import Foundation
import Tokenization

let tokenizer: BertTokenizer = {
    let folder = ProcessInfo.processInfo.environment["MOECL_FUZZ_MODEL"] ?? "models/all-MiniLM-L6-v2"
    guard let loaded = try? BertTokenizer.load(folder: folder) else {
        fatalError("fuzz-tokenizer: no tokenizer in \(folder); run make setup or set MOECL_FUZZ_MODEL")
    }
    return loaded
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let cut = tokenizer.encode(text, truncate: true)
    precondition(cut.count <= tokenizer.maxLength && cut.count >= 2, "truncated to \(cut.count) ids")
    precondition(cut.first == tokenizer.clsId && cut.last == tokenizer.sepId, "not framed by [CLS] … [SEP]")
    let full = tokenizer.encode(text, truncate: false)
    precondition(full.count >= cut.count && full.first == tokenizer.clsId, "truncation changed the start")
    precondition(full.allSatisfy { $0 >= 0 && Int($0) < tokenizer.vocabulary.count }, "an id outside the vocabulary")
    return 0
}
