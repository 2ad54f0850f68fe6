import HeraldCore
import SQLKit

extension Store {
    /// Removes a build, in one transaction, and returns it with the blobs nothing uses any more.
    ///
    /// Every channel that pointed at it, as latest or as pin, falls back to the build it
    /// pointed at before (``ChannelHistory/fallback(for:removing:moves:existing:)``), and each
    /// such move is recorded. Of two concurrent removals of one build, one succeeds and the
    /// other finds no build (`unknown_build`).
    ///
    /// Blobs are shared by content across products (a build's zip, the files of an app's
    /// build, their gzip copies): a blob is listed as unused only when no build and no build
    /// file of any product refers to it once the row is gone. The caller deletes those after
    /// the commit, so a failed transaction never leaves a build without its file, through
    /// ``BlobStore/removeUnused(_:isolation:isUnused:)`` with ``isBlobUsed(_:)``, which checks
    /// again while no publish is storing blobs.
    public func removeBuild(_ hash: BuildHash, actor: String) async throws -> (build: Build, unusedBlobs: [BuildHash]) {
        try await withTransaction { database in
            // The product locked first, so no platform file is added to the build between
            // reading its blobs and removing it.
            if let owner = try await database.select().column("product_id").from("builds").where("hash", .equal, hash.rawValue).first() {
                _ = try await lockProduct(try ProductID(validating: try owner.decode(column: "product_id", as: String.self)), in: database)
            }
            let candidates = try await blobsUsed(by: hash, in: database)
            let build = try await removeBuild(hash, actor: actor, in: database)
            var unused: [BuildHash] = []
            for blob in candidates.sorted(by: { $0.rawValue < $1.rawValue }) {
                if try await !isBlobUsed(blob, in: database) { unused.append(blob) }
            }
            return (build, unused)
        }
    }

    /// The blobs `hash`, its files (and their gzip copies) and its platform files are stored
    /// in: what removing the build may leave unused.
    public func blobsUsed(byBuild hash: BuildHash) async throws -> Set<BuildHash> {
        try await withDatabase { try await blobsUsed(by: hash, in: $0) }
    }

    private func blobsUsed(by hash: BuildHash, in database: any SQLDatabase) async throws -> Set<BuildHash> {
        var blobs: Set<BuildHash> = [hash]
        let rows = try await database.select().column("blob").column("gzip_blob").from("build_files")
            .where("build_hash", .equal, hash.rawValue).all()
        for row in rows {
            blobs.insert(try BuildHash(validating: try row.decode(column: "blob", as: String.self)))
            if let gzip = try row.decodeNil(column: "gzip_blob") ? nil : row.decode(column: "gzip_blob", as: String.self) {
                blobs.insert(try BuildHash(validating: gzip))
            }
        }
        for row in try await database.select().column("blob").from("build_artifacts").where("build_hash", .equal, hash.rawValue).all() {
            blobs.insert(try BuildHash(validating: try row.decode(column: "blob", as: String.self)))
        }
        return blobs
    }

    /// Whether any build, any file of a build, or any platform file is stored in `blob`.
    public func isBlobUsed(_ blob: BuildHash) async throws -> Bool {
        try await withDatabase { try await isBlobUsed(blob, in: $0) }
    }

    private func isBlobUsed(_ blob: BuildHash, in database: any SQLDatabase) async throws -> Bool {
        if try await database.select().column("hash").from("builds").where("hash", .equal, blob.rawValue).limit(1).first() != nil {
            return true
        }
        if try await database.select().column("build_hash").from("build_artifacts").where("blob", .equal, blob.rawValue).limit(1)
            .first() != nil
        {
            return true
        }
        return try await database.select().column("build_hash").from("build_files")
            .where { $0.where("blob", .equal, blob.rawValue).orWhere("gzip_blob", .equal, blob.rawValue) }
            .limit(1).first() != nil
    }

    private func removeBuild(_ hash: BuildHash, actor: String, in database: any SQLDatabase) async throws -> Build {
        // The product row first, as publish takes it, so the two never wait on each other.
        let ownerRow = try await database.select().column("product_id").from("builds")
            .where("hash", .equal, hash.rawValue).first()
        guard let ownerRow else { throw HeraldError.unknownBuild(hash.rawValue) }
        let owner = try ProductID(validating: try ownerRow.decode(column: "product_id", as: String.self))
        _ = try await lockProduct(owner, in: database)
        let row = try await database.select().column("*").from("builds")
            .where("hash", .equal, hash.rawValue).for(.update).first()
        guard let row else { throw HeraldError.unknownBuild(hash.rawValue) }
        let build = try Build(row: row)
        let otherRows = try await database.select().column("hash").from("builds")
            .where("product_id", .equal, build.product.rawValue)
            .where("hash", .notEqual, hash.rawValue)
            .where("yanked_at", .is, SQLLiteral.null)
            .all()
        var existing: Set<BuildHash> = []
        for other in otherRows {
            existing.insert(try BuildHash(validating: try other.decode(column: "hash", as: String.self)))
        }
        let now = currentTimeMillis()
        let channels = try await lockChannels(of: build.product, in: database)
        for channel in channels where channel.latestBuild == hash || channel.activeBuild == hash {
            try await fallBack(channel, removing: hash, existing: existing, actor: actor, at: now, in: database)
        }
        for rollout in try await rollouts(of: build.product, in: database) where rollout.build == hash {
            try await recordRolloutEvent(rollout, event: "removed", detail: "its build was removed (\(actor))", at: now, in: database)
        }
        try await database.delete(from: "rollouts").where("build", .equal, hash.rawValue).run()
        try await database.delete(from: "builds").where("hash", .equal, hash.rawValue).run()
        return build
    }

    /// Points each of the channel's pointers that named `removed` at the build before it
    /// among `existing`.
    func fallBack(
        _ channel: Channel, removing removed: BuildHash, existing: Set<BuildHash>, reason: ChannelMove.Reason = .removal, actor: String,
        at time: Int64, in database: any SQLDatabase
    ) async throws {
        let moves = try await history(of: channel.id, of: channel.product, in: database)
        if channel.latestBuild == removed {
            let fallback = ChannelHistory.fallback(for: .latest, removing: removed, moves: moves, existing: existing)
            try await movePointer(.latest, of: channel, from: removed, to: fallback, reason: reason, actor: actor, at: time, in: database)
        }
        if channel.activeBuild == removed {
            let fallback = ChannelHistory.fallback(for: .active, removing: removed, moves: moves, existing: existing)
            try await movePointer(.active, of: channel, from: removed, to: fallback, reason: reason, actor: actor, at: time, in: database)
        }
    }
}
