import HeraldCore

/// The JSON shape of every API answer (seed 000): messages for people and programs, and the
/// answer itself, which is `null` when the request failed.
public struct Envelope<Response: Encodable & Sendable>: Encodable, Sendable {
    public var messages: [Notice]
    public var response: Response?

    public init(messages: [Notice] = [], response: Response?) {
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
