import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Herald's HTTP/1.1 connection: the framework's, with ``SiteAnswerHandler`` placed before the
/// conversion of requests to the framework's types.
///
/// The questions sites ask most are answered from NIO's own request head, so they skip the
/// conversion of every request and answer between types, which costs as much as the answer
/// itself. Everything else goes on to ``MalformedRequestHandler`` and the router unchanged.
struct HeraldHTTP1Channel: HTTPChannelHandler {
    let responder: HTTPChannelHandler.Responder
    let answers: SiteAnswers
    let statistics: InstallStatsRecorder?
    let serverName: String
    let timeouts: ConnectionTimeouts
    let forwardedHeaders: ForwardedHeaders

    /// The server ``Application`` runs.
    static func server(
        answers: SiteAnswers, statistics: InstallStatsRecorder?, serverName: String, timeouts: ConnectionTimeouts,
        forwardedHeaders: ForwardedHeaders
    ) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            HeraldHTTP1Channel(
                responder: responder, answers: answers, statistics: statistics, serverName: serverName, timeouts: timeouts,
                forwardedHeaders: forwardedHeaders)
        }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>> {
        channel.eventLoop.makeCompletedFuture {
            // The framework's limits for a request head.
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = 80 * 1024
            limits.maxHeaderListSize = 80 * 1024
            limits.maxHeaderFieldCount = 1000
            let pipeline = channel.pipeline.syncOperations
            // The encoder and decoder of `configureHTTPServerPipeline`, but not paired: paired, the
            // decoder queues each request's method in the encoder (so it can leave the body out
            // of answers to HEAD) and the encoder takes it off as each answer's head passes. The
            // answers SiteAnswerHandler writes pass beside the encoder, so the queue would grow
            // by every one of them, for the life of the connection. HeadAnswerHandler, after
            // SiteAnswerHandler, leaves the bodies out instead.
            try pipeline.addHandler(HTTPResponseEncoder(configuration: .init()))
            try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, limitConfiguration: limits)))
            try pipeline.addHandler(
                SiteAnswerHandler(
                    answers: answers, statistics: statistics, serverName: serverName, timeouts: timeouts,
                    forwardedHeaders: forwardedHeaders, logger: logger))
            try pipeline.addHandler(HeadAnswerHandler())
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandler(MalformedRequestHandler())
            // Its idle timeout would count the requests answered before it as idle time: the
            // SiteAnswerHandler keeps the deadline instead.
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
            return try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, logger: Logger) async {
        await handleHTTP(asyncChannel: value, logger: logger)
    }
}

/// How long a connection may keep Herald waiting.
struct ConnectionTimeouts: Sendable {
    /// For the head of its next request: a kept-alive connection left open, or a head sent a
    /// byte at a time.
    var idle: Duration
    /// For more of a request's body, while Herald asks for it.
    var body: Duration
}
