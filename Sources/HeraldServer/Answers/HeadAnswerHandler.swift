import NIOCore
import NIOHTTP1

/// Leaves the body out of every answer to a HEAD request that reaches the router, whatever
/// the route wrote (an error envelope, the WordPress API's JSON), so the connection stays in
/// step for the next request.
///
/// NIO's response encoder does this when the request decoder is paired with it, but
/// ``SiteAnswerHandler`` answers requests beside the encoder, which would leave that pairing's
/// queue of methods out of step (and growing). This handler sits after it, so it sees exactly
/// the requests the router answers, in order.
final class HeadAnswerHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// The methods of the requests passed on whose answers have not begun.
    private var methods = CircularBuffer<HTTPMethod>(initialCapacity: 4)
    private var droppingBody = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) { methods.append(head.method) }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            let code = head.status.code
            // An interim answer (1xx other than 101) is followed by the final one for the same request.
            guard !(100..<200).contains(code) || code == 101 else {
                context.write(data, promise: promise)
                return
            }
            droppingBody = methods.popFirst() == .HEAD
            // Without a length, the encoder would frame the answer as chunked and write its end.
            if droppingBody, !head.headers.contains(name: "content-length") {
                head.headers.remove(name: "transfer-encoding")
                head.headers.replaceOrAdd(name: "content-length", value: "0")
            }
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .body:
            if droppingBody {
                promise?.succeed(())
            } else {
                context.write(data, promise: promise)
            }
        case .end:
            droppingBody = false
            context.write(data, promise: promise)
        }
    }
}
