import Foundation
import Logging
import Synchronization

/// `--log-format json`: one JSON object a line on standard output, for log shippers: `time`,
/// `level`, `message`, `label`, and every metadata value (`request_id`, `route`, `status`,
/// `duration_ms`, `product`, ...) as a field of its own.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String

    /// Lines from every thread are written whole, one after another.
    private static let output = Mutex(())

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: Any] = [:]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new }) {
            fields[key] = Self.json(value, numeric: Self.numericKeys.contains(key))
        }
        fields["time"] = Self.time()
        fields["level"] = event.level.rawValue
        fields["message"] = event.message.description
        fields["label"] = label
        guard var line = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        line.append(UInt8(ascii: "\n"))
        Self.output.withLock { _ in
            line.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0, errno == EINTR || errno == EAGAIN { continue }
                    if written <= 0 { break }
                    offset += written
                }
            }
        }
    }

    /// The fields written as numbers when they read as one; every other value is text (a
    /// product id of digits stays a string).
    private static let numericKeys: Set<String> = ["status", "duration_ms", "bytes"]

    private static func json(_ value: Logger.Metadata.Value, numeric: Bool) -> Any {
        switch value {
        case .string(let text): numeric ? Double(text).map { $0 as Any } ?? text : text
        case .stringConvertible(let value): numeric ? Double(value.description).map { $0 as Any } ?? value.description : value.description
        case .array(let values): values.map { json($0, numeric: false) }
        case .dictionary(let values): values.mapValues { json($0, numeric: false) }
        }
    }

    private static func time() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
