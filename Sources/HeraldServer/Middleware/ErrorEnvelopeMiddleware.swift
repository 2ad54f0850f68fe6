import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird
import Logging

/// Answers every error in the JSON envelope, including the framework's own (no route: 404,
/// wrong method: 405), and logs the unexpected ones in full, since Hummingbird logs them only
/// at debug level. An unexpected error is answered as a plain 500 with no detail.
///
/// An error answered to a site's question (check_for_update, get_latest, `/wordpress/`) is
/// signed like any answer to a site (``AnswerSignatures``): a refusal (an expired license, a
/// full site limit) is believed only when it is Herald's.
struct ErrorEnvelopeMiddleware<Context: RequestContext>: RouterMiddleware {
    let signatures: AnswerSignatures
    let metrics: HeraldMetrics?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HeraldError {
            if error.code == "database_unavailable" { metrics?.databaseError() }
            if error.code == "blob_store_unavailable" { metrics?.blobStoreError() }
            if error.kind == .unavailable {
                context.logger.error("Request failed", metadata: ["error": "\(error)"])
            }
            return answer(error, to: request)
        } catch let error as HTTPResponseError {
            return answer(status: error.status, code: Self.code(for: error.status), message: Self.message(for: error.status), to: request)
        } catch where isOutOfSpace(error) {
            metrics?.blobStoreError()
            context.logger.error("Request failed: the data folder is full", metadata: ["error": "\(String(reflecting: error))"])
            return answer(HeraldError.insufficientStorage, to: request)
        } catch {
            if error is BlobStoreError { metrics?.blobStoreError() }
            context.logger.critical(
                "Unexpected error", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            return answer(
                status: .internalServerError, code: "internal_error", message: "Herald hit an unexpected error; it has been logged.", to: request)
        }
    }

    private func answer(_ error: HeraldError, to request: Request) -> Response {
        answer(status: error.status, code: error.code, message: error.clientMessage, headers: error.headers, to: request)
    }

    /// The error envelope, signed when it answers a site's question.
    private func answer(status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:], to request: Request) -> Response {
        let body = errorEnvelope(code: code, message: message)
        var headers = headers
        if Self.answersSite(request.uri.path) {
            headers[AnswerSignatures.field] = signatures.signature(of: body)
        }
        return errorEnvelopeResponse(status: status, body: body, headers: headers)
    }

    /// Whether `path` is one of the questions sites ask.
    private static func answersSite(_ path: String) -> Bool {
        path.hasPrefix("/api/check_for_update") || path.hasPrefix("/wordpress") || path.hasPrefix("/api/get_latest")
            || path.hasSuffix("/latest") || path.hasSuffix("/latest/")
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
