import HeraldCore
import SQLKit

extension Store {
    /// Throws `database_unavailable` unless the database answers a trivial query within `timeout`.
    ///
    /// The timeout matters on PostgreSQL: while the server is down the pool keeps trying to
    /// connect, and a lease would otherwise wait for it for ever.
    public func checkReachable(timeout: Duration) async throws {
        let answered: Result<Void, any Error>? = await withTaskGroup(of: Result<Void, any Error>?.self) { group in
            group.addTask {
                do {
                    _ = try await self.withDatabase { try await $0.raw("SELECT 1 AS one").first() }
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        switch answered {
        case .success: return
        case .failure(let error): throw HeraldError.databaseUnavailable(String(describing: error))
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
