import HeraldCore
import Logging
import SQLKit
import ServiceLifecycle

/// Herald's persistence: products, channels, builds, channel history and API tokens.
///
/// There are two implementations because there are two real databases: ``SQLiteStore``, the
/// embedded default, and ``PostgresStore``, for several instances sharing one database. They
/// differ only in how they hand out a connection and a transaction; every query is written
/// once, with sql-kit, in the extensions of this protocol (`Store+Products.swift`, ...).
///
/// A store is a ServiceLifecycle `Service`: ``run()`` must be running (in a `ServiceGroup`, or
/// through ``withRunningStore(_:_:)``) while the store is used, and the store closes its
/// connections when `run()` returns.
public protocol Store: Service {
    var logger: Logger { get }

    /// Runs `body` with a database connection, outside any transaction.
    func withDatabase<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T

    /// Runs `body` in one transaction on one connection: committed when `body` returns, rolled
    /// back when it throws. The error `body` threw comes out unwrapped.
    ///
    /// > Warning: Do not start another transaction inside `body`; on SQLite it would wait for itself.
    func withTransaction<T: Sendable>(durability: Durability, _ body: (any SQLDatabase) async throws -> T) async throws -> T

    /// Where committed writes to products' catalogs are announced.
    var catalogChanges: CatalogChanges { get }

    /// The statement that makes a migration wait for other instances migrating the same database, if any.
    var migrationLockStatement: SQLQueryString? { get }
}

/// What a committed transaction must survive.
public enum Durability: Sendable {
    /// A power cut or an operating system crash: every write of the catalog, tokens and licenses.
    case durable
    /// A crash of Herald, not of the machine: for the install statistics, written every
    /// second, whose last few seconds a power cut may lose. The commit does not wait for the
    /// disk (SQLite's `synchronous = NORMAL`, PostgreSQL's `synchronous_commit = off`).
    case relaxed
}

extension Store {
    /// A ``Durability/durable`` transaction.
    public func withTransaction<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await withTransaction(durability: .durable, body)
    }
}

/// Runs the store's service while `body` uses it, after bringing the schema up to date.
///
/// For command-line tools and tests, which have no `ServiceGroup`. Throws
/// `database_unavailable` if the database does not answer within `timeout`.
public func withRunningStore<T: Sendable>(
    _ store: any Store,
    timeout: Duration = .seconds(15),
    _ body: (any Store) async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await store.run() }
        do {
            try await store.checkReachable(timeout: timeout)
            try await store.migrate()
            let result = try await body(store)
            group.cancelAll()
            try await group.waitForAll()
            return result
        } catch {
            group.cancelAll()
            try? await group.waitForAll()
            throw error
        }
    }
}

/// Runs `body` between `begin` and `COMMIT` on one connection, or rolls back if it throws; the
/// error `body` threw comes out unwrapped. Both stores' transactions go through here.
///
/// After COMMIT, the products the transaction changed are published to `changes`.
func runTransaction<T: Sendable>(
    isolation: isolated (any Actor)? = #isolation,
    on database: any SQLDatabase, begin: SQLQueryString, logger: Logger, changes: CatalogChanges,
    _ body: (any SQLDatabase) async throws -> T
) async throws -> T {
    try await database.raw(begin).run()
    let pending = PendingChanges()
    do {
        let result = try await CatalogChanges.$pending.withValue(pending) {
            try await body(database)
        }
        try await database.raw("COMMIT").run()
        changes.publish(pending.products.withLock { $0 })
        return result
    } catch {
        do {
            try await database.raw("ROLLBACK").run()
        } catch let rollbackError {
            logger.error("ROLLBACK failed", metadata: ["error": "\(String(reflecting: rollbackError))"])
        }
        throw error
    }
}
