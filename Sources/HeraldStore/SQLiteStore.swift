import HeraldCore
import Logging
import SQLKit
import SQLiteKit
import ServiceLifecycle

/// The embedded default: one SQLite file in WAL mode, on one connection.
///
/// Every use of the connection goes through one ``AsyncLock``, so a transaction's statements
/// never interleave with another task's. SQLite runs one statement at a time on a connection
/// anyway, so the lock costs little.
public final class SQLiteStore: Store {
    public let logger: Logger
    public let catalogChanges = CatalogChanges()
    private let connection: SQLiteConnection
    private let lock = AsyncLock()

    /// Opens (creating if needed) the database file at `path`.
    public static func open(path: String, logger: Logger) async throws -> SQLiteStore {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        do {
            let database = connection.sql()
            // WAL lets readers in other processes (a CLI next to a running server) work during
            // writes; busy_timeout makes a second process wait for the write lock, not fail.
            try await database.raw("PRAGMA journal_mode = WAL").run()
            // Every commit waits for the disk, unless the transaction says it need not (``Durability``).
            try await database.raw("PRAGMA synchronous = FULL").run()
            try await database.raw("PRAGMA busy_timeout = 10000").run()
            try await database.raw("PRAGMA foreign_keys = ON").run()
        } catch {
            try? await connection.close()
            throw error
        }
        return SQLiteStore(connection: connection, logger: logger)
    }

    private init(connection: SQLiteConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Writes a consistent copy of the database to a new file at `path` while it stays in use
    /// (`VACUUM INTO`: one read transaction, so the copy is the database at one moment).
    public func copy(to path: String) async throws {
        try await withDatabase { database in
            try await database.raw("VACUUM INTO \(bind: path)").run()
        }
    }

    public func withDatabase<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await Self.fullAsStorage {
            try await lock.withLock {
                try await body(connection.sql())
            }
        }
    }

    /// A database file that cannot grow because its disk is full is the client's to hear
    /// about (507 `insufficient_storage`), as a full blob folder is.
    private static func fullAsStorage<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as SQLiteError {
            if case .full = error.reason { throw HeraldError.insufficientStorage }
            throw error
        }
    }

    public func withTransaction<T: Sendable>(durability: Durability, _ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await Self.fullAsStorage { try await transaction(durability: durability, body) }
    }

    private func transaction<T: Sendable>(durability: Durability, _ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await lock.withLock {
            let database = connection.sql()
            guard durability == .relaxed else {
                return try await runTransaction(on: database, begin: "BEGIN IMMEDIATE", logger: logger, changes: catalogChanges, body)
            }
            // The setting applies to this connection's commits, so it is put back at once,
            // whatever the transaction did: an error putting it back is not the transaction's.
            try await database.raw("PRAGMA synchronous = NORMAL").run()
            let result: Result<T, any Error>
            do {
                result = .success(try await runTransaction(on: database, begin: "BEGIN IMMEDIATE", logger: logger, changes: catalogChanges, body))
            } catch {
                result = .failure(error)
            }
            do {
                try await database.raw("PRAGMA synchronous = FULL").run()
            } catch {
                logger.critical("could not make commits wait for the disk again", metadata: ["error": "\(String(reflecting: error))"])
            }
            return try result.get()
        }
    }

    /// BEGIN IMMEDIATE already takes SQLite's one write lock.
    public var migrationLockStatement: SQLQueryString? { nil }

    /// Waits until the service is asked to stop or cancelled, then closes the connection.
    public func run() async throws {
        try? await gracefulShutdown()
        // The future-based close runs to the end even though this task is cancelled.
        try await lock.withLock {
            try await connection.close().get()
        }
    }
}
