import HeraldFormats

/// A horizontal bar chart as inline SVG, drawn on the server: one bar per label.
enum BarChart {
    /// Longest first.
    static func svg(_ counts: [String: Int], limit: Int = 12) -> String {
        svg(series: counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit).map { ($0.key, $0.value) })
    }

    /// In the order given (days, say); `unit` follows each value.
    static func svg(series rows: [(key: String, value: Int)], unit: String = "") -> String {
        guard let largest = rows.map(\.value).max(), largest > 0 else { return "<p>No data yet.</p>" }
        let rowHeight = 24
        let width = 640
        let labelWidth = 160
        let height = rows.count * rowHeight + 8
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 \(width) \(height)\" width=\"100%\">"
        for (index, row) in rows.enumerated() {
            let y = index * rowHeight + 4
            let barWidth = max(1, (width - labelWidth - 70) * row.value / largest)
            let label = ReadmeHTML.escape(String(row.key.prefix(24)))
            svg += "<text x=\"\(labelWidth - 6)\" y=\"\(y + 16)\" text-anchor=\"end\" font-size=\"13\">\(label)</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(barWidth)\" height=\"\(rowHeight - 8)\" fill=\"#3b6ea5\"><title>\(label): \(row.value)\(unit)</title></rect>"
            svg += "<text x=\"\(labelWidth + barWidth + 6)\" y=\"\(y + 16)\" font-size=\"13\">\(row.value)\(unit)</text>"
        }
        return svg + "</svg>"
    }
}
