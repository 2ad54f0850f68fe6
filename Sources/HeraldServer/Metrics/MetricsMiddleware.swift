import HTTPTypes
import Hummingbird

/// Counts every request the router answers, by route family and status, with its latency,
/// and the bytes of the files it sends. Outermost, so it sees the answers errors become.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: HeraldMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let family = HeraldMetrics.family(of: request.uri.path)
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            // Only an error no middleware answered gets here: the server answers it with a 500.
            metrics.request(family: family, status: 500, duration: ContinuousClock.now - started)
            throw error
        }
        metrics.request(family: family, status: Int(response.status.code), duration: ContinuousClock.now - started)
        if request.method == .get, response.status == .ok || response.status == .partialContent,
            response.headers[.contentType].map({ !$0.hasPrefix("application/json") && !$0.hasPrefix("text/") }) ?? false,
            let length = response.headers[.contentLength].flatMap({ Int64($0) })
        {
            metrics.downloaded(family: family, bytes: length)
        }
        return response
    }
}
