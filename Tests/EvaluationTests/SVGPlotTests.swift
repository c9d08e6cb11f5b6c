// The SVG heat map and line chart: well-formed XML, every label and value present, text escaped.

#if canImport(FoundationXML)
    import FoundationXML
#endif
import Evaluation
import Foundation
import Testing

@Suite("SVGPlot")
struct SVGPlotTests {
    /// Parses an SVG document, counting elements and collecting the text of `<text>` and `<title>`.
    final class Reader: NSObject, XMLParserDelegate {
        var elements: [String: Int] = [:]
        var texts: [String] = []
        var rootAttributes: [String: String] = [:]
        private var current: String?

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
            qualifiedName: String?, attributes: [String: String] = [:]
        ) {
            if elements.isEmpty { rootAttributes = attributes }
            elements[name, default: 0] += 1
            if name == "text" || name == "title" { current = "" }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            current? += string
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if (name == "text" || name == "title"), let text = current { texts.append(text) }
            current = nil
        }
    }

    func read(_ svg: String) -> Reader? {
        let parser = XMLParser(data: Data(svg.utf8))
        let reader = Reader()
        parser.delegate = reader
        return parser.parse() ? reader : nil
    }

    @Test func heatMapIsWellFormedWithEveryLabelAndValue() throws {
        let svg = SVGPlot.heatMap(
            title: "R matrix <AG & Yelp>", rowLabels: ["after agnews", "after <yelp> & co"],
            columnLabels: ["agnews", "yelp \"reviews\""],
            values: [[0.9123, nil], [0.8, 0.7654]])
        let reader = try #require(read(svg))
        #expect(reader.rootAttributes["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(reader.rootAttributes["viewBox"] != nil && reader.rootAttributes["width"] != nil)
        #expect(reader.rootAttributes["font-family"] == "sans-serif")
        #expect(reader.texts.contains("R matrix <AG & Yelp>"))  // in the <title> and as the heading
        for expected in [
            "after agnews", "after <yelp> & co", "agnews", "yelp \"reviews\"", "0.912", "0.800", "0.765", "–",
        ] {
            #expect(reader.texts.contains(expected), "missing \(expected)")
        }
        #expect(svg.contains("after &lt;yelp&gt; &amp; co"))
        #expect(svg.contains("yelp &quot;reviews&quot;"))
        #expect(!svg.contains("<yelp>"))
        #expect(reader.elements["rect"] == 5)  // background + 4 cells
    }

    @Test func heatMapColoursRunFromLightToDark() {
        let svg = SVGPlot.heatMap(
            title: "t", rowLabels: ["a"], columnLabels: ["x", "y", "z"], values: [[0, 0.5, 1]],
            valueFormat: { String(format: "%.1f", $0) })
        #expect(svg.contains("fill=\"#eff6ff\""))  // the minimum: lightest blue
        #expect(svg.contains("fill=\"#08306b\""))  // the maximum: darkest blue
        #expect(svg.contains("fill=\"#6baed6\""))  // the midpoint
        #expect(svg.contains(">1.0</text>") && svg.contains(">0.5</text>"))
        #expect(svg.contains("fill=\"#ffffff\">1.0</text>"))  // white text on the dark cell
        #expect(svg.contains("fill=\"#111111\">0.0</text>"))
    }

    @Test func longColumnLabelsAreRotated() {
        let short = SVGPlot.heatMap(title: "t", rowLabels: ["a"], columnLabels: ["x"], values: [[1]])
        let long = SVGPlot.heatMap(
            title: "t", rowLabels: ["a"], columnLabels: ["a very long task name indeed"],
            values: [[1]])
        #expect(!short.contains("rotate("))
        #expect(long.contains("rotate(-45"))
        #expect(read(long) != nil)
    }

    @Test func lineChartHasOnePolylinePerSeriesAndALegend() throws {
        let svg = SVGPlot.lineChart(
            title: "Reject rate & precision", xLabel: "target precision", yLabel: "reject rate <share>",
            series: [
                (name: "agnews", points: [(x: 0.8, y: 0.1), (x: 0.9, y: 0.2), (x: 0.95, y: 0.35), (x: 0.99, y: 0.6)]),
                (
                    name: "yelp & co",
                    points: [(x: 0.8, y: 0.3), (x: 0.9, y: 0.5), (x: 0.95, y: 0.7), (x: 0.99, y: 0.9)]
                ),
                (name: "dbpedia", points: [(x: 0.8, y: 0.05), (x: 0.99, y: 0.2)]),
            ],
            xRange: 0.8...1.0, yRange: 0...1)
        let reader = try #require(read(svg))
        #expect(reader.elements["polyline"] == 3)
        #expect(reader.elements["circle"] == 4 + 4 + 2 + 3)  // markers plus one legend marker per series
        for expected in [
            "Reject rate & precision", "target precision", "reject rate <share>", "agnews", "yelp & co",
            "dbpedia", "0", "0.25", "0.5", "0.75", "1", "0.8", "0.85", "0.9", "0.95",
        ] {
            #expect(reader.texts.contains(expected), "missing \(expected)")
        }
        #expect(svg.contains("stroke=\"\(SVGPlot.palette[0])\"") && svg.contains("stroke=\"\(SVGPlot.palette[2])\""))
        #expect(svg.contains("yelp &amp; co"))
    }

    @Test func lineChartRangesDefaultToTheData() throws {
        let svg = SVGPlot.lineChart(
            title: "auto", xLabel: "x", yLabel: "y",
            series: [(name: "s", points: [(x: 2, y: 10), (x: 6, y: 30)])])
        let reader = try #require(read(svg))
        for tick in ["2", "3", "4", "5", "6", "10", "15", "20", "25", "30"] {
            #expect(reader.texts.contains(tick), "missing tick \(tick)")
        }
        // Data at the corners of the plot area: x from 72 to 552, y from 348 down to 48.
        #expect(svg.contains("points=\"72,348 552,48\""))
        #expect(read(SVGPlot.lineChart(title: "empty", xLabel: "x", yLabel: "y", series: [])) != nil)
    }
}
