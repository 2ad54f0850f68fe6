/// A readme.txt section as the HTML WordPress shows in its "View details" dialog.
///
/// readme.txt sections are plain text with a few conventions: `= Title =` subheadings, `*` or
/// `-` list items, blank lines between paragraphs, `**bold**` and
/// `[text](https://…)` links. Everything else is escaped, so a readme cannot inject markup.
public enum ReadmeHTML {
    public static func render(_ text: String) -> String {
        var html: [String] = []
        var paragraph: [String] = []
        var listItems: [String] = []

        func flushParagraph() {
            if !paragraph.isEmpty { html.append("<p>" + paragraph.joined(separator: "<br />\n") + "</p>") }
            paragraph = []
        }
        func flushList() {
            if !listItems.isEmpty { html.append("<ul>\n" + listItems.map { "<li>\($0)</li>" }.joined(separator: "\n") + "\n</ul>") }
            listItems = []
        }

        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty {
                flushParagraph()
                flushList()
            } else if line.count > 2, line.hasPrefix("="), line.hasSuffix("=") {
                flushParagraph()
                flushList()
                let title = String(line.drop { $0 == "=" }.reversed().drop { $0 == "=" }.reversed()).trimmingWhitespace()
                html.append("<h4>" + inline(title) + "</h4>")
            } else if line.hasPrefix("* ") || line.hasPrefix("- ") {
                flushParagraph()
                listItems.append(inline(String(line.dropFirst(2)).trimmingWhitespace()))
            } else {
                flushList()
                paragraph.append(inline(line))
            }
        }
        flushParagraph()
        flushList()
        return html.joined(separator: "\n")
    }

    /// Escapes `text`, then turns `**bold**` and `[text](http…)` links into markup.
    private static func inline(_ text: String) -> String {
        var result = escape(text)
        while let open = result.firstRange(of: "**"), let close = result[open.upperBound...].firstRange(of: "**") {
            let inner = result[open.upperBound..<close.lowerBound]
            result.replaceSubrange(open.lowerBound..<close.upperBound, with: "<strong>\(inner)</strong>")
        }
        var output = ""
        var rest = result[...]
        while let openBracket = rest.firstIndex(of: "["),
            let closeBracket = rest[openBracket...].firstIndex(of: "]"),
            rest[closeBracket...].dropFirst().first == "(",
            let closeParen = rest[closeBracket...].firstIndex(of: ")")
        {
            let label = rest[rest.index(after: openBracket)..<closeBracket]
            let url = rest[rest.index(closeBracket, offsetBy: 2)..<closeParen]
            output += rest[..<openBracket]
            if url.hasPrefix("https://") || url.hasPrefix("http://") {
                output += "<a href=\"\(url)\">\(label)</a>"
            } else {
                output += rest[openBracket...closeParen]
            }
            rest = rest[rest.index(after: closeParen)...]
        }
        return output + rest
    }

    /// HTML-escapes `&`, `<`, `>`, `"` and `'`.
    public static func escape(_ text: String) -> String {
        // Most text has none of them: it is returned as it is, without a copy.
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") })
        else { return text }
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#039;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
