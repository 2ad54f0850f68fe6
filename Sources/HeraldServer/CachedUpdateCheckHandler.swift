import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTPTypes

/// Answers a `GET /api/check_for_update` whose answer is in the ``UpdateAnswerCache`` on the
/// connection's event loop, before the request reaches the router.
///
/// Installed sites ask the same question over and over, and once its answer is cached the work
/// left is the framework's per-request cost; answering here skips that cost for the hot path.
/// Every other request, and every check whose answer is not cached, passes on unchanged, and
/// the router's own route stays the one that computes and caches answers.
///
/// HTTP/1.1 lets a client send several requests before reading any answer; the answers must
/// come back in order. So a request is answered here only when no request passed on before it
/// still waits for its answer.
final class CachedUpdateCheckHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let answers: UpdateAnswerCache
    private let statistics: InstallStatsRecorder?
    private let publicURL: String?
    private let serverName: String
    /// Requests passed on to the router whose answer has not been written to its end.
    private var awaitingAnswers = 0
    /// The Date header of the last answer written here, and its second.
    private var date: (second: Int, text: String) = (-1, "")
    /// True from the head of a request answered here to its end: its parts go no further.
    private var discardingRequest = false

    init(answers: UpdateAnswerCache, statistics: InstallStatsRecorder?, publicURL: String?, serverName: String) {
        self.answers = answers
        self.statistics = statistics
        self.publicURL = publicURL
        self.serverName = serverName
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head(let head):
            // A client that sends without reading gets no answers piled up here: while the
            // connection cannot take more, requests go the router's way, which waits.
            if awaitingAnswers == 0, context.channel.isWritable, let answer = cachedAnswer(to: head) {
                discardingRequest = true
                if let sample = answer.sample { statistics?.record(sample) }
                if ContentCoding.acceptsGzip(head.headerFields[values: .acceptEncoding]) {
                    respond(with: answer.gzipped, gzipped: true, context: context)
                } else {
                    respond(with: answer.body, gzipped: false, context: context)
                }
                return
            }
            awaitingAnswers += 1
        case .body, .end:
            if discardingRequest {
                if case .end = part { discardingRequest = false }
                return
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { awaitingAnswers = max(0, awaitingAnswers - 1) }
        context.write(data, promise: promise)
    }

    /// The cached answer to `head`, keyed exactly as ``UpdateCheckRoutes`` keys a GET.
    private func cachedAnswer(to head: HTTPRequest) -> UpdateAnswerCache.Answer? {
        guard head.method == .get, head.headerFields[.connection] == nil, let target = head.path else { return nil }
        let path: Substring
        let query: Substring
        if let mark = target.firstIndex(of: "?") {
            path = target[..<mark]
            query = target[target.index(after: mark)...]
        } else {
            path = target[...]
            query = ""
        }
        guard path == "/api/check_for_update" || path == "/api/check_for_update/", !query.contains("#") else { return nil }
        let base = PublicURL(configured: publicURL, head: head).base
        return answers.cached(UpdateAnswerCache.Key(fields: String(query), baseURL: base, userAgent: head.headerFields[.userAgent]))
    }

    private func respond(with body: ByteBuffer, gzipped: Bool, context: ChannelHandlerContext) {
        var head = HTTPResponse(status: .ok)
        head.headerFields[.contentType] = UpdateAnswerCache.contentType
        if gzipped {
            head.headerFields[.contentEncoding] = "gzip"
            head.headerFields[.vary] = "Accept-Encoding"
        }
        head.headerFields[.contentLength] = String(body.readableBytes)
        head.headerFields[.server] = serverName
        let now = UTCDate.nowSeconds()
        if now != date.second { date = (now, UTCDate.http(now)) }
        head.headerFields[.date] = date.text
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
