/// The `Name: value` header that WordPress reads from a plugin's main PHP file and a theme's
/// `style.css`, parsed the way WordPress's `get_file_data()` does.
///
/// WordPress looks at the first 8 KB only, matches a header name case-insensitively at the
/// start of a line after any of ` \t/*#@` (and an opening `<?php`), and drops a trailing `*/`.
public struct FileHeader: Sendable, Equatable {
    /// How much of a file WordPress reads for its header.
    public static let readLimit = 8 * 1024

    private let fields: [String: String]

    /// Parses `text`; only its first ``readLimit`` bytes count, as in WordPress.
    public init(text: String) {
        let head = String(decoding: text.utf8.prefix(Self.readLimit), as: UTF8.self)
        var fields: [String: String] = [:]
        for rawLine in head.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            var line = Substring(rawLine)
            let indented = line.drop { $0 == " " || $0 == "\t" }
            if indented.hasPrefix("<?php") {
                line = indented.dropFirst(5)
            }
            line = line.drop { " \t/*#@".contains($0) }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingWhitespace().lowercased()
            guard !name.isEmpty, name.count <= 40, fields[name] == nil else { continue }
            var value = String(line[line.index(after: colon)...]).trimmingWhitespace()
            if let close = value.firstRange(of: "*/") {
                value = String(value[..<close.lowerBound]).trimmingWhitespace()
            }
            fields[name] = value
        }
        self.fields = fields
    }

    /// The value of header `name` (case-insensitive), or nil when absent or empty.
    public subscript(_ name: String) -> String? {
        guard let value = fields[name.lowercased()], !value.isEmpty else { return nil }
        return value
    }
}
