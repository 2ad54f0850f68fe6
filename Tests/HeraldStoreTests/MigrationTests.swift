import HeraldCore
import HeraldStore
import SQLKit
import Testing

@Suite("Migrations")
struct MigrationTests {
    @Test("A database made by the first migration is upgraded, its data kept", arguments: DatabaseKind.available)
    func upgradeFromFirst(kind: DatabaseKind) async throws {
        try await TestDatabase.with(kind, migrated: false) { store in
            try await store.migrate(upTo: 1)
            #expect(try await store.appliedMigrations() == [1])
            try await store.withDatabase { database in
                try await database.raw(
                    """
                    INSERT INTO products (id, name, kind, hidden, created_at)
                    VALUES ('old_plugin', 'Old Plugin', 'plugin', FALSE, 1)
                    """
                ).run()
                try await database.raw(
                    "INSERT INTO channels (product_id, id, name, created_at) VALUES ('old_plugin', 'stable', 'Stable', 1)"
                ).run()
            }
            // Tables of the second migration are not there yet.
            await #expect(throws: (any Error).self) {
                try await store.withDatabase { try await $0.raw("SELECT COUNT(*) FROM api_tokens").run() }
            }

            try await store.migrate()
            #expect(try await store.appliedMigrations() == Migration.all.map(\.version))
            let old = try ProductID(validating: "old_plugin")
            #expect(try await store.product(old)?.name == "Old Plugin")
            let issued = try await store.createToken(name: "after upgrade", products: [old])
            #expect(try await store.token(forSecret: issued.secret)?.products == [old])
            try await store.publish(try Fixture.build(7, product: old), actor: "ci")
            #expect(try await store.history(of: .stable, of: old).count == 1)
            // Running again changes nothing.
            try await store.migrate()
            #expect(try await store.appliedMigrations() == Migration.all.map(\.version))
        }
    }

    @Test("A database from a newer Herald is refused", arguments: DatabaseKind.available)
    func newerSchemaRefused(kind: DatabaseKind) async throws {
        try await TestDatabase.with(kind) { store in
            try await store.withDatabase {
                try await $0.raw("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 1)").run()
            }
            await #expect { try await store.migrate() } throws: { ($0 as? HeraldError)?.code == "schema_too_new" }
        }
    }

    @Test("Migration versions are 1, 2, 3, ... without gaps")
    func versionsAreDense() {
        #expect(Migration.all.map(\.version) == Array(1...Migration.all.count))
    }
}
