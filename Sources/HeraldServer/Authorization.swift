import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird

/// Write requests carry `Authorization: Bearer <token>`.
struct Authorization: Sendable {
    let store: any Store

    /// The request's token: 401 `unauthorized` when missing or unknown.
    func token(for request: Request) async throws -> APIToken {
        guard let header = request.headers[.authorization] else { throw HeraldError.unauthorized }
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
}
