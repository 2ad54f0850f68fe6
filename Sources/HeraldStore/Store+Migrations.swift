import HeraldCore
import SQLKit

extension Store {
    /// Brings the schema up to `target` (default: the newest migration), one migration per
    /// transaction, recording each in `schema_migrations`.
    ///
    /// Safe to run from several instances at once: on PostgreSQL each migration first takes an
    /// advisory lock, then checks again whether it is still needed. A database whose schema is
    /// newer than this build knows is refused rather than used.
    public func migrate(upTo target: Int? = nil) async throws {
        let known = Migration.all.map(\.version).max() ?? 0
        for migration in Migration.all where migration.version <= (target ?? known) {
            try await withTransaction { database in
                if let lock = migrationLockStatement {
                    try await database.raw(lock).run()
                }
                try await database.raw(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version BIGINT PRIMARY KEY,
                        name TEXT NOT NULL,
                        applied_at BIGINT NOT NULL
                    )
                    """
                ).run()
                let applied = try await appliedMigrations(database)
                if let newest = applied.max(), newest > known {
                    throw HeraldError.schemaTooNew(found: newest, known: known)
                }
                guard !applied.contains(migration.version) else { return }
                for statement in migration.statements {
                    try await database.raw(statement).run()
                }
                try await database.insert(into: "schema_migrations")
                    .columns("version", "name", "applied_at")
                    .values(SQLBind(Int64(migration.version)), SQLBind(migration.name), SQLBind(currentTimeMillis()))
                    .run()
                logger.info("Applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            }
        }
    }

    /// The versions recorded in `schema_migrations`, in order.
    public func appliedMigrations() async throws -> [Int] {
        try await withDatabase { try await appliedMigrations($0) }
    }

    private func appliedMigrations(_ database: any SQLDatabase) async throws -> [Int] {
        try await database.select().column("version").from("schema_migrations").orderBy("version").all()
            .map { Int(try $0.decode(column: "version", as: Int64.self)) }
    }
}
