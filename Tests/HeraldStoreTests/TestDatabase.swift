import Foundation
import HeraldCore
import HeraldStore
import HeraldTestSupport
import Logging
import SQLKit
import Testing

/// The databases the store suite runs on. PostgreSQL is there when the test command started
/// one (`HERALD_TEST_POSTGRES_URL`); `scripts/test` always does.
enum DatabaseKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    static var postgresURL: String? { TestPostgres.url }

    /// SQLite always; PostgreSQL when a server was started for the tests.
    static var available: [DatabaseKind] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    var testDescription: String { rawValue }
}

/// A fresh, empty database for one test, removed afterwards.
enum TestDatabase {
    static let logger: Logger = {
        var logger = Logger(label: "herald-test")
        logger.logLevel = .warning
        return logger
    }()

    /// Runs `body` with a running store on a new database; migrated to the newest schema
    /// unless `migrated` is false.
    static func with<T: Sendable>(
        _ kind: DatabaseKind, migrated: Bool = true, _ body: (any Store) async throws -> T
    ) async throws -> T {
        switch kind {
        case .sqlite:
            return try await withTemporaryFolder("test") { folder in
                try await running(try await DatabaseLocation.sqlite(path: folder + "/herald.sqlite").openStore(logger: logger), migrated: migrated, body)
            }
        case .postgres:
            return try await TestPostgres.withDatabase { url in
                try await running(try await DatabaseLocation(parsing: url).openStore(logger: logger), migrated: migrated, body)
            }
        }
    }

    private static func running<T: Sendable>(
        _ store: any Store, migrated: Bool, _ body: (any Store) async throws -> T
    ) async throws -> T {
        if migrated {
            return try await withRunningStore(store, body)
        }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.run() }
            defer { group.cancelAll() }
            return try await body(store)
        }
    }
}

/// Builds with made-up contents for store tests.
enum Fixture {
    static let product = try! ProductID(validating: "private_blog")

    static func makeProduct(_ id: ProductID = product, hidden: Bool = false) -> Product {
        Product(id: id, name: "Private Blog", kind: .plugin, hidden: hidden, createdAt: 1_700_000_000_000)
    }

    /// A build whose hash is derived from `seed`, so each seed is a different file.
    static func build(
        _ seed: Int, product: ProductID = product, channel: ChannelID = .stable, version: String = "1.0.0"
    ) throws -> Build {
        let hex = String(seed, radix: 16)
        let hash = try BuildHash(validating: String(repeating: "0", count: 64 - hex.count) + hex)
        return Build(
            hash: hash, md5: String(repeating: "f", count: 32), product: product, version: try Version(validating: version),
            channel: channel, timestamp: 1_700_000_000_000 + Int64(seed), builder: .init(name: "lofty", version: "1.1.2"),
            uploadedBy: "chatfielddaniel@gmail.com", size: 1000, fileName: try FileName(validating: "private_blog.zip"),
            requires: "6.0", tested: "6.7", requiresPHP: "7.4")
    }
}
