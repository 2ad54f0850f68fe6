import HeraldCore

/// A note attached to an answer: a warning such as `no_channel`, or the error of a failed request.
public struct Message: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case info
        case warning
        case error
    }

    public var type: Kind
    public var code: String
    public var message: String

    public init(type: Kind, code: String, message: String) {
        self.type = type
        self.code = code
        self.message = message
    }
}

/// The JSON shape of every API answer (seed 000): messages for people and programs, and the
/// answer itself, which is `null` when the request failed.
public struct Envelope<Response: Encodable & Sendable>: Encodable, Sendable {
    public var messages: [Message]
    public var response: Response?

    public init(messages: [Message] = [], response: Response?) {
        self.messages = messages
        self.response = response
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(messages, forKey: .messages)
        // `response` is always present: `null` on failure, never missing.
        if let response {
            try container.encode(response, forKey: .response)
        } else {
            try container.encodeNil(forKey: .response)
        }
    }

    private enum CodingKeys: String, CodingKey {
        case messages
        case response
    }
}

/// The response half of a failed request's envelope.
public struct NoResponse: Encodable, Sendable {}
