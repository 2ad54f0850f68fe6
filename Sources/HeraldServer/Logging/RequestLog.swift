import HTTPTypes
import HeraldCore
import Hummingbird
import Logging

/// Each request's id, and its line in the access log.
enum RequestLog {
    static let header = HTTPField.Name("X-Request-Id")!

    /// The id a client (or a proxy before Herald) sent, when it is 1 to 128 characters of
    /// letters, digits, `.`, `_`, `:` and `-`; else a new one. A value that could forge a log
    /// line is never kept.
    static func id(from sent: String?) -> String {
        sent.flatMap(kept) ?? String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    /// `sent` when it may be kept as an id.
    static func kept(_ sent: String) -> String? {
        (1...128).contains(sent.utf8.count) && sent.utf8.allSatisfy({ isIDByte($0) }) ? sent : nil
    }

    private static func isIDByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "-")
    }

    /// The access log's line: at info, without the query (which can carry license keys).
    static func write(
        to logger: Logger, id: String, method: String, route: String, status: Int, duration: Duration, product: String?
    ) {
        guard logger.logLevel <= .info else { return }
        var metadata: Logger.Metadata = [
            "request_id": .string(id), "method": .string(method), "route": .string(route), "status": .string(String(status)),
            "duration_ms": .string(String(Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15)),
        ]
        if let product { metadata["product"] = .string(product) }
        logger.info("request", metadata: metadata)
    }
}

/// Gives every request the router answers an id (`X-Request-Id`, taken from the request or
/// made), in its logger's metadata and in the answer, and writes its access log line.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = RequestLog.id(from: request.headers[RequestLog.header])
        // The product a path names, else the one seed 000's questions name in their query.
        let query = RequestFields(query: request)
        // Only a valid id is logged: a raw value could forge a line of the text log.
        let product = {
            (context.parameters.get("product") ?? query["product_name"] ?? query["product_id"]).flatMap { try? ProductID(validating: $0).rawValue }
        }
        var context = context
        context.logger[metadataKey: "request_id"] = .string(id)
        let started = ContinuousClock.now
        do {
            var response = try await next(request, context)
            response.headers[RequestLog.header] = id
            RequestLog.write(
                to: context.logger, id: id, method: request.method.rawValue, route: context.endpointPath ?? request.uri.path,
                status: Int(response.status.code), duration: ContinuousClock.now - started, product: product())
            return response
        } catch {
            RequestLog.write(
                to: context.logger, id: id, method: request.method.rawValue, route: context.endpointPath ?? request.uri.path, status: 500,
                duration: ContinuousClock.now - started, product: product())
            throw error
        }
    }
}
