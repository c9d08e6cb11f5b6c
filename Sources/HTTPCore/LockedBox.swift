// A value behind a lock, for state shared between queues and threads.

import Foundation

/// Mutable state shared across threads; every access holds the lock.
public final class LockedBox<Value>: @unchecked Sendable {  // safe: `value` is only touched inside `lock`
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) { self.value = value }

    public func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
