import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Answers a request that NIO's HTTP parser rejects with the JSON error envelope, then closes
/// the connection.
///
/// Without it such a request (a 100 KB URL, a header block over the limit, bytes that are not
/// HTTP) gets the framework's empty 400, which a client cannot tell apart from any other. A
/// head over the limit is 431 `headers_too_large`; anything else is 400 `malformed_request`.
final class MalformedRequestHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Requests read whose answer has not been written to its end. The error answer is written
    /// only when none is pending, so it cannot cut into another answer.
    private var pendingAnswers = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { pendingAnswers += 1 }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { pendingAnswers = max(0, pendingAnswers - 1) }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError, pendingAnswers == 0 else {
            context.fireErrorCaught(error)
            return
        }
        let (status, code, message): (HTTPResponse.Status, String, String) =
            switch parserError {
            case .headerOverflow:
                (.requestHeaderFieldsTooLarge, "headers_too_large", "The request line and headers are over the server's limit.")
            default:
                (.badRequest, "malformed_request", "The request is not valid HTTP/1.1.")
            }
        let body = errorEnvelope(code: code, message: message)
        var head = HTTPResponse(status: status)
        head.headerFields[.contentType] = "application/json; charset=utf-8"
        head.headerFields[.contentLength] = String(body.readableBytes)
        head.headerFields[.connection] = "close"
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        let connection = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in connection.value.close(promise: nil) }
    }
}
