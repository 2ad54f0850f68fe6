/// One range of an HTTP `Range: bytes=...` header, per RFC 9110.
public enum ByteRange: Equatable, Sendable {
    case satisfiable(ClosedRange<Int64>)
    case unsatisfiable
    /// Not a single byte range Herald serves (several ranges, another unit, bad syntax): send the whole file.
    case ignored

    /// The range `header` asks of a file of `size` bytes; a satisfiable range always lies in the file.
    public static func parse(_ header: String, size: Int64) -> ByteRange {
        let trimmed = header.trimmingWhitespace()
        guard trimmed.lowercased().hasPrefix("bytes=") else { return .ignored }
        let spec = trimmed.dropFirst("bytes=".count).trimmingWhitespace()
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .ignored }
        let first = spec[..<dash].trimmingWhitespace()
        let last = spec[spec.index(after: dash)...].trimmingWhitespace()
        let digits = { (text: String) in !text.isEmpty && text.utf8.count <= 18 && text.utf8.allSatisfy(isDigit) }
        if first.isEmpty {
            // The last N bytes; an empty file has none.
            guard digits(last), let count = Int64(last) else { return .ignored }
            guard count > 0, size > 0 else { return .unsatisfiable }
            return .satisfiable(max(0, size - count)...(size - 1))
        }
        guard digits(first), let start = Int64(first) else { return .ignored }
        guard start < size else { return .unsatisfiable }
        if last.isEmpty { return .satisfiable(start...(size - 1)) }
        guard digits(last), let end = Int64(last), end >= start else { return .ignored }
        return .satisfiable(start...min(end, size - 1))
    }
}
