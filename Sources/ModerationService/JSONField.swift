// Strict reading of JSON values: Foundation hands booleans over as numbers (true as 1), which a request must
// not be able to use where a number is asked for.

import Foundation

/// Typed access to values of a parsed JSON object.
enum JSONField {
    /// Whether `value` is a JSON `true` or `false`.
    static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    /// A JSON number (not a boolean) as a Double; nil for anything else.
    static func number(_ value: Any?) -> Double? {
        guard let value, !isBoolean(value), let number = value as? NSNumber else { return nil }
        return number.doubleValue
    }

    /// A JSON number with an integral value (2 or 2.0, not 2.5 and not a boolean); nil for anything else.
    static func integer(_ value: Any?) -> Int? {
        guard let double = number(value), double.rounded() == double, abs(double) < 1e15 else { return nil }
        return Int(double)
    }

    /// `object[key]` as a target precision in (0, 1]: `fallback` when absent, 422 when anything else.
    static func targetPrecision(_ object: [String: Any], fallback: Double) throws(ServiceError) -> Double {
        guard let raw = object["target_precision"] else { return fallback }
        guard let value = number(raw), value > 0, value <= 1 else {
            throw .validation("'target_precision' must be a number in (0, 1]")
        }
        return value
    }
}
