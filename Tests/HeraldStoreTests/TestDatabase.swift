import Foundation
import HeraldCore
import HeraldStore
import Logging
import SQLKit
import Testing

/// The databases the store suite runs on. PostgreSQL is there when the test command started
/// one (`HERALD_TEST_POSTGRES_URL`); `scripts/test` always does.
enum DatabaseKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    static var postgresURL: String? { ProcessInfo.processInfo.environment["HERALD_TEST_POSTGRES_URL"] }

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
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("herald-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let store = try await DatabaseLocation.sqlite(path: folder.appendingPathComponent("herald.sqlite").path)
                .openStore(logger: logger)
            return try await running(store, migrated: migrated, body)
        case .postgres:
            let url = try #require(DatabaseKind.postgresURL, "HERALD_TEST_POSTGRES_URL is not set; run scripts/test")
            let admin = try DatabaseLocation(parsing: url)
            guard case .postgres(let host, let port, let username, let password, _, let tls) = admin else {
                throw HeraldError.invalidInput("HERALD_TEST_POSTGRES_URL is not a postgres:// URL")
            }
            let name = "herald_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            let adminStore = try await admin.openStore(logger: logger)
            return try await running(adminStore, migrated: false) { adminStore in
                try await adminStore.withDatabase { try await $0.raw("CREATE DATABASE \(ident: name)").run() }
                do {
                    let store = try await DatabaseLocation.postgres(
                        host: host, port: port, username: username, password: password, database: name, tlsMode: tls
                    ).openStore(logger: logger)
                    let result = try await running(store, migrated: migrated, body)
                    try await adminStore.withDatabase { try await $0.raw("DROP DATABASE \(ident: name) WITH (FORCE)").run() }
                    return result
                } catch {
                    try? await adminStore.withDatabase { try await $0.raw("DROP DATABASE \(ident: name) WITH (FORCE)").run() }
                    throw error
                }
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
