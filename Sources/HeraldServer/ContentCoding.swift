import CompressNIO
import HeraldCore
import HeraldFormats
import NIOCore

/// gzip, the one content coding Herald answers in, for clients that accept it.
enum ContentCoding {
    static func gzip(_ body: ByteBuffer) throws -> ByteBuffer {
        var body = body
        return try body.compress(with: .gzip())
    }

    /// True when the `Accept-Encoding` values list gzip (or `*`) without `q=0`.
    static func acceptsGzip(_ values: [String]) -> Bool {
        for item in values.flatMap({ $0.split(separator: ",") }) {
            let parts = item.split(separator: ";").map { $0.trimmingWhitespace().lowercased() }
            guard let coding = parts.first, coding == "gzip" || coding == "x-gzip" || coding == "*" else { continue }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2).trimmingWhitespace()) }
            if quality.map({ $0 > 0 }) ?? true { return true }
        }
        return false
    }
}
