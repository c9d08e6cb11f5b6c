// The bytes of a model file: a read-only memory mapping of the file, or a private copy of bytes given in memory.

import Foundation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Immutable bytes released when the last reference goes: an mmap (`PROT_READ`, `MAP_PRIVATE`) of a regular
/// file, or an aligned copy. `@unchecked Sendable`: nothing changes after `init`, and reads from any thread are
/// safe. As with any mapping, another process truncating the file while it is mapped can crash the reader;
/// model files are expected to be replaced atomically.
final class MappedBytes: @unchecked Sendable {
    let buffer: UnsafeRawBufferPointer
    private let isMapping: Bool

    /// Maps the regular file at `path`, which must hold at least `minimumBytes` bytes (and 1, since mapping 0 bytes
    /// fails).
    init(path: String, minimumBytes: Int) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { throw ModelFormatsError.fileNotFound(path: path) }
            throw ModelFormatsError.unreadable(path: path, reason: Self.describeErrno(code))
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            throw ModelFormatsError.unreadable(path: path, reason: Self.describeErrno(errno))
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw ModelFormatsError.unreadable(path: path, reason: "not a regular file")
        }
        let size = Int(status.st_size)
        guard size >= max(1, minimumBytes) else {
            throw ModelFormatsError.truncated(path: path, expectedBytes: max(1, minimumBytes), actualBytes: size)
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw ModelFormatsError.unreadable(path: path, reason: "mmap failed: \(Self.describeErrno(errno))")
        }
        buffer = UnsafeRawBufferPointer(start: base, count: size)
        isMapping = true
    }

    /// A 16-byte aligned copy of `bytes`, which must hold at least `minimumBytes` (`name` names them in errors).
    init(copying bytes: [UInt8], name: String, minimumBytes: Int) throws {
        guard bytes.count >= max(1, minimumBytes) else {
            throw ModelFormatsError.truncated(path: name, expectedBytes: max(1, minimumBytes), actualBytes: bytes.count)
        }
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
        bytes.withUnsafeBytes { copy.copyMemory(from: $0) }
        buffer = UnsafeRawBufferPointer(copy)
        isMapping = false
    }

    deinit {
        if isMapping {
            munmap(UnsafeMutableRawPointer(mutating: buffer.baseAddress!), buffer.count)
        } else {
            buffer.deallocate()
        }
    }

    /// `strerror` text with the errno value.
    static func describeErrno(_ code: Int32) -> String {
        "\(String(cString: strerror(code))) (errno \(code))"
    }
}
