/// The `name=value` fields of a URL's query string and of an `application/x-www-form-urlencoded`
/// body: what every site's question arrives as.
public enum FormFields {
    /// The fields of a query string (what follows `?`, without any `#` fragment), in order:
    /// pairs split on `&`, each value percent-decoded (or kept as sent when its encoding is
    /// broken), each name as sent, a name without `=` present with an empty value.
    public static func query(_ query: Substring) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        let utf8 = query.utf8
        var start = utf8.startIndex
        while start != utf8.endIndex {
            let end = utf8[start...].firstIndex(of: UInt8(ascii: "&")) ?? utf8.endIndex
            if start != end {
                let pair = query[start..<end]
                if let equals = pair.utf8.firstIndex(of: UInt8(ascii: "=")) {
                    let value = pair[pair.utf8.index(after: equals)...]
                    fields.append((String(pair[..<equals]), percentDecoded(value) ?? String(value)))
                } else {
                    fields.append((String(pair), ""))
                }
            }
            start = end == utf8.endIndex ? end : utf8.index(after: end)
        }
        return fields
    }

    /// Why a form body was refused: the field whose name (nil) or value is badly encoded.
    public struct BadEncoding: Error, Equatable {
        /// The decoded name of the field whose value is badly encoded; nil when the name is.
        public let field: String?
    }

    /// The fields of a form body, in order: `+` is a space, and names and values are
    /// percent-decoded and must then be UTF-8.
    public static func form(_ body: Substring) throws(BadEncoding) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let equals = pair.utf8.firstIndex(of: UInt8(ascii: "="))
            let rawName = equals.map { pair[..<$0] } ?? pair
            let rawValue = equals.map { pair[pair.utf8.index(after: $0)...] } ?? pair[pair.endIndex...]
            guard let name = percentDecoded(rawName, plusIsSpace: true, strict: true) else { throw BadEncoding(field: nil) }
            guard let value = percentDecoded(rawValue, plusIsSpace: true, strict: true) else { throw BadEncoding(field: name) }
            fields.append((name, value))
        }
        return fields
    }

    /// `text` with each `%XX` replaced by its byte (and each `+` by a space when `plusIsSpace`);
    /// nil when a `%` is not followed by two hex digits, or, when `strict`, when the bytes are
    /// not UTF-8 (otherwise what is not UTF-8 is replaced).
    public static func percentDecoded(_ text: Substring, plusIsSpace: Bool = false, strict: Bool = false) -> String? {
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 == UInt8(ascii: "%") || (plusIsSpace && $0 == UInt8(ascii: "+")) }) else { return String(text) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: utf8.count) { decoded -> String? in
            var count = 0
            var index = utf8.startIndex
            while index != utf8.endIndex {
                var byte = utf8[index]
                index = utf8.index(after: index)
                if byte == UInt8(ascii: "%") {
                    guard index != utf8.endIndex, let high = hexValue(utf8[index]) else { return nil }
                    index = utf8.index(after: index)
                    guard index != utf8.endIndex, let low = hexValue(utf8[index]) else { return nil }
                    index = utf8.index(after: index)
                    byte = high << 4 | low
                } else if plusIsSpace, byte == UInt8(ascii: "+") {
                    byte = UInt8(ascii: " ")
                }
                decoded[count] = byte
                count += 1
            }
            let bytes = UnsafeBufferPointer(rebasing: decoded[..<count])
            return strict ? String(validating: bytes, as: UTF8.self) : String(decoding: bytes, as: UTF8.self)
        }
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
