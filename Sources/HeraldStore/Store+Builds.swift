import HeraldCore
import SQLKit

extension Store {
    /// Publishes `build` to its channel in one transaction, and returns it as stored.
    ///
    /// Creates the channel if the product lacks it; refuses an alias (`channel_is_alias`) and
    /// an unknown product (`unknown_product`). The build becomes the newest upload of its
    /// version (`is_latest`), and the channel's `latest_build` moves to it unless the channel
    /// is pinned; the move is recorded as done by `actor`. The same file published again is the
    /// same build: its record is kept and the channel moves to it.
    ///
    /// `whileLocked` runs with the product locked, once every check has passed and just before
    /// the transaction commits: the place to move the file into the ``BlobStore``, so that a
    /// refused publish never places a file at all. (Blobs are deleted only while no publish
    /// stores any: ``BlobStore/publishing(isolation:_:)``.)
    ///
    /// `files`, for an app's zip, are its entries, already in the blob store: they are recorded
    /// for the product's GoUpdate repository. `extensions` are the manifests the build carries;
    /// they replace the product's manifests of the same names before the promotion rules run.
    ///
    /// > Warning: A build whose blob is missing cannot be downloaded: store the file here or before.
    @discardableResult
    public func publish(
        _ build: Build, files: [BuildFile]? = nil, extensions: [(id: String, manifest: ExtensionManifest)] = [], actor: String,
        whileLocked: () async throws -> Void = {}
    ) async throws -> Build {
        try await withTransaction { database in
            // One product's publishes run one after another, whatever their channels, so
            // `is_latest` and a file uploaded to two channels at once stay consistent.
            guard try await lockProduct(build.product, in: database) else {
                throw HeraldError.unknownProduct(build.product)
            }
            // A channel the upload creates must not take a name the API uses; one made before
            // that name was reserved keeps taking uploads.
            if try await lockChannel(build.channel, of: build.product, in: database) == nil {
                try build.channel.ensureIsFree()
                try await insertChannel(.createdByUpload(of: build.product, id: build.channel, at: build.timestamp), into: database)
            }
            guard let channel = try await lockChannel(build.channel, of: build.product, in: database) else {
                throw HeraldError.unknownChannel(build.channel, of: build.product)
            }
            try channel.ensureAcceptsUploads()

            // The same file may be a build already, possibly of another product being
            // published right now: insert if new, then read back whichever row won.
            try await insertBuild(build, into: database)
            guard
                var published = try await database.select().column("*").from("builds")
                    .where("hash", .equal, build.hash.rawValue).first().map(Build.init(row:))
            else {
                throw HeraldError.unknownBuild(build.hash.rawValue)
            }
            guard published.product == build.product else {
                throw HeraldError.buildOfOtherProduct(build.hash, owner: published.product)
            }
            if let yank = published.yank { throw HeraldError.buildYanked(published.hash, reason: yank.reason) }
            guard published.version == build.version else {
                throw HeraldError.versionMismatch(
                    requested: build.version.rawValue, found: published.version.rawValue, source: "the same file, published before,")
            }
            published.isLatest = true
            try await database.update("builds")
                .set("is_latest", to: SQLLiteral.boolean(false))
                .where("product_id", .equal, build.product.rawValue)
                .where("version", .equal, published.version.rawValue)
                .where("hash", .notEqual, build.hash.rawValue)
                .run()
            try await database.update("builds")
                .set("is_latest", to: SQLLiteral.boolean(true))
                .where("hash", .equal, build.hash.rawValue)
                .run()

            if !channel.isPinned, channel.latestBuild != build.hash {
                try await database.update("channels")
                    .set("latest_build", to: build.hash.rawValue)
                    .where("product_id", .equal, build.product.rawValue)
                    .where("id", .equal, build.channel.rawValue)
                    .run()
                try await recordMove(
                    of: channel, pointer: .latest, from: channel.latestBuild, to: build.hash, reason: .upload,
                    actor: actor, at: build.timestamp, in: database)
            }
            if let files {
                try await recordGoUpdateFiles(files, of: published, in: database)
            }
            for (id, manifest) in extensions {
                try await upsertExtension(manifest, id: id, of: build.product, in: database)
            }
            try await enqueueWebhookEvent(
                .buildPublished, of: build.product,
                data: [
                    "build_hash": .string(published.hash.rawValue), "version": .string(published.version.rawValue),
                    "channel": .string(build.channel.rawValue), "file_name": .string(published.fileName.rawValue), "size": .integer(published.size),
                    "actor": .string(actor),
                ], at: build.timestamp, in: database)
            try await promoteAfterUpload(published, uploadedTo: build.channel, actor: actor, in: database)
            try await whileLocked()
            return published
        }
    }

    private func insertBuild(_ build: Build, into database: any SQLDatabase) async throws {
        try await database.insert(into: "builds")
            .columns(
                "hash", "md5", "product_id", "version", "channel_id", "uploaded_at", "builder_name", "builder_version",
                "uploaded_by", "size", "file_name", "is_latest", "requires", "tested", "requires_php", "changelog", "sha384",
                "wordpress_details", "release_date", "app_details")
            .values(
                SQLBind(build.hash.rawValue), SQLBind(build.md5), SQLBind(build.product.rawValue),
                SQLBind(build.version.rawValue), SQLBind(build.channel.rawValue), SQLBind(build.timestamp),
                SQLBind(build.builder.name), SQLBind(build.builder.version), SQLBind(build.uploadedBy),
                SQLBind(build.size), SQLBind(build.fileName.rawValue), SQLBind(true), SQLBind(build.requires),
                SQLBind(build.tested), SQLBind(build.requiresPHP), SQLBind(build.changelog), SQLBind(build.sha384),
                SQLBind(try build.details.json()), SQLBind(build.releaseDate), SQLBind(try build.app.json()))
            .ignoringConflicts()
            .run()
    }

    /// Records the SHA-384 of a build stored before signatures, once its file has been read.
    public func recordSHA384(_ sha384: String, of hash: BuildHash) async throws {
        try await withDatabase { database in
            try await database.update("builds").set("sha384", to: sha384)
                .where("hash", .equal, hash.rawValue).where("sha384", .is, SQLLiteral.null)
                .run()
        }
    }

    /// The build with exactly this hash, or nil.
    public func build(_ hash: BuildHash) async throws -> Build? {
        try await withDatabase { database in
            try await database.select().column("*").from("builds")
                .where("hash", .equal, hash.rawValue)
                .first()
                .map(Build.init(row:))
        }
    }

    /// The one build whose hash starts with `reference`; `unknown_build` when none does and
    /// `ambiguous_build` when several do.
    public func build(matching reference: BuildReference) async throws -> Build {
        if let hash = reference.fullHash {
            guard let build = try await build(hash) else { throw HeraldError.unknownBuild(reference.rawValue) }
            return build
        }
        // A reference is validated as lowercase hex, so it cannot carry LIKE wildcards.
        let matches = try await withDatabase { database in
            try await database.select().column("*").from("builds")
                .where("hash", .like, reference.rawValue + "%")
                .limit(2)
                .all()
                .map(Build.init(row:))
        }
        guard let first = matches.first else { throw HeraldError.unknownBuild(reference.rawValue) }
        guard matches.count == 1 else { throw HeraldError.ambiguousBuild(reference.rawValue) }
        return first
    }

    /// The one build of `product` whose hash starts with `reference`; a build of another
    /// product is `unknown_build`, as if it did not exist, so a token never learns of it.
    public func build(matching reference: BuildReference, of product: ProductID) async throws -> Build {
        let build = try await build(matching: reference)
        guard build.product == product else { throw HeraldError.unknownBuild(reference.rawValue) }
        return build
    }

    /// Builds uploaded to `channel` of `product`, newest first: at most `limit`, starting after
    /// `cursor` (the last build of the page before).
    public func builds(
        uploadedTo channel: ChannelID, of product: ProductID, limit: Int = 1000, after cursor: BuildCursor? = nil
    ) async throws -> [Build] {
        try await builds(of: product, channel: channel, limit: limit, after: cursor)
    }

    /// Every build of `product`, newest first, paged like ``builds(uploadedTo:of:limit:after:)``.
    public func builds(of product: ProductID, limit: Int = 1000, after cursor: BuildCursor? = nil) async throws -> [Build] {
        try await builds(of: product, channel: nil, limit: limit, after: cursor)
    }

    private func builds(of product: ProductID, channel: ChannelID?, limit: Int, after cursor: BuildCursor?) async throws -> [Build] {
        try await withDatabase { database in
            var query = database.select().column("*").from("builds")
                .where("product_id", .equal, product.rawValue)
            if let channel {
                query = query.where("channel_id", .equal, channel.rawValue)
            }
            if let cursor {
                query = query.where { group in
                    group.where("uploaded_at", .lessThan, cursor.timestamp)
                        .orWhere { inner in
                            inner.where("uploaded_at", .equal, cursor.timestamp).where("hash", .lessThan, cursor.hash.rawValue)
                        }
                }
            }
            return try await query
                .orderBy("uploaded_at", .descending)
                .orderBy("hash", .descending)
                .limit(limit)
                .all()
                .map(Build.init(row:))
        }
    }

    /// One page of the product's builds, newest first, whose version contains `search` (any
    /// case; every build when nil), and how many match in all: a console page reads 50 of
    /// thousands without decoding the rest.
    public func buildPage(
        of product: ProductID, versionContaining search: String?, limit: Int, offset: Int
    ) async throws -> (builds: [Build], total: Int) {
        try await withDatabase { database in
            func matching(_ query: SQLSelectBuilder) -> SQLSelectBuilder {
                let query = query.from("builds").where("product_id", .equal, product.rawValue)
                guard let search, !search.isEmpty else { return query }
                // LIKE's own wildcards in the text are matched as themselves.
                let escaped = search.lowercased().replacingOccurrences(of: "\\", with: "\\\\")
                    .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
                let pattern = "%" + escaped + "%"
                return query.where("LOWER(version) LIKE \(bind: pattern) ESCAPE '\\'" as SQLQueryString)
            }
            let counted = try await matching(database.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "total")).first()
            let total = try counted?.decode(column: "total", as: Int.self) ?? 0
            let builds = try await matching(database.select().column("*"))
                .orderBy("uploaded_at", .descending).orderBy("hash", .descending)
                .limit(max(1, limit)).offset(max(0, offset))
                .all().map(Build.init(row:))
            return (builds, total)
        }
    }

    /// Which of `hashes` are builds that exist.
    public func existingBuilds(among hashes: Set<BuildHash>) async throws -> Set<BuildHash> {
        guard !hashes.isEmpty else { return [] }
        return try await withDatabase { database in
            var found: Set<BuildHash> = []
            for row in try await database.select().column("hash").from("builds")
                .where("hash", .in, hashes.map(\.rawValue).sorted()).all()
            {
                found.insert(try BuildHash(validating: try row.decode(column: "hash", as: String.self)))
            }
            return found
        }
    }

    /// The newest upload of `version` of `product` (the build that `is_latest`), or nil.
    public func build(of product: ProductID, version: Version) async throws -> Build? {
        try await withDatabase { database in
            try await database.select().column("*").from("builds")
                .where("product_id", .equal, product.rawValue)
                .where("version", .equal, version.rawValue)
                .orderBy(SQLRaw("CASE WHEN yanked_at IS NULL THEN 0 ELSE 1 END"))
                .orderBy("is_latest", .descending)
                .orderBy("uploaded_at", .descending)
                .first()
                .map(Build.init(row:))
        }
    }
}

/// Where a page of builds ends: the newest-first order is (upload time, hash), both descending.
public struct BuildCursor: Sendable, Equatable {
    public var timestamp: Int64
    public var hash: BuildHash

    public init(timestamp: Int64, hash: BuildHash) {
        self.timestamp = timestamp
        self.hash = hash
    }

    /// The cursor after `build`.
    public init(after build: Build) {
        self.init(timestamp: build.timestamp, hash: build.hash)
    }

    /// The opaque text a client passes back: `TIMESTAMP-HASH`.
    public var token: String { "\(timestamp)-\(hash.rawValue)" }

    /// Reads a cursor from a request; `invalid_input` when it is not one Herald made.
    public init(token: String) throws(HeraldError) {
        let parts = token.split(separator: "-", maxSplits: 1)
        guard parts.count == 2, let timestamp = Int64(parts[0]), let hash = try? BuildHash(validating: String(parts[1])) else {
            throw HeraldError.invalidInput("cursor \(quoted(token)) is invalid: pass back the next_cursor of the page before")
        }
        self.init(timestamp: timestamp, hash: hash)
    }
}
