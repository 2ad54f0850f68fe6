import ArgumentParser
import Foundation
import HeraldCore
import HeraldStore

/// What a backup folder holds, in `manifest.json`: enough for `herald restore` to bring back the
/// database and check that every blob it needs is there.
struct BackupManifest: Codable, Sendable {
    static let fileName = "manifest.json"
    static let currentFormat = "herald-backup-1"

    var format = Self.currentFormat
    var createdAt: String
    /// `sqlite` (`herald.sqlite`, a copy made by `VACUUM INTO`) or `postgresql` (`database.pgdump`, pg_dump's custom format).
    var database: String
    /// `folder` (the blobs are in `blobs/` of the backup) or the bucket they stay in.
    var blobLocation: String
    var signingKey: Bool
    /// Every blob stored when the backup was taken: a superset of what its database uses.
    var blobs: [Blob]

    struct Blob: Codable, Sendable {
        var hash: String
        var size: Int64
    }

    enum CodingKeys: String, CodingKey {
        case format, database, blobs
        case createdAt = "created_at"
        case blobLocation = "blob_location"
        case signingKey = "signing_key"
    }
}

/// `herald backup --to DIR`: a consistent copy of a running Herald.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the database, the signing key and the build files into a new folder while Herald runs.",
        discussion: """
            The database is copied at one moment (SQLite's VACUUM INTO, or pg_dump for PostgreSQL, \
            which must be installed), and no build file is deleted until every one is copied, so \
            every file the copy uses is in the backup. With --blobs s3://... the files stay in the \
            bucket and the manifest lists them (keep the bucket's versioning on). Restore with \
            herald restore.
            """)

    @Option(help: "The folder to write; it must not exist or be empty.")
    var to: String

    @OptionGroup var data: DataOptions

    func run() async throws {
        let folder = (to as NSString).standardizingPath
        try BackupFolders.createEmpty(folder)
        let location = try data.prepare()
        let data = data
        // The blobs gated with every instance on the database (a shared bucket), as a publish is.
        let manifest = try await data.withStore(logger: quietLogger()) { store in
            let blobs = try data.openBlobs(store: store)
            return try await blobs.publishing {
                var manifest = BackupManifest(
                    createdAt: ISO8601DateFormatter().string(from: Date()), database: "sqlite",
                    blobLocation: blobs.bucketLocation?.description ?? "folder", signingKey: false, blobs: [])
                if let sqlite = store as? SQLiteStore {
                    try await sqlite.copy(to: folder + "/herald.sqlite")
                } else {
                    manifest.database = "postgresql"
                    try PostgresTools.run("pg_dump", location, ["--format=custom", "--no-owner", "--no-privileges", "--file", folder + "/database.pgdump"])
                }
                let key = data.dataDirectory + "/" + PackageSigner.fileName
                if FileManager.default.fileExists(atPath: key) {
                    try FileManager.default.copyItem(atPath: key, toPath: folder + "/" + PackageSigner.fileName)
                    manifest.signingKey = true
                }
                let stored = try await blobs.storedBlobs()
                for (hash, _) in stored.blobs {
                    if blobs.bucketLocation == nil {
                        let target = BackupFolders.blobPath(hash, in: folder)
                        try FileManager.default.createDirectory(
                            atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                        try await blobs.copy(hash, toFileAt: target)
                    }
                    manifest.blobs.append(.init(hash: hash.rawValue, size: try await blobs.size(of: hash) ?? 0))
                }
                return manifest
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(manifest).write(to: URL(fileURLWithPath: folder + "/" + BackupManifest.fileName), options: .atomic)
        let bytes = manifest.blobs.reduce(Int64(0)) { $0 + $1.size }
        print("backed up the \(manifest.database) database and \(manifest.blobs.count) blobs (\(bytes) bytes) to \(folder)")
    }
}

/// `herald restore --from DIR`: a backup brought back into an empty data folder.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Bring a backup back into an empty data folder (and, for PostgreSQL, an empty database).",
        discussion: """
            Every blob the restored database uses is copied from the backup with its SHA-256 \
            checked (or, with --blobs s3://..., looked for in the bucket); the restore fails, \
            naming them, when any is missing. Then run herald serve on the data folder.
            """)

    @Option(help: "The backup folder, made by herald backup.")
    var from: String

    @OptionGroup var data: DataOptions

    func run() async throws {
        let source = (from as NSString).standardizingPath
        guard let manifestData = FileManager.default.contents(atPath: source + "/" + BackupManifest.fileName),
            let manifest = try? JSONDecoder().decode(BackupManifest.self, from: manifestData),
            manifest.format == BackupManifest.currentFormat
        else {
            throw CommandFailure(message: "\(source) is not a Herald backup: it has no readable \(BackupManifest.fileName)")
        }
        if FileManager.default.fileExists(atPath: data.dataDirectory),
            try !FileManager.default.contentsOfDirectory(atPath: data.dataDirectory).isEmpty
        {
            throw CommandFailure(message: "the data folder \(data.dataDirectory) is not empty; restore into a new one")
        }
        let location = try data.prepare()
        switch (location, manifest.database) {
        case (.sqlite(let path), "sqlite"):
            try FileManager.default.copyItem(atPath: source + "/herald.sqlite", toPath: path)
        case (.postgres, "postgresql"):
            do {
                try PostgresTools.run(
                    "pg_restore", location, ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", source + "/database.pgdump"])
            } catch let failure as CommandFailure {
                throw CommandFailure(message: "\(failure.message) (the database must be empty)")
            }
        default:
            throw CommandFailure(message: "the backup holds a \(manifest.database) database; give --database of that kind")
        }
        if manifest.signingKey {
            let target = data.dataDirectory + "/" + PackageSigner.fileName
            try FileManager.default.copyItem(atPath: source + "/" + PackageSigner.fileName, toPath: target)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: target)
        }
        if manifest.blobLocation != "folder", (try data.bucket()) == nil {
            throw CommandFailure(message: "the backup's build files are in \(manifest.blobLocation): give --blobs with that bucket")
        }
        let blobs = try data.openBlobs()
        // Each blob the database uses comes from the backup's copy when it has one (into the
        // folder or the bucket, its SHA-256 checked as it streams), else must be in the bucket.
        let (restored, missing) = try await data.withStore(logger: quietLogger()) { store in
            var restored = 0
            var missing: [String] = []
            for hash in try await store.blobsInUse().sorted(by: { $0.rawValue < $1.rawValue }) {
                let path = BackupFolders.blobPath(hash, in: source)
                guard FileManager.default.fileExists(atPath: path) else {
                    var inBucket = false
                    if blobs.bucketLocation != nil { inBucket = try await blobs.contains(hash) }
                    if !inBucket {
                        missing.append("\(hash): not in the backup\(blobs.bucketLocation == nil ? "" : " nor the bucket")")
                    }
                    continue
                }
                guard try await blobs.sha256(ofFileAt: path) == hash.rawValue else {
                    missing.append("\(hash): the backup's copy has other bytes")
                    continue
                }
                _ = try await blobs.store(fileAt: path)
                restored += 1
            }
            return (restored, missing)
        }
        guard missing.isEmpty else {
            throw CommandFailure(
                message: "the restored database uses blobs that cannot be brought back: \(missing.joined(separator: "; ")). Before trying again, empty \(data.dataDirectory) (and, for PostgreSQL, drop and create the database)")
        }
        print("restored the \(manifest.database) database of \(manifest.createdAt) and \(restored) blobs into \(data.dataDirectory)")
    }
}

enum BackupFolders {
    /// Creates `folder` (mode 0700: it holds the signing key), or accepts it empty.
    static func createEmpty(_ folder: String) throws {
        let files = FileManager.default
        if files.fileExists(atPath: folder) {
            guard (try? files.contentsOfDirectory(atPath: folder))?.isEmpty == true else {
                throw CommandFailure(message: "\(folder) is not an empty folder; give a new one")
            }
            try files.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder)
        } else {
            try files.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
    }

    /// `blobs/ab/cd/HASH` in a backup, as in a data folder.
    static func blobPath(_ hash: BuildHash, in folder: String) -> String {
        "\(folder)/blobs/\(BlobStore.relativePath(of: hash))"
    }
}

/// PostgreSQL's own client programs, for the logical dump and its restore.
enum PostgresTools {
    /// Runs `program` (from the PATH, or the newest /usr/lib/postgresql/N/bin) against the
    /// database at `location`, the password in the environment rather than the arguments.
    static func run(_ program: String, _ location: DatabaseLocation, _ arguments: [String]) throws {
        guard case .postgres(let host, let port, let username, let password, let database, let tlsMode) = location else { return }
        guard let executable = find(program) else {
            throw CommandFailure(message: "\(program) is not installed: install PostgreSQL's client programs (Debian: postgresql-client)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--host", host, "--port", String(port), "--username", username, "--no-password"]
            + (program == "pg_dump" ? [] : ["--dbname", database ?? username]) + arguments + (program == "pg_dump" ? [database ?? username] : [])
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = password
        environment["PGSSLMODE"] = tlsMode.rawValue
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: message, as: UTF8.self).split(separator: "\n").prefix(3).joined(separator: " ")
            throw CommandFailure(message: "\(program) failed: \(text)")
        }
    }

    private static func find(_ program: String) -> String? {
        let files = FileManager.default
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(folder)/\(program)"
            if files.isExecutableFile(atPath: path) { return path }
        }
        let versions = ((try? files.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).compactMap(Int.init).sorted(by: >)
        return versions.lazy.map { "/usr/lib/postgresql/\($0)/bin/\(program)" }.first { files.isExecutableFile(atPath: $0) }
    }
}
