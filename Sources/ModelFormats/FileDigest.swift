// SHA-256 of files and byte buffers through OpenSSL's EVP interface (base-model fingerprints, bundle checksums).

import COpenSSL
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// SHA-256 digests as lower-case hex strings.
public enum FileDigest {
    /// The SHA-256 of the file at `path`, read in 64 KiB blocks (small enough to come from, and go back to, the
    /// heap without leaving holes between long-lived allocations such as loaded experts).
    /// - Throws: `ModelFormatsError.fileNotFound` or `.unreadable`.
    public static func sha256(path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { throw ModelFormatsError.fileNotFound(path: path) }
            throw ModelFormatsError.unreadable(path: path, reason: String(cString: strerror(code)))
        }
        defer { close(fd) }
        let context = EVP_MD_CTX_new()!
        defer { EVP_MD_CTX_free(context) }
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
        let block = 1 << 16
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: block, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let count = read(fd, buffer, block)
            if count < 0 {
                if errno == EINTR { continue }
                throw ModelFormatsError.unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            if count == 0 { break }
            EVP_DigestUpdate(context, buffer, count)
        }
        return finish(context)
    }

    /// The SHA-256 of `bytes`.
    public static func sha256(_ bytes: [UInt8]) -> String {
        let context = EVP_MD_CTX_new()!
        defer { EVP_MD_CTX_free(context) }
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
        bytes.withUnsafeBytes { raw in _ = EVP_DigestUpdate(context, raw.baseAddress, raw.count) }
        return finish(context)
    }

    private static func finish(_ context: OpaquePointer) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        let hex = Array("0123456789abcdef")
        return String(digest[0..<Int(length)].flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] })
    }
}
