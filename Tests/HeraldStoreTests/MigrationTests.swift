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

    @Test("GoUpdate ids move from versions to builds: a version's id stays with its newest upload, the other app builds get the next ids", arguments: DatabaseKind.available)
    func goUpdateIDsPerBuild(kind: DatabaseKind) async throws {
        try await TestDatabase.with(kind, migrated: false) { store in
            try await store.migrate(upTo: 13)
            let app = try ProductID(validating: "old_app")
            try await store.createProduct(Product(id: app, name: "Old App", kind: .app, createdAt: 1))
            // Upload order: 1.0, 1.0 again with new bytes, 2.0, then the hotfix 0.9.1 (no id under the old rule).
            let builds = [
                try Fixture.build(1, product: app, version: "1.0"), try Fixture.build(2, product: app, version: "1.0"),
                try Fixture.build(3, product: app, version: "2.0"), try Fixture.build(4, product: app, version: "0.9.1"),
            ]
            try await store.withDatabase { database in
                // Written as Herald 13 wrote them: the current publish writes newer columns.
                for build in builds {
                    try await database.raw(
                        """
                        INSERT INTO builds (hash, md5, product_id, version, channel_id, uploaded_at, size, file_name, is_latest)
                        VALUES (\(bind: build.hash.rawValue), 'md5', 'old_app', \(bind: build.version.rawValue), 'stable',
                            \(bind: build.timestamp), 1, 'app.zip', \(bind: build.hash != builds[0].hash))
                        """
                    ).run()
                    try await database.raw(
                        """
                        INSERT INTO build_files (build_hash, path, size, md5, blob, gzip_blob)
                        VALUES (\(bind: build.hash.rawValue), 'bin/app', 1, 'md5', \(bind: build.hash.rawValue), NULL)
                        """
                    ).run()
                }
                try await database.raw("INSERT INTO goupdate_versions (product_id, version, version_id) VALUES ('old_app', '1.0', 1)").run()
                try await database.raw("INSERT INTO goupdate_versions (product_id, version, version_id) VALUES ('old_app', '2.0', 2)").run()
                // 3.0 had id 3; its build was removed.
                try await database.raw("INSERT INTO goupdate_versions (product_id, version, version_id) VALUES ('old_app', '3.0', 3)").run()
            }
            try await store.migrate()
            let ids = try await store.goUpdateBuilds(of: app).map { ($0.id, $0.build.hash) }
            #expect(ids.map(\.0) == [1, 2, 4, 5])
            #expect(ids.map(\.1) == [builds[1].hash, builds[2].hash, builds[0].hash, builds[3].hash])
            #expect(try await store.files(of: builds[0].hash).map(\.permissions) == [nil])
            // The removed version's id is never given again.
            let next = try Fixture.build(5, product: app, version: "4.0")
            try await store.publish(next, files: [], actor: "ci")
            #expect(try await store.goUpdateBuilds(of: app).last.map { ($0.id, $0.build.hash) } ?? (0, next.hash) == (6, next.hash))
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
