// Formatting of embedding output lines.

/// JSON text of one embedding result, with floats printed in their shortest round-tripping form.
public enum EmbeddingJSON {
    public static func line(embedding: [Float], tokens: Int) -> String {
        var s = "{\"embedding\":["
        s.reserveCapacity(embedding.count * 12 + 32)
        for (i, v) in embedding.enumerated() {
            if i > 0 { s += "," }
            s += v.isFinite ? "\(v)" : "null"
        }
        s += "],\"tokens\":\(tokens)}"
        return s
    }
}
