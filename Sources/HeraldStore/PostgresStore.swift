import HeraldCore
import Logging
import PostgresKit
import PostgresNIO
import SQLKit
import ServiceLifecycle
import Synchronization

/// PostgreSQL, for running several Herald instances on one database.
///
/// Each operation leases a connection from postgres-nio's pool (`PostgresClient`), which
/// connects only while ``run()`` runs. The pool waits for ever while it cannot connect (the
/// server down, the database dropped), so a lease fails as `database_unavailable` once it has
/// waited ``leaseTimeout`` while no lease at all was granted for as long (the database is
/// gone, not busy), or ``busyLimit`` in any case.
public final class PostgresStore: Store {
    public let logger: Logger
    public let catalogChanges = CatalogChanges()
    private let client: PostgresClient

    /// How long an operation waits for a connection while no other operation gets one either.
    static let leaseTimeout: Duration = .seconds(5)
    /// How long an operation waits for a connection while the pool is merely busy.
    static let busyLimit: Duration = .seconds(60)
    /// When a connection was last leased: a busy pool still grants them, a lost database does not.
    private let lastLease = Mutex(ContinuousClock.now)

    public init(configuration: PostgresClient.Configuration, logger: Logger) {
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.logger = logger
    }

    public func withDatabase<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        do {
            return try await withConnection { connection in
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
                return try await withConnection { connection in
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

    /// Runs `body` on a pooled connection, leased by a child task that holds it until `body`
    /// is done, so the wait for the lease can end at ``leaseTimeout`` (the lease is cancelled).
    func withConnection<T: Sendable>(
        isolation: isolated (any Actor)? = #isolation, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let leased = FirstAnswer<Result<PostgresConnection, any Error>?>()
        let finished = FirstAnswer<Void>()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [client, self] in
                do {
                    try await client.withConnection { connection in
                        self.lastLease.withLock { $0 = .now }
                        leased.give(.success(connection))
                        await finished.wait()
                    }
                } catch {
                    leased.give(.failure(error))
                }
            }
            let timer = Task { [self] in
                let start = ContinuousClock.now
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(250))
                    let now = ContinuousClock.now
                    let waited = now - start
                    if waited >= Self.busyLimit || (waited >= Self.leaseTimeout && now - self.lastLease.withLock({ $0 }) >= Self.leaseTimeout) {
                        leased.give(nil)
                        return
                    }
                }
            }
            defer {
                timer.cancel()
                finished.give(())
            }
            switch await leased.wait() {
            case nil:
                group.cancelAll()
                throw HeraldError.databaseUnavailable("no PostgreSQL connection granted for \(Self.leaseTimeout)")
            case .failure(let error):
                throw error
            case .success(let connection):
                return try await body(connection)
            }
        }
    }

    /// A lost or refused connection is `database_unavailable` (503), not a bug; a server whose
    /// disk is full (SQLSTATE 53100) is `insufficient_storage` (507), as a full blob folder
    /// is; other errors pass on.
    static func translate(_ error: PSQLError) -> any Error {
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed:
            return HeraldError.databaseUnavailable(String(reflecting: error).prefix(300).description)
        case .server where error.serverInfo?[.sqlState] == "53100":
            return HeraldError.insufficientStorage
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
