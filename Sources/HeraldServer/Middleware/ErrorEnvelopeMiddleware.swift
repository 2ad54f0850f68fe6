import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird
import Logging

/// Answers every error in the JSON envelope, including the framework's own (no route: 404,
/// wrong method: 405), and logs the unexpected ones in full, since Hummingbird logs them only
/// at debug level. An unexpected error is answered as a plain 500 with no detail.
struct ErrorEnvelopeMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HeraldError {
            if error.kind == .unavailable {
                context.logger.error("Request failed", metadata: ["error": "\(error)"])
            }
            return try error.response(from: request, context: context)
        } catch let error as HTTPResponseError {
            return errorEnvelopeResponse(status: error.status, code: Self.code(for: error.status), message: Self.message(for: error.status))
        } catch where isOutOfSpace(error) {
            context.logger.error("Request failed: the data folder is full", metadata: ["error": "\(String(reflecting: error))"])
            return try HeraldError.insufficientStorage.response(from: request, context: context)
        } catch {
            context.logger.critical(
                "Unexpected error", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            return errorEnvelopeResponse(status: .internalServerError, code: "internal_error", message: "Herald hit an unexpected error; it has been logged.")
        }
    }

    private static func code(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .contentTooLarge: "too_large"
        case .badRequest: "bad_request"
        case .unauthorized: "unauthorized"
        default: "http_\(status.code)"
        }
    }

    private static func message(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "There is nothing at this address."
        case .methodNotAllowed: "This address does not accept this method."
        case .contentTooLarge: "The request body is too large."
        default: status.reasonPhrase
        }
    }
}
