import HeraldCore
import PostgresNIO
import SQLKit

extension PostgresStore {
    /// Runs `body` holding the blob gate of every instance on this database: shared (waiting
    /// for it) by a publish that stores blobs, exclusive by a deletion of blobs, which never
    /// waits: nil, and `body` not run, while any instance publishes. What the lock file in
    /// `blobs/tmp` does for instances sharing a data folder, for instances on several hosts
    /// sharing a bucket. A session advisory lock, on a connection held for the while: if the
    /// connection is lost, PostgreSQL releases the lock.
    public func holdingBlobGate<T: Sendable>(
        exclusive: Bool, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T
    ) async throws -> T? {
        do {
            return try await withConnection { connection in
                let database = connection.sql()
                if exclusive {
                    let row = try await database.raw("SELECT pg_try_advisory_lock(\(literal: Self.blobGateKey)) AS locked").first()
                    guard try row?.decode(column: "locked", as: Bool.self) == true else { return nil }
                } else {
                    try await database.raw("SELECT pg_advisory_lock_shared(\(literal: Self.blobGateKey))").run()
                }
                let unlock: SQLQueryString =
                    exclusive
                    ? "SELECT pg_advisory_unlock(\(literal: Self.blobGateKey))" : "SELECT pg_advisory_unlock_shared(\(literal: Self.blobGateKey))"
                do {
                    let result = try await body()
                    try await database.raw(unlock).run()
                    return result
                } catch {
                    try? await database.raw(unlock).run()
                    throw error
                }
            }
        } catch let error as PSQLError {
            throw Self.translate(error)
        }
    }

    /// Another constant every Herald instance shares ("blobs" in ASCII).
    private static let blobGateKey = 0x62_6c_6f_62_73
}
