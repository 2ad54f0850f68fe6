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
    public let catalogChanges = CatalogChanges()
    private let client: PostgresClient

    public init(configuration: PostgresClient.Configuration, logger: Logger) {
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.logger = logger
    }

    public func withDatabase<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        do {
            return try await client.withConnection { connection in
                try await body(connection.sql())
            }
        } catch let error as PSQLError {
            throw Self.translate(error)
        }
    }

    /// A transaction that PostgreSQL aborts to break a deadlock or a serialization conflict is
    /// run again, up to three times in all: the caller sees the conflict only if it persists.
    public func withTransaction<T: Sendable>(durability: Durability, _ body: (any SQLDatabase) async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await client.withConnection { connection in
                    try await runTransaction(on: connection.sql(), begin: "BEGIN", logger: logger, changes: catalogChanges) { database in
                        if durability == .relaxed {
                            try await database.raw("SET LOCAL synchronous_commit = off").run()
                        }
                        return try await body(database)
                    }
                }
            } catch let error as PSQLError {
                let state = error.serverInfo?[.sqlState]
                if attempt < 3, state == "40P01" || state == "40001" {
                    attempt += 1
                    logger.notice("Retrying a transaction after a conflict", metadata: ["sqlstate": "\(state ?? "")"])
                    continue
                }
                throw Self.translate(error)
            }
        }
    }

    /// A lost or refused connection is `database_unavailable` (503), not a bug; other errors pass on.
    private static func translate(_ error: PSQLError) -> any Error {
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed:
            return HeraldError.databaseUnavailable(String(reflecting: error).prefix(300).description)
        default:
            return error
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
