import Foundation
import HeraldCore
import HeraldStore
import Logging
import SQLKit

/// The PostgreSQL server the test command started (`HERALD_TEST_POSTGRES_URL`; `scripts/test`
/// always starts one), and fresh databases on it.
public enum TestPostgres {
    public static var url: String? { ProcessInfo.processInfo.environment["HERALD_TEST_POSTGRES_URL"] }

    static let logger: Logger = {
        var logger = Logger(label: "herald-test")
        logger.logLevel = .warning
        return logger
    }()

    /// Runs `body` with the URL of a new, empty database, dropped afterwards whatever the outcome.
    public static func withDatabase<T: Sendable>(_ body: (String) async throws -> T) async throws -> T {
        guard let url else { throw HeraldError.invalidInput("HERALD_TEST_POSTGRES_URL is not set; run scripts/test") }
        guard case .postgres = try DatabaseLocation(parsing: url), var components = URLComponents(string: url) else {
            throw HeraldError.invalidInput("HERALD_TEST_POSTGRES_URL is not a postgres:// URL")
        }
        let name = "herald_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        components.path = "/" + name
        let databaseURL = components.string ?? url
        let admin = try await DatabaseLocation(parsing: url).openStore(logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await admin.run() }
            defer { group.cancelAll() }
            try await admin.withDatabase { try await $0.raw("CREATE DATABASE \(ident: name)").run() }
            do {
                let result = try await body(databaseURL)
                try await admin.withDatabase { try await $0.raw("DROP DATABASE \(ident: name) WITH (FORCE)").run() }
                return result
            } catch {
                try? await admin.withDatabase { try await $0.raw("DROP DATABASE \(ident: name) WITH (FORCE)").run() }
                throw error
            }
        }
    }
}
