import HeraldCore
import SQLKit

extension Store {
    /// Throws `database_unavailable` unless the database answers a trivial query within `timeout`.
    ///
    /// The deadline holds even when the query cannot be cancelled: while a PostgreSQL server
    /// is down the pool keeps trying to connect, and a lease would otherwise wait for ever.
    public func checkReachable(timeout: Duration) async throws {
        let answer = await outcome(within: timeout) {
            _ = try await self.withDatabase { try await $0.raw("SELECT 1 AS one").first() }
        }
        switch answer {
        case .success: return
        case .failure(let error): throw HeraldError.databaseUnavailable(String(reflecting: error))
        case nil: throw HeraldError.databaseUnavailable("no answer within \(timeout)")
        }
    }

    /// True when the database answers within `timeout`; for `/healthz`.
    public func isReachable(timeout: Duration = .seconds(3)) async -> Bool {
        do {
            try await checkReachable(timeout: timeout)
            return true
        } catch {
            logger.warning("Database health check failed", metadata: ["error": "\(error)"])
            return false
        }
    }
}
