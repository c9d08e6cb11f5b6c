// Wall-clock time as the stores take it.

import Foundation

/// Seconds since 1970, the time base of review leases, decision windows and registry rows.
enum Clock {
    static func now() -> Double { Date().timeIntervalSince1970 }
}
