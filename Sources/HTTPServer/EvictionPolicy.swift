// Which open connection gives up its slot when a new one arrives at the connection cap.

import Dispatch

/// The policy: evict the connection that has waited longest on its client, counting from the last byte the
/// client sent (or from the connect, or from the end of the last answer). Never evict a connection the server is
/// behind on: one with a request in the handler or a whole first request read but not yet served (the accept
/// loop reads what a new client has sent at once), or one whose client has sent bytes the server has not read yet
/// while it is reading (under a storm of reconnects the server may take longer than the pool's turnover to read a
/// new client; without this rule that client would be the oldest and be evicted unread). A connection that does
/// not read its answers is not reading either, so its unread requests do not protect it.
public enum EvictionPolicy {
    /// What the policy sees of one connection.
    public struct Candidate: Sendable {
        /// Since when it has waited on its client; nil while a request is in the handler.
        public var waitingSince: DispatchTime?
        /// Whether the server reads from it now (false while an answer waits to be sent, or while it closes).
        public var reading: Bool

        public init(waitingSince: DispatchTime?, reading: Bool) {
            self.waitingSince = waitingSince
            self.reading = reading
        }
    }

    /// Whether `bytes`, the first a client sent, hold a whole first message: a request head (up to its blank
    /// line) for HTTP, a whole TLS record (a ClientHello) for HTTPS. A slowloris's first bytes do not.
    public static func holdsCompleteFirstMessage(_ bytes: ArraySlice<UInt8>, tls: Bool) -> Bool {
        let b = Array(bytes)
        if tls {
            guard b.count >= 5, b[0] == 0x16 else { return false }
            return b.count >= 5 + (Int(b[3]) << 8 | Int(b[4]))
        }
        guard b.count >= 4 else { return false }
        return (0...(b.count - 4)).contains { b[$0] == 13 && b[$0 + 1] == 10 && b[$0 + 2] == 13 && b[$0 + 3] == 10 }
    }

    /// The index of the connection to evict, or nil when none may be (then the new connection is refused).
    /// `hasUnreadInput(i)` says whether candidate `i` has bytes in the kernel that the server has not read; it is
    /// asked only of candidates that are reading, oldest first, until one qualifies.
    public static func victim(among candidates: [Candidate], hasUnreadInput: (Int) -> Bool) -> Int? {
        let waiting = candidates.indices.compactMap { i in candidates[i].waitingSince.map { (i, $0) } }
        for (i, _) in waiting.sorted(by: { $0.1 < $1.1 }) where !(candidates[i].reading && hasUnreadInput(i)) {
            return i
        }
        return nil
    }
}
