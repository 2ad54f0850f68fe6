import SQLKit

extension Store {
    /// True when the database answers a trivial query within `timeout`; for `/healthz`.
    ///
    /// The timeout matters on PostgreSQL: while the server is down the pool keeps trying to
    /// connect, and a lease would otherwise wait for it.
    public func isReachable(timeout: Duration = .seconds(3)) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                do {
                    return try await self.withDatabase { database in
                        try await database.raw("SELECT 1 AS one").first() != nil
                    }
                } catch {
                    self.logger.warning("Database health check failed", metadata: ["error": "\(String(reflecting: error))"])
                    return false
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
