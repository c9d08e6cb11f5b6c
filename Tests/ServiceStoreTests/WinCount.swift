// A count several threads add to, for tests that race writers.

import Foundation

/// A thread-safe count of writers that won.
final class WinCount: @unchecked Sendable {  // safe: `count` is only touched under `lock`
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
}
