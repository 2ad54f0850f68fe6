/// A note attached to an answer, in the envelope's `messages` (seed 000): a warning such as
/// `no_channel`, why an update is not offered, or the error of a failed request.
public struct Notice: Sendable, Equatable, Encodable {
    public enum Level: String, Sendable, Encodable {
        case info
        case warning
        case error
    }

    public var level: Level
    public var code: String
    public var message: String

    private enum CodingKeys: String, CodingKey {
        case level = "type", code, message
    }

    public init(level: Level, code: String, message: String) {
        self.level = level
        self.code = code
        self.message = message
    }

    /// The warning of seed 000 when a request names no channel.
    public static let noChannel = Notice(level: .warning, code: "no_channel", message: "No channel specified - assumed stable.")
}
