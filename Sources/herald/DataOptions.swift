import ArgumentParser
import Foundation
import HeraldCore
import HeraldStore
import Logging

/// `--data-dir` and `--database`, which every command that touches the data takes.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "The folder for the database file and the build files.")
    var dataDirectory = "./herald-data"

    @Option(help: "postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE, or sqlite:PATH (default: herald.sqlite in the data folder).")
    var database: String?

    @Option(
        help: ArgumentHelp(
            "Where build files are kept: the data folder's blobs/ (default), or s3://BUCKET[/PREFIX]?endpoint=URL&region=REGION with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set.",
            valueName: "folder|s3://..."))
    var blobs: String?

    /// The bucket `--blobs` names, or nil for the data folder.
    func bucket() throws -> BucketLocation? {
        guard let blobs, blobs != "folder" else { return nil }
        do {
            return try BucketLocation(parsing: blobs, environment: ProcessInfo.processInfo.environment)
        } catch let error as HeraldError {
            throw CommandFailure(message: "--blobs: \(error.message)")
        }
    }

    /// The blob store of the data folder, keeping stored blobs where `--blobs` says; with a
    /// bucket and PostgreSQL, gated with every instance on `store`'s database.
    func openBlobs(downloadRedirectLifetime: Int? = nil, store: (any Store)? = nil) throws -> BlobStore {
        try BlobStore(
            dataDirectory: dataDirectory, bucket: try bucket(), downloadRedirectLifetime: downloadRedirectLifetime,
            sharedGate: store as? PostgresStore)
    }

    /// Creates the data folder if needed and says where the database is.
    func prepare() throws -> DatabaseLocation {
        do {
            try FileManager.default.createDirectory(
                atPath: dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        } catch {
            throw CommandFailure(message: "cannot create the data folder \(dataDirectory): \(error.localizedDescription)")
        }
        guard let database else { return .defaultSQLite(in: dataDirectory) }
        return try DatabaseLocation(parsing: database)
    }

    /// Opens the store, brings its schema up to date, runs `body`, and closes it.
    func withStore<T: Sendable>(logger: Logger, _ body: (any Store) async throws -> T) async throws -> T {
        let location = try prepare()
        let store: any Store
        do {
            store = try await location.openStore(logger: logger)
        } catch {
            throw CommandFailure(message: "cannot open the database: \(error)")
        }
        return try await withRunningStore(store, body)
    }
}

/// A logger for commands other than `serve`: only warnings and errors, on stderr.
func quietLogger() -> Logger {
    var logger = Logger(label: "herald") { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = .warning
    return logger
}
