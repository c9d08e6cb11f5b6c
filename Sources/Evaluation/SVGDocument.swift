// A small builder for standalone SVG 1.1 text: escaping, number formatting, elements and colours.

import Foundation

/// Accumulates SVG elements and renders them as one standalone SVG 1.1 document.
struct SVGDocument: Sendable {
    let width: Double
    let height: Double
    let title: String
    private(set) var body: [String] = []

    init(width: Double, height: Double, title: String) {
        self.width = width
        self.height = height
        self.title = title
    }

    /// The complete document: XML declaration, `<svg>` root with size and viewBox, `<title>`, body.
    var text: String {
        let w = Self.number(width), h = Self.number(height)
        var lines = [
            #"<?xml version="1.0" encoding="UTF-8"?>"#,
            #"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\#(w)" height="\#(h)" "#
                + #"viewBox="0 0 \#(w) \#(h)" font-family="sans-serif">"#,
            "<title>\(Self.escape(title))</title>",
            "<rect x=\"0\" y=\"0\" width=\"\(w)\" height=\"\(h)\" fill=\"#ffffff\"/>",
        ]
        lines.append(contentsOf: body)
        lines.append("</svg>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Appends raw markup (already escaped).
    mutating func raw(_ markup: String) { body.append(markup) }

    /// Appends a `<text>` element; `attributes` is extra attribute markup such as a transform.
    mutating func text(
        _ content: String, x: Double, y: Double, size: Double = 12, anchor: String = "start",
        fill: String = "#222222", attributes: String = ""
    ) {
        let extra = attributes.isEmpty ? "" : " " + attributes
        body.append(
            #"<text x="\#(Self.number(x))" y="\#(Self.number(y))" font-size="\#(Self.number(size))" "#
                + #"text-anchor="\#(anchor)" fill="\#(fill)"\#(extra)>\#(Self.escape(content))</text>"#)
    }

    /// Appends a `<line>`.
    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1) {
        body.append(
            #"<line x1="\#(Self.number(x1))" y1="\#(Self.number(y1))" x2="\#(Self.number(x2))" "#
                + #"y2="\#(Self.number(y2))" stroke="\#(stroke)" stroke-width="\#(Self.number(width))"/>"#)
    }

    /// Appends a `<rect>`.
    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String = "none") {
        body.append(
            #"<rect x="\#(Self.number(x))" y="\#(Self.number(y))" width="\#(Self.number(width))" "#
                + #"height="\#(Self.number(height))" fill="\#(fill)" stroke="\#(stroke)"/>"#)
    }

    /// Replaces the five XML special characters with entities.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A coordinate with at most two decimals and no trailing zeros ("12", "12.5").
    static func number(_ value: Double) -> String {
        trimmed(String(format: "%.2f", value.isFinite ? value : 0))
    }

    /// Drops trailing zeros after a decimal point, and the point itself if nothing follows it.
    static func trimmed(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var out = Substring(text)
        while out.hasSuffix("0") { out = out.dropLast() }
        if out.hasSuffix(".") { out = out.dropLast() }
        return out == "-0" ? "0" : String(out)
    }

    /// `#rrggbb` for channel values in 0…255.
    static func hex(_ red: Double, _ green: Double, _ blue: Double) -> String {
        let channels = [red, green, blue].map { Int(min(255, max(0, $0)).rounded()) }
        return String(format: "#%02x%02x%02x", channels[0], channels[1], channels[2])
    }

    /// Light-to-dark blue for `t` in 0…1, through three stops of a sequential blue scale.
    static func blue(_ t: Double) -> String {
        let stops: [(Double, Double, Double)] = [(239, 246, 255), (107, 174, 214), (8, 48, 107)]
        let position = min(1, max(0, t.isFinite ? t : 0)) * Double(stops.count - 1)
        let lower = min(Int(position), stops.count - 2)
        let f = position - Double(lower)
        let (a, b) = (stops[lower], stops[lower + 1])
        return hex(a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f, a.2 + (b.2 - a.2) * f)
    }

    /// Rough width of `text` at `size` in a sans-serif face, for layout.
    static func textWidth(_ text: String, size: Double = 12) -> Double {
        Double(text.count) * size * 0.6
    }
}
