// Standalone SVG charts for reports: a value heat map (the R matrix) and a multi-series line chart.

import Foundation

/// Builders of standalone SVG 1.1 documents (with `xmlns`, size, `viewBox`, a `<title>` and a
/// sans-serif font); every piece of caller text is XML-escaped.
public enum SVGPlot {
    /// Line colours, used in order and repeated after ten series.
    public static let palette = [
        "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
        "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
    ]

    /// A grid of coloured cells, one per value, with the formatted value written in each cell.
    ///
    /// Colours run from light blue at the smallest non-nil finite value to dark blue at the largest
    /// (mid-blue when they are equal); text is white on the darker half. A nil or non-finite value is
    /// a light-grey cell showing "–". Row labels sit on the left, column labels on top (rotated 45°
    /// when one would not fit its cell), the title above. The grid has as many rows and columns as
    /// the longer of the labels and the values; for the R matrix, rows are "after <task>" and
    /// columns the tasks.
    public static func heatMap(
        title: String, rowLabels: [String], columnLabels: [String], values: [[Double?]],
        valueFormat: (Double) -> String = { String(format: "%.3f", $0) }
    ) -> String {
        let rows = max(rowLabels.count, values.count)
        let columns = max(columnLabels.count, values.map(\.count).max() ?? 0)
        func value(_ i: Int, _ j: Int) -> Double? {
            guard i < values.count, j < values[i].count, let v = values[i][j], v.isFinite else { return nil }
            return v
        }
        let known = values.flatMap { $0.compactMap { $0 } }.filter(\.isFinite)
        let low = known.min() ?? 0, high = known.max() ?? 0
        let labels = (0..<rows).map { i in (0..<columns).map { j in value(i, j).map(valueFormat) ?? "–" } }

        let widest = labels.joined().map { SVGDocument.textWidth($0) }.max() ?? 0
        let cellWidth = max(56, widest + 16), cellHeight = 32.0
        let left = 16 + (rowLabels.map { SVGDocument.textWidth($0) }.max() ?? 0) + 10
        let longestColumn = columnLabels.map { SVGDocument.textWidth($0) }.max() ?? 0
        let rotate = longestColumn > cellWidth - 6
        let titleHeight = 40.0
        let headerHeight = rotate ? longestColumn * 0.71 + 16 : 24
        let top = titleHeight + headerHeight
        let overhang = rotate ? longestColumn * 0.71 : 0
        let width = max(left + Double(columns) * cellWidth + 16 + overhang, SVGDocument.textWidth(title, size: 16) + 32)
        let height = top + Double(rows) * cellHeight + 16

        var svg = SVGDocument(width: width, height: height, title: title)
        svg.text(title, x: width / 2, y: 26, size: 16, anchor: "middle", attributes: #"font-weight="bold""#)
        for (j, label) in columnLabels.enumerated() {
            let x = left + (Double(j) + 0.5) * cellWidth
            if rotate {
                let y = top - 8
                svg.text(
                    label, x: x, y: y,
                    attributes:
                        #"transform="rotate(-45 \#(SVGDocument.number(x)) \#(SVGDocument.number(y)))""#)
            } else {
                svg.text(label, x: x, y: top - 8, anchor: "middle")
            }
        }
        for (i, label) in rowLabels.enumerated() {
            svg.text(label, x: left - 10, y: top + (Double(i) + 0.5) * cellHeight + 4, anchor: "end")
        }
        for i in 0..<rows {
            for j in 0..<columns {
                let x = left + Double(j) * cellWidth, y = top + Double(i) * cellHeight
                var fill = "#e0e0e0", ink = "#555555"
                if let v = value(i, j) {
                    let t = high > low ? (v - low) / (high - low) : 0.5
                    fill = SVGDocument.blue(t)
                    ink = t > 0.5 ? "#ffffff" : "#111111"
                }
                svg.rect(x: x, y: y, width: cellWidth, height: cellHeight, fill: fill, stroke: "#ffffff")
                svg.text(labels[i][j], x: x + cellWidth / 2, y: y + cellHeight / 2 + 4, anchor: "middle", fill: ink)
            }
        }
        return svg.text
    }

    /// A line chart: one polyline with circle markers per series, in palette colours, with a legend.
    ///
    /// Each axis has 5 evenly spaced ticks, labelled, from the start to the end of its range. A range
    /// left nil spans the data (widened by ±0.5 when flat, 0…1 without data); points outside the
    /// ranges are clipped and non-finite points skipped. Used for the reject rate (y, 0…1) against
    /// the target precision (x) per task. `xTicks` replaces the x axis's ticks (e.g. for a log axis);
    /// `intervals[i]`, when given, draws error bars (low…high at x) in series i's colour.
    public static func lineChart(
        title: String, xLabel: String, yLabel: String,
        series: [(name: String, points: [(x: Double, y: Double)])],
        xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil,
        xTicks: [(Double, String)]? = nil, intervals: [[(x: Double, low: Double, high: Double)]] = []
    ) -> String {
        let finite = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        let xs = xRange ?? span(finite.map(\.x)), ys = yRange ?? span(finite.map(\.y))
        let legendWidth = (series.map { SVGDocument.textWidth($0.name) }.max() ?? 0) + 48
        let left = 72.0, top = 48.0, plotWidth = 480.0, plotHeight = 300.0
        let width = max(left + plotWidth + 24 + legendWidth, SVGDocument.textWidth(title, size: 16) + 32)
        let height = top + plotHeight + 64
        func px(_ x: Double) -> Double {
            left + (xs.upperBound > xs.lowerBound ? (x - xs.lowerBound) / (xs.upperBound - xs.lowerBound) : 0.5)
                * plotWidth
        }
        func py(_ y: Double) -> Double {
            top + plotHeight
                - (ys.upperBound > ys.lowerBound ? (y - ys.lowerBound) / (ys.upperBound - ys.lowerBound) : 0.5)
                * plotHeight
        }

        var svg = SVGDocument(width: width, height: height, title: title)
        svg.text(title, x: width / 2, y: 28, size: 16, anchor: "middle", attributes: #"font-weight="bold""#)
        for (tick, label) in xTicks ?? ticks(xs) {
            let x = px(tick)
            svg.line(x1: x, y1: top, x2: x, y2: top + plotHeight, stroke: "#e6e6e6")
            svg.line(x1: x, y1: top + plotHeight, x2: x, y2: top + plotHeight + 5, stroke: "#222222")
            svg.text(label, x: x, y: top + plotHeight + 20, anchor: "middle")
        }
        for (tick, label) in ticks(ys) {
            let y = py(tick)
            svg.line(x1: left, y1: y, x2: left + plotWidth, y2: y, stroke: "#e6e6e6")
            svg.line(x1: left - 5, y1: y, x2: left, y2: y, stroke: "#222222")
            svg.text(label, x: left - 9, y: y + 4, anchor: "end")
        }
        svg.line(x1: left, y1: top + plotHeight, x2: left + plotWidth, y2: top + plotHeight, stroke: "#222222")
        svg.line(x1: left, y1: top, x2: left, y2: top + plotHeight, stroke: "#222222")
        svg.text(xLabel, x: left + plotWidth / 2, y: top + plotHeight + 46, size: 13, anchor: "middle")
        let yMid = top + plotHeight / 2
        svg.text(
            yLabel, x: 22, y: yMid, size: 13, anchor: "middle",
            attributes: #"transform="rotate(-90 22 \#(SVGDocument.number(yMid)))""#)
        svg.raw(
            #"<clipPath id="plot-area"><rect x="\#(SVGDocument.number(left - 6))" y="\#(SVGDocument.number(top - 6))" "#
                + #"width="\#(SVGDocument.number(plotWidth + 12))" "#
                + #"height="\#(SVGDocument.number(plotHeight + 12))"/></clipPath>"#
        )
        for (index, entry) in series.enumerated() {
            let colour = palette[index % palette.count]
            let points = entry.points.filter { $0.x.isFinite && $0.y.isFinite }
            let coordinates = points.map { "\(SVGDocument.number(px($0.x))),\(SVGDocument.number(py($0.y)))" }
            var group = [
                #"<g clip-path="url(#plot-area)">"#,
                #"<polyline points="\#(coordinates.joined(separator: " "))" fill="none" stroke="\#(colour)" "#
                    + #"stroke-width="2"/>"#,
            ]
            let bars = index < intervals.count ? intervals[index] : []
            for bar in bars where bar.x.isFinite && bar.low.isFinite && bar.high.isFinite {
                let x = px(bar.x), low = py(bar.low), high = py(bar.high)
                group.append(
                    #"<path d="M\#(SVGDocument.number(x)) \#(SVGDocument.number(low))V\#(SVGDocument.number(high))"#
                        + #"M\#(SVGDocument.number(x - 4)) \#(SVGDocument.number(low))h8"#
                        + #"M\#(SVGDocument.number(x - 4)) \#(SVGDocument.number(high))h8" "#
                        + #"stroke="\#(colour)" stroke-width="1.5" fill="none"/>"#)
            }
            for point in points {
                group.append(
                    #"<circle cx="\#(SVGDocument.number(px(point.x)))" cy="\#(SVGDocument.number(py(point.y)))" "#
                        + #"r="3.5" fill="\#(colour)"/>"#
                )
            }
            group.append("</g>")
            svg.raw(group.joined(separator: "\n"))
            let legendX = left + plotWidth + 24, legendY = top + 8 + Double(index) * 20
            svg.line(x1: legendX, y1: legendY, x2: legendX + 24, y2: legendY, stroke: colour, width: 2)
            svg.raw(
                #"<circle cx="\#(SVGDocument.number(legendX + 12))" cy="\#(SVGDocument.number(legendY))" "#
                    + #"r="3.5" fill="\#(colour)"/>"#
            )
            svg.text(entry.name, x: legendX + 32, y: legendY + 4)
        }
        return svg.text
    }

    /// The range of `values`, widened by ±0.5 when flat; 0…1 when empty.
    static func span(_ values: [Double]) -> ClosedRange<Double> {
        guard let low = values.min(), let high = values.max() else { return 0...1 }
        return low < high ? low...high : (low - 0.5)...(high + 0.5)
    }

    /// Five evenly spaced ticks over `range` with labels precise enough to tell neighbours apart.
    static func ticks(_ range: ClosedRange<Double>) -> [(Double, String)] {
        let step = (range.upperBound - range.lowerBound) / 4
        let decimals = step > 0 ? min(6, max(0, Int((-log10(step)).rounded(.up)) + 1)) : 2
        return (0...4).map { i in
            let tick = range.lowerBound + Double(i) * step
            return (tick, SVGDocument.trimmed(String(format: "%.\(decimals)f", tick)))
        }
    }
}
