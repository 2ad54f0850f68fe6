/// A streaming reader of `multipart/form-data` (RFC 7578): bytes go in as they arrive, and
/// out come each part's headers, its body in pieces, and its end.
///
/// Written here rather than taken from a library so that every limit is Herald's: part headers
/// are capped, any byte value is safe, and bytes after the closing boundary are ignored.
public struct MultipartReader {
    public enum Event: Equatable {
        case header(name: String, value: String)
        case body([UInt8])
        case partComplete
    }

    /// Why a body is not `multipart/form-data`.
    public struct Malformed: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    private enum State {
        /// Before the first boundary.
        case preamble
        /// Just after a boundary: `\r\n` starts a part, `--` ends the body.
        case afterBoundary
        case headers
        case body
        /// After the closing boundary; the rest is ignored.
        case done
    }

    /// The largest header block of one part.
    public static let headerLimit = 16 * 1024

    private let delimiter: [UInt8]
    private var state = State.preamble
    private var pending: [UInt8] = []

    public init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
        // The first boundary may open the body without a line break before it.
        pending = Array("\r\n".utf8)
    }

    /// True once the closing boundary has been read.
    public var isComplete: Bool {
        if case .done = state { return true }
        return false
    }

    /// Feeds `chunk` and returns the events it completes.
    public mutating func read(_ chunk: some Sequence<UInt8>) throws(Malformed) -> [Event] {
        guard !isComplete else { return [] }
        pending += chunk
        var events: [Event] = []
        while true {
            switch state {
            case .preamble:
                guard let index = find(delimiter, in: pending) else {
                    // Keep only what could still be the start of the delimiter.
                    pending = Array(pending.suffix(delimiter.count - 1))
                    return events
                }
                pending.removeFirst(index + delimiter.count)
                state = .afterBoundary
            case .afterBoundary:
                guard pending.count >= 2 else { return events }
                if pending[0] == UInt8(ascii: "-") && pending[1] == UInt8(ascii: "-") {
                    state = .done
                    pending = []
                    return events
                }
                // Transport padding (spaces, tabs) may come before the line break.
                guard let lineEnd = find(Array("\r\n".utf8), in: pending) else {
                    guard pending.count < 1024 else { throw Malformed(description: "a boundary line is too long") }
                    return events
                }
                pending.removeFirst(lineEnd + 2)
                state = .headers
            case .headers:
                // A line break at once is an empty header block; its part's body may itself begin with one.
                guard let end = pending.starts(with: Array("\r\n".utf8)) ? -2 : find(Array("\r\n\r\n".utf8), in: pending) else {
                    guard pending.count <= Self.headerLimit else { throw Malformed(description: "a part's headers exceed \(Self.headerLimit) bytes") }
                    return events
                }
                guard end <= Self.headerLimit else { throw Malformed(description: "a part's headers exceed \(Self.headerLimit) bytes") }
                if end > 0 {
                    for line in pending[..<end].split(separator: UInt8(ascii: "\n")) {
                        let text = String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
                        guard let colon = text.firstIndex(of: ":") else { throw Malformed(description: "a part header has no ':'") }
                        events.append(
                            .header(
                                name: String(text[..<colon]).trimmingWhitespace(),
                                value: String(text[text.index(after: colon)...]).trimmingWhitespace()))
                    }
                }
                pending.removeFirst(end + 4)
                state = .body
            case .body:
                if let index = find(delimiter, in: pending) {
                    if index > 0 { events.append(.body(Array(pending[..<index]))) }
                    events.append(.partComplete)
                    pending.removeFirst(index + delimiter.count)
                    state = .afterBoundary
                } else {
                    // All but a possible partial delimiter at the end is body.
                    let safe = pending.count - (delimiter.count - 1)
                    if safe > 0 {
                        events.append(.body(Array(pending[..<safe])))
                        pending.removeFirst(safe)
                    }
                    return events
                }
            case .done:
                return events
            }
        }
    }

    /// The first index of `needle` in `haystack`, looking only where its first byte matches.
    private func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            guard let next = haystack[index...last].firstIndex(of: first) else { return nil }
            if haystack[next..<(next + needle.count)].elementsEqual(needle) { return next }
            index = next + 1
        }
        return nil
    }
}
