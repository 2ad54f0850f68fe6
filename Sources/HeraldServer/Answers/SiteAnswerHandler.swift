import HeraldCore
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Answers the questions sites ask most, `GET /api/check_for_update` and
/// `GET /wordpress/?action=get_metadata`, on the connection's event loop, before the router
/// and before the request is converted to the framework's types (``HeraldHTTP1Channel``).
///
/// Real update traffic is one distinct question per site, thousands a second; the answer is
/// one decision over a snapshot in memory, and the framework's per-request hops between
/// threads would cost more than the answer. This handler makes the very same
/// ``SiteAnswers/answerInMemory(_:fields:names:product:serves:)`` decision and writes the
/// very same bytes (``UpdateCheckAnswer``, ``PluginMetadataAnswer``) as the routes. Whatever
/// needs the database (a license not remembered, a product not yet in memory, the statistics
/// salt or the download links' key not yet read) or is an error passes on to the router unchanged.
///
/// It also keeps the connection's deadlines: a connection that waits longer than its idle
/// timeout for the head of its next request (a kept-alive connection left open, or a head
/// sent a byte at a time) is closed, and so is one whose request body keeps Herald waiting
/// for its next bytes longer than the body timeout. A request being answered, or whose body
/// Herald does not ask for yet (an upload written to disk), is never timed out.
///
/// And it is where `X-Forwarded-Host` and `X-Forwarded-Proto` are dropped from requests whose
/// peer is not a trusted proxy (``ForwardedHeaders``): nothing after it sees them.
///
/// HTTP/1.1 lets a client send several requests before reading any answer; the answers must
/// come back in order. So a request is answered here only when no request passed on before it
/// still waits for its answer, and only while the connection can take more.
final class SiteAnswerHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let answers: SiteAnswers
    private let statistics: InstallStatsRecorder?
    private let serverName: String
    /// The access log's.
    private let logger: Logger
    /// Ids made for this connection's requests: a random prefix and a count, so no request
    /// waits for the random number generator.
    private let requestIDPrefix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    private var requestCount: UInt64 = 0

    private func nextRequestID() -> String {
        requestCount &+= 1
        return "\(requestIDPrefix)-\(requestCount)"
    }
    /// Requests passed on to the router whose answer has not been written to its end.
    private var awaitingAnswers = 0
    /// The Date header of the last answer written here, and its second.
    private var date: (second: Int, text: String) = (-1, "")
    /// True from the head of a request answered here to its end: its parts go no further.
    private var discardingRequest = false
    /// The response encoder's place in the pipeline. An answer from here is written as whole
    /// bytes from there on, as the encoder would have written them.
    private var encoder: ChannelHandlerContext?

    private let forwardedHeaders: ForwardedHeaders
    /// Whether this connection's peer may set the forwarded headers.
    private var trustsForwardedHeaders = false
    /// The peer's address, which console requests passed on carry in ``ConsoleCookie/peerHeader``
    /// for the audit log and the sign-in throttle (a client's own value of that header is replaced).
    private var peer = "unknown"

    private let idleTimeout: TimeAmount
    private let bodyTimeout: TimeAmount
    /// Since when the connection has waited for a request's head; nil while one is read or answered.
    private var idleSince: NIODeadline? = .now()
    /// True from the head of a request passed on to its end.
    private var readingBody = false
    /// Since when Herald has asked for more of a request's body and got none; nil when it has not asked.
    private var bodyWaitSince: NIODeadline?
    private var idleCheck: RepeatedTask?

    init(
        answers: SiteAnswers, statistics: InstallStatsRecorder?, serverName: String, timeouts: ConnectionTimeouts,
        forwardedHeaders: ForwardedHeaders, logger: Logger
    ) {
        self.logger = logger
        self.answers = answers
        self.statistics = statistics
        self.serverName = serverName
        idleTimeout = TimeAmount(timeouts.idle)
        bodyTimeout = TimeAmount(timeouts.body)
        self.forwardedHeaders = forwardedHeaders
    }

    func handlerAdded(context: ChannelHandlerContext) {
        encoder = try? context.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self)
        trustsForwardedHeaders = forwardedHeaders.trusts(peer: context.channel.remoteAddress)
        peer = context.channel.remoteAddress?.ipAddress ?? "local"
        // Checked a few times per timeout, so a connection lasts at most a quarter longer.
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let interval = TimeAmount.nanoseconds(max(min(idleTimeout, bodyTimeout).nanoseconds / 4, 1_000_000))
        idleCheck = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            bound.value.handler.closeIfIdle(context: bound.value.context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        encoder = nil
        idleCheck?.cancel()
        idleCheck = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleCheck?.cancel()
        idleCheck = nil
        context.fireChannelInactive()
    }

    /// Closes the connection once it has waited too long for a request, unless an answer is
    /// still being sent, or too long for more of a request's body.
    private func closeIfIdle(context: ChannelHandlerContext) {
        let now = NIODeadline.now()
        let idle = idleSince.map { now - $0 >= idleTimeout && context.channel.isWritable } ?? false
        let stalled = bodyWaitSince.map { now - $0 >= bodyTimeout } ?? false
        guard idle || stalled else { return }
        idleCheck?.cancel()
        idleCheck = nil
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head(var head):
            if !trustsForwardedHeaders, ForwardedHeaders.strip(from: &head.headers) {
                markPeer(&head)
                context.fireChannelRead(wrapInboundOut(.head(head)))
                awaitingAnswers += 1
                idleSince = nil
                readingBody = true
                return
            }
            if awaitingAnswers == 0, context.channel.isWritable, let encoder, let response = response(to: head) {
                discardingRequest = true
                let id = head.headers.first(name: "x-request-id").flatMap(RequestLog.kept) ?? nextRequestID()
                respond(
                    with: response.body, gzipped: response.gzipped, signature: response.signature, reportToken: response.reportToken, requestID: id,
                    through: encoder)
                RequestLog.write(
                    to: logger, id: id, method: "GET", route: response.route, status: 200, duration: ContinuousClock.now - response.started,
                    product: response.product)
                idleSince = .now()
                return
            }
            idleSince = nil
            awaitingAnswers += 1
            readingBody = true
            markPeer(&head)
            context.fireChannelRead(wrapInboundOut(.head(head)))
            return
        case .body, .end:
            if discardingRequest {
                if case .end = part { discardingRequest = false }
                return
            }
            bodyWaitSince = nil
            if case .end = part { readingBody = false }
        }
        context.fireChannelRead(data)
    }

    /// Writes where a console request comes from into ``ConsoleCookie/peerHeader``: the console's
    /// pages and anything a session cookie comes with (the only requests that read it), so the
    /// sites' questions pass unchanged. Behind a trusted proxy, the client is the address the
    /// proxy appended last to X-Forwarded-For.
    private func markPeer(_ head: inout HTTPRequestHead) {
        guard head.uri.utf8.starts(with: "/admin".utf8) || head.headers.contains(name: "cookie") else { return }
        let client = trustsForwardedHeaders ? head.headers["x-forwarded-for"].last?.split(separator: ",").last : nil
        head.headers.replaceOrAdd(name: ConsoleCookie.peerHeader, value: client.map { $0.trimmingCharacters(in: .whitespaces) } ?? peer)
    }

    /// Herald asks for more bytes: while a request's body is read, the wait for them counts.
    func read(context: ChannelHandlerContext) {
        if readingBody, bodyWaitSince == nil { bodyWaitSince = .now() }
        context.read()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            awaitingAnswers = max(0, awaitingAnswers - 1)
            if awaitingAnswers == 0 { idleSince = .now() }
        }
        context.write(data, promise: promise)
    }

    /// The bytes to send, gzipped when the client accepts it, and the check counted in the
    /// install statistics; nil when the router must answer (and count) instead.
    private func response(
        to head: HTTPRequestHead
    ) -> (
        body: ByteBuffer, gzipped: Bool, signature: String, reportToken: String?, route: String, product: String, started: ContinuousClock.Instant
    )? {
        let started = ContinuousClock.now
        guard let (made, counted, body, reportToken) = answer(head) else { return nil }
        let gzipped = ContentCoding.acceptsGzip(head.headers["accept-encoding"])
        guard let sent = gzipped ? try? ContentCoding.gzip(body) : body else { return nil }
        let signature = answers.signatures.signature(of: body)
        // Counted last, once the answer is certain to be sent from here.
        if counted, let statistics, !statistics.recordNow(made) { return nil }
        if let metrics = answers.metrics {
            metrics.updateCheck(made.decision, of: made.snapshot)
            metrics.request(family: HeraldMetrics.family(of: String(head.uri.prefix { $0 != "?" })), status: 200, duration: ContinuousClock.now - started)
        }
        let route = head.uri.hasPrefix("/wordpress") ? "/wordpress" : "/api/check_for_update"
        return (sent, gzipped, signature, reportToken, route, made.product.id.rawValue, started)
    }

    /// The answer and its bytes, and whether the install statistics count it (as the router's
    /// route does); nil when the router must answer.
    private func answer(_ head: HTTPRequestHead) -> (answer: SiteAnswers.Answer, counted: Bool, body: ByteBuffer, reportToken: String?)? {
        // HTTP/1.0, `Connection: close`, upgrades and absolute targets are the router's to handle.
        let target = head.uri
        guard head.method == .GET, head.version == .http1_1, head.isKeepAlive, !head.headers.contains(name: "upgrade"),
            target.utf8.first == UInt8(ascii: "/"), let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")), !target.utf8.contains(UInt8(ascii: "#"))
        else { return nil }
        let path = target[..<mark]
        switch path {
        case "/api/check_for_update", "/api/check_for_update/":
            let fields = RequestFields(queryString: target[target.utf8.index(after: mark)...])
            guard let product = try? ProductID(validating: fields["product_name"] ?? fields["product_id"] ?? ""),
                let answer = answers.answerInMemory(head, fields: fields, names: .updateCheck, product: product)
            else { return nil }
            var links: BuildLinks?
            if answer.decision.updateAvailable, answer.question.license != nil {
                guard let made = answers.linksNow(for: answer) else { return nil }
                links = made
            }
            guard let reportToken = answers.reportTokenNow(for: answer) else { return nil }
            return (answer, true, UpdateCheckAnswer.body(for: answer, licensedLinks: links, snapshots: answers.snapshots), reportToken)
        case "/wordpress", "/wordpress/":
            let fields = RequestFields(queryString: target[target.utf8.index(after: mark)...])
            guard fields["action"] == "get_metadata", let product = try? WordPressRoutes<BasicRequestContext>.plugin(fields["slug"]),
                let answer = answers.answerInMemory(head, fields: fields, names: .pluginMetadata, product: product, serves: { $0.kind != .app }),
                let build = answer.decision.build
            else { return nil }
            // A licensed site's link is its own, and signed; any other site's is made only when
            // the metadata kept for such sites is.
            var licensedLink: String?
            if answer.question.license != nil {
                guard let links = answers.linksNow(for: answer) else { return nil }
                licensedLink = links.download
            }
            let body = try? PluginMetadataAnswer.body(
                for: answer, build: build, downloadURL: { licensedLink ?? answers.linksNow(for: answer)?.download }, snapshots: answers.snapshots)
            // plugin-update-checker's questions are not counted in the statistics.
            return body.map { (answer, false, $0, nil) }
        default:
            return nil
        }
    }

    /// Writes the answer, head and body in one buffer, on the socket side of the encoder.
    private func respond(
        with body: ByteBuffer, gzipped: Bool, signature: String, reportToken: String?, requestID: String, through encoder: ChannelHandlerContext
    ) {
        let now = UTCDate.nowSeconds()
        if now != date.second { date = (now, UTCDate.http(now)) }
        var bytes = encoder.channel.allocator.buffer(capacity: body.readableBytes + 256)
        bytes.writeStaticString("HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n")
        if gzipped {
            bytes.writeStaticString("Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n")
        }
        bytes.writeStaticString("Content-Length: ")
        bytes.writeString(String(body.readableBytes))
        bytes.writeStaticString("\r\nX-Herald-Signature: ")
        bytes.writeString(signature)
        if let reportToken {
            bytes.writeStaticString("\r\nX-Herald-Report-Token: ")
            bytes.writeString(reportToken)
        }
        bytes.writeStaticString("\r\nX-Request-Id: ")
        bytes.writeString(requestID)
        bytes.writeStaticString("\r\nServer: ")
        bytes.writeString(serverName)
        bytes.writeStaticString("\r\nDate: ")
        bytes.writeString(date.text)
        bytes.writeStaticString("\r\n\r\n")
        var body = body
        bytes.writeBuffer(&body)
        encoder.writeAndFlush(NIOAny(IOData.byteBuffer(bytes)), promise: nil)
    }
}
