import Foundation
import HTTPTypes
import HeraldCore
import Hummingbird

extension Message {
    init(_ notice: Notice) {
        self.init(type: Kind(rawValue: notice.level.rawValue) ?? .info, code: notice.code, message: notice.message)
    }
}

/// The JSON envelope as a response: `{"messages": [...], "response": ...}`.
func envelopeResponse<T: Encodable & Sendable>(
    _ value: T, messages: [Message] = [], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]
) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(Envelope(messages: messages, response: value))
    var headers = headers
    headers[.contentType] = "application/json; charset=utf-8"
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
}
