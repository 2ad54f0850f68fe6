import Foundation

/// The little of XML that S3's answers need read: the text of each `<name>…</name>` element,
/// with the five predefined entities decoded. S3's answers are flat enough that no parser is
/// needed, and Foundation's XML parser is not on every Linux machine.
enum BucketXML {
    /// The contents of every element called `name`, in order; nested elements are returned
    /// as their raw text.
    static func values(of name: String, in document: String) -> [String] {
        let open = "<\(name)>"
        let close = "</\(name)>"
        var values: [String] = []
        var rest = document[...]
        while let start = rest.range(of: open), let end = rest[start.upperBound...].range(of: close) {
            values.append(decoded(rest[start.upperBound..<end.lowerBound]))
            rest = rest[end.upperBound...]
        }
        return values
    }

    /// `text` with `&`, `<`, `>`, `"` and `'` written as entities.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&apos;")
    }

    private static func decoded(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        return text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&#34;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
    }
}
