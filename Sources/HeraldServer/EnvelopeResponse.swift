import Foundation
import HTTPTypes
import HeraldCore
import Hummingbird

/// The JSON envelope as a response: `{"messages": [...], "response": ...}`.
func envelopeResponse<T: Encodable & Sendable>(
    _ value: T, messages: [Notice] = [], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]
) throws -> Response {
    var headers = headers
    headers[.contentType] = "application/json; charset=utf-8"
    return Response(status: status, headers: headers, body: .init(byteBuffer: try encodeEnvelope(value, messages: messages)))
}

/// The envelope's JSON bytes: keys sorted, so the same answer is the same bytes.
func encodeEnvelope<T: Encodable & Sendable>(_ value: T, messages: [Notice] = []) throws -> ByteBuffer {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return ByteBuffer(bytes: try encoder.encode(Envelope(messages: messages, response: value)))
}
