import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird

/// Write requests carry `Authorization: Bearer <token>`, or come from the console: its session
/// cookie, and for a change the session's CSRF token and this server's origin.
struct Authorization: Sendable {
    let store: any Store

    /// The request's token, or the console account's as a token: 401 `unauthorized` when
    /// missing or unknown, 403 `csrf_rejected` for a console change a page of another site made.
    func token(for request: Request) async throws -> APIToken {
        guard let header = request.headers[.authorization] else {
            return try await consoleCredential(for: request)
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", parts[1].count <= 256 else {
            throw HeraldError.unauthorized
        }
        guard let token = try await store.token(forSecret: String(parts[1]).trimmingCharacters(in: .whitespaces)) else {
            throw HeraldError.unauthorized
        }
        return token
    }

    /// The request's token, which must be allowed to change `product`: 403 `forbidden` otherwise.
    func token(for request: Request, writing product: ProductID) async throws -> APIToken {
        let token = try await token(for: request)
        guard token.mayWrite(to: product) else {
            throw HeraldError.forbidden("token '\(token.name)' may not change product '\(product)'")
        }
        return token
    }

    /// A console session's account; a change it makes is checked against forgery (and written
    /// to the audit log with its outcome, by ``ConsoleAuditMiddleware``).
    private func consoleCredential(for request: Request) async throws -> APIToken {
        guard let secret = ConsoleCookie.secret(in: request.headers), let session = try await store.session(forSecret: secret) else {
            throw HeraldError.unauthorized
        }
        if ConsoleCookie.isChange(request.method) {
            guard ConsoleCookie.isSameOrigin(request), let sent = request.headers[ConsoleCookie.csrfHeader],
                constantTimeEqual(sent, session.csrfToken)
            else {
                throw HeraldError.csrfRejected
            }
        }
        return session.account.credential
    }
}
