// The C boundary targets link and answer: zlib, OpenSSL, SQLite and OpenBLAS.

import CBLAS
import COpenSSL
import CSQLite
import CZlib
import Foundation
import Testing

@Suite("System libraries")
struct SystemLibraryTests {
    @Test("zlib compresses and inflates a buffer")
    func zlib() {
        let input = [UInt8](repeating: 65, count: 1000)
        var compressed = [UInt8](repeating: 0, count: 100)
        var compressedLength = uLongf(compressed.count)
        #expect(compress(&compressed, &compressedLength, input, uLong(input.count)) == Z_OK)
        var output = [UInt8](repeating: 0, count: 1000)
        var outputLength = uLongf(output.count)
        #expect(uncompress(&output, &outputLength, compressed, compressedLength) == Z_OK)
        #expect(output == input)
    }

    @Test("OpenSSL computes SHA-256")
    func openssl() {
        var digest = [UInt8](repeating: 0, count: 32)
        _ = SHA256(Array("abc".utf8), 3, &digest)
        #expect(digest.prefix(4) == [0xBA, 0x78, 0x16, 0xBF])
    }

    @Test("SQLite opens an in-memory database")
    func sqlite() {
        var db: OpaquePointer?
        #expect(sqlite3_open(":memory:", &db) == SQLITE_OK)
        #expect(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1);", nil, nil, nil) == SQLITE_OK)
        sqlite3_close(db)
    }

    @Test("OpenBLAS reports a kernel family")
    func openblas() {
        #expect(openblas_get_corename() != nil)
    }
}
