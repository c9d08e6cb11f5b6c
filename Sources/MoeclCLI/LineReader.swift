// Reads UTF-8 lines from a file descriptor, rejecting invalid UTF-8 with the line number.

import Foundation

/// Why an input line could not be read.
public enum InputError: Error, CustomStringConvertible, Equatable {
    case invalidUTF8(source: String, line: Int)

    public var description: String {
        switch self {
        case .invalidUTF8(let source, let line):
            return "\(source) line \(line): not valid UTF-8: convert the input to UTF-8 (e.g. iconv -t UTF-8)"
        }
    }
}

/// Splits a byte stream into lines (LF, with an optional CR before it); each line must be valid UTF-8.
public struct LineReader {
    private let handle: FileHandle
    private let source: String
    private var buffer: [UInt8] = []
    private var start = 0
    private var finished = false
    private var lineNumber = 0

    public init(handle: FileHandle = .standardInput, source: String = "stdin") {
        self.handle = handle
        self.source = source
    }

    /// The next line without its terminator, or nil at the end of input.
    public mutating func next() throws -> String? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = try decode(buffer[start..<end])
                start = newline + 1
                return line
            }
            if finished {
                guard start < buffer.count else { return nil }
                let line = try decode(buffer[start...])
                start = buffer.count
                return line
            }
            buffer.removeSubrange(0..<start)
            start = 0
            let chunk = handle.readData(ofLength: 1 << 16)
            if chunk.isEmpty { finished = true } else { buffer.append(contentsOf: chunk) }
        }
    }

    private mutating func decode(_ bytes: ArraySlice<UInt8>) throws -> String {
        lineNumber += 1
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw InputError.invalidUTF8(source: source, line: lineNumber)
        }
        return text
    }
}
