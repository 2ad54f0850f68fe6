import Foundation
import HTTPTypes
import HeraldCore
import Hummingbird

/// The one place where an error becomes an HTTP answer: the JSON envelope with a `type:
/// error` message carrying a stable code, never an HTML page or a stack trace.
extension HeraldError: HTTPResponseError {
    public var status: HTTPResponse.Status {
        switch kind {
        case .invalidInput: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .tooLarge: .contentTooLarge
        case .unavailable: .serviceUnavailable
        case .insufficientStorage: HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")
        case .tooManyRequests: .tooManyRequests
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        errorEnvelopeResponse(status: status, code: code, message: clientMessage, headers: headers)
    }

    /// The headers the error's answer carries besides its content type.
    var headers: HTTPFields {
        kind == .unauthorized ? [.wwwAuthenticate: "Bearer"] : [:]
    }

    /// The message a client reads. What Herald depends on (the database's address, its
    /// driver's error, the schema) is the operator's to read, in the log
    /// (``ErrorEnvelopeMiddleware``), never a client's.
    var clientMessage: String {
        switch code {
        case "server_busy": message
        case "blob_store_unavailable": "Herald cannot reach the storage of its build files right now; nothing was stored; try again shortly."
        default: kind == .unavailable ? "Herald cannot reach its database right now; try again shortly." : message
        }
    }
}

/// An error envelope as a complete response.
func errorEnvelopeResponse(status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) -> Response {
    errorEnvelopeResponse(status: status, body: errorEnvelope(code: code, message: message), headers: headers)
}

/// An error envelope's bytes (``errorEnvelope(code:message:)``) as a complete response.
func errorEnvelopeResponse(status: HTTPResponse.Status, body: ByteBuffer, headers: HTTPFields = [:]) -> Response {
    var headers = headers
    headers[.contentType] = "application/json; charset=utf-8"
    return Response(status: status, headers: headers, body: .init(byteBuffer: body))
}

/// The body of an error answer: the envelope with one `error` message and no response.
func errorEnvelope(code: String, message: String) -> ByteBuffer {
    let envelope = Envelope<NoResponse>(messages: [Notice(level: .error, code: code, message: message)], response: nil)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let body = (try? encoder.encode(envelope)) ?? Data(#"{"messages":[],"response":null}"#.utf8)
    return ByteBuffer(bytes: body)
}
