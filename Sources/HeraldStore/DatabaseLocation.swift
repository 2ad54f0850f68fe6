import Foundation
import HeraldCore
import Logging
import NIOSSL
import PostgresNIO

/// Where the store lives, as given by `--database`: an SQLite file or a PostgreSQL server.
public enum DatabaseLocation: Sendable, Equatable {
    /// A file path; created if missing.
    case sqlite(path: String)
    /// A server, from a `postgres://user:password@host:port/database?sslmode=...` URL.
    case postgres(host: String, port: Int, username: String, password: String?, database: String?, tlsMode: TLSMode)

    /// What `sslmode=` asked for; `disable` unless the URL says otherwise.
    public enum TLSMode: String, Sendable {
        case disable
        case prefer
        case require
    }

    /// The SQLite file inside the data folder, used when no `--database` is given.
    public static func defaultSQLite(in dataDirectory: String) -> DatabaseLocation {
        .sqlite(path: (dataDirectory as NSString).appendingPathComponent("herald.sqlite"))
    }

    /// Reads `postgres://...`, `postgresql://...`, `sqlite:PATH`, `sqlite://PATH`, or a plain
    /// file path (no scheme), which is an SQLite file.
    public init(parsing url: String) throws(HeraldError) {
        let hasScheme = url.contains("://") || url.hasPrefix("postgres:") || url.hasPrefix("postgresql:")
        if url.hasPrefix("sqlite:") || !hasScheme {
            var path = url.hasPrefix("sqlite:") ? String(url.dropFirst("sqlite:".count)) : url
            if path.hasPrefix("//") { path.removeFirst(2) }
            guard !path.isEmpty else {
                throw .invalidInput("database URL \(quoted(url)) has no file path (sqlite:PATH)")
            }
            self = .sqlite(path: path)
            return
        }
        guard let components = URLComponents(string: url),
            components.scheme == "postgres" || components.scheme == "postgresql"
        else {
            throw .invalidInput("database URL is invalid: expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE or sqlite:PATH")
        }
        guard let host = components.host, !host.isEmpty else {
            throw .invalidInput("database URL has no host: expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        }
        guard let username = components.user, !username.isEmpty else {
            throw .invalidInput("database URL has no user name: expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        var tlsMode = TLSMode.disable
        if let mode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value {
            guard let parsed = TLSMode(rawValue: mode) else {
                throw .invalidInput("database URL has sslmode \(quoted(mode)): expected disable, prefer or require")
            }
            tlsMode = parsed
        }
        self = .postgres(
            host: host, port: components.port ?? 5432, username: username, password: components.password,
            database: database.isEmpty ? nil : database, tlsMode: tlsMode)
    }

    /// Opens the store here. For SQLite the file's folder must exist.
    public func openStore(logger: Logger) async throws -> any Store {
        switch self {
        case .sqlite(let path):
            return try await SQLiteStore.open(path: path, logger: logger)
        case .postgres(let host, let port, let username, let password, let database, let tlsMode):
            let tls: PostgresClient.Configuration.TLS
            switch tlsMode {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(.makeClientConfiguration())
            case .require: tls = .require(.makeClientConfiguration())
            }
            let configuration = PostgresClient.Configuration(
                host: host, port: port, username: username, password: password, database: database, tls: tls)
            return PostgresStore(configuration: configuration, logger: logger)
        }
    }
}
