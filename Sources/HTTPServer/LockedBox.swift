// A value behind a lock, shared between the accept queue and the connections' queues.

import Foundation

/// Mutable state shared across threads; every access holds the lock.
final class LockedBox<Value>: @unchecked Sendable {  // safe: `value` is only touched inside `lock`
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
