import HeraldCore
import Logging
import PostgresKit
import PostgresNIO
import SQLKit
import ServiceLifecycle

/// PostgreSQL, for running several Herald instances on one database.
///
/// Each operation leases a connection from postgres-nio's pool (`PostgresClient`), which
/// connects only while ``run()`` runs.
public final class PostgresStore: Store {
    public let logger: Logger
    private let client: PostgresClient

    public init(configuration: PostgresClient.Configuration, logger: Logger) {
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.logger = logger
    }

    public func withDatabase<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await body(connection.sql())
        }
    }

    public func withTransaction<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await runTransaction(on: connection.sql(), begin: "BEGIN", logger: logger, body)
        }
    }

    /// A transaction-scoped advisory lock: instances starting together migrate one at a time.
    public var migrationLockStatement: SQLQueryString? {
        "SELECT pg_advisory_xact_lock(\(literal: Self.migrationLockKey))"
    }

    /// An arbitrary constant shared by every Herald instance ("herald" in ASCII).
    private static let migrationLockKey = 0x68_65_72_61_6c_64

    public func run() async throws {
        await client.run()
    }
}
