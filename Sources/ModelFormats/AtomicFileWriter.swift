// Crash-safe replacement of a file: write a temporary sibling, fsync it, rename it over the target, fsync the folder.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes whole files so that readers see either the old content or the new, never a mixture.
///
/// The bytes go to a temporary file in the destination's folder (so the rename stays on one
/// filesystem), which is flushed with `fsync`, renamed over the destination, and made durable
/// by an `fsync` of the folder. On failure the temporary file is removed and the destination
/// is left as it was.
public enum AtomicFileWriter {
    /// Replaces the file at `path` with `bytes`, creating it (mode 0644 before umask) if needed.
    /// - Throws: `ModelFormatsError.writeFailed` naming the step that failed.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let folder = folderOf(path)
        let baseName = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        guard !baseName.isEmpty else {
            throw ModelFormatsError.writeFailed(path: path, reason: "the path names a folder, not a file")
        }
        let temporary = "\(folder)/.\(baseName).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"

        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw failure(path, "cannot create temporary file \(temporary)", errno)
        }
        var renamed = false
        defer { if !renamed { unlink(temporary) } }

        do {
            try writeAll(bytes, to: fd, path: path)
            guard fsync(fd) == 0 else { throw failure(path, "fsync of the temporary file", errno) }
        } catch {
            close(fd)
            throw error
        }
        guard close(fd) == 0 else { throw failure(path, "close of the temporary file", errno) }
        guard rename(temporary, path) == 0 else { throw failure(path, "rename over the destination", errno) }
        renamed = true
        try syncFolder(folder, path: path)
    }

    /// Writes every byte, retrying short writes and interrupted calls.
    private static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw failure(path, "write of the temporary file", errno)
                }
                offset += written
            }
        }
    }

    /// Flushes the folder entry so the rename survives a crash.
    ///
    /// Filesystems that cannot fsync a directory (EINVAL) are tolerated: the rename itself
    /// is still atomic there, only its durability is up to the filesystem.
    private static func syncFolder(_ folder: String, path: String) throws {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(path, "open of the folder \(folder) for fsync", errno) }
        defer { close(fd) }
        if fsync(fd) != 0 {
            let code = errno
            if code != EINVAL {
                throw failure(path, "fsync of the folder \(folder) after the rename (the new file is in place)", code)
            }
        }
    }

    /// The folder holding `path`: "." for a bare name, "/" for a file at the root.
    static func folderOf(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// A `.writeFailed` error naming the failed step and the errno text.
    private static func failure(_ path: String, _ step: String, _ code: Int32) -> ModelFormatsError {
        .writeFailed(path: path, reason: "\(step): \(String(cString: strerror(code))) (errno \(code))")
    }
}
