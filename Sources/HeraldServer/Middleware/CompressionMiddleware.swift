import HTTPTypes
import Hummingbird
import NIOCore

/// Gzips JSON and text answers for clients that accept it, as seed 002 asks ("Fully support gzip responses").
///
/// Only answers of a known size up to ``maximumSize`` are compressed, which every API answer
/// is. Package downloads are zips already and keep their Content-Length and ranges.
struct CompressionMiddleware<Context: RequestContext>: RouterMiddleware {
    static var maximumSize: Int { 16 << 20 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard request.method != .head, ContentCoding.acceptsGzip(request.headers[values: .acceptEncoding]),
            response.headers[.contentEncoding] == nil,
            let type = response.headers[.contentType], type.hasPrefix("application/json") || type.hasPrefix("text/"),
            let length = response.body.contentLength, length <= Self.maximumSize
        else {
            return response
        }
        let collector = BodyCollector(capacity: length)
        try await response.body.write(collector)
        let compressed = try ContentCoding.gzip(collector.buffer)
        response.headers[.contentEncoding] = "gzip"
        response.headers[.contentLength] = String(compressed.readableBytes)
        response.headers[values: .vary].append("Accept-Encoding")
        response.body = ResponseBody(byteBuffer: compressed)
        return response
    }
}

/// Gathers a response body that is known to be small, to compress it whole.
private final class BodyCollector: ResponseBodyWriter {
    var buffer: ByteBuffer

    init(capacity: Int) {
        buffer = ByteBuffer()
        buffer.reserveCapacity(capacity)
    }

    func write(_ part: ByteBuffer) async throws {
        var part = part
        buffer.writeBuffer(&part)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
