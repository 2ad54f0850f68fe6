import HeraldCore
import SQLKit

extension Store {
    /// Removes a build, in one transaction, and returns it.
    ///
    /// Every channel that pointed at it, as latest or as pin, falls back to the build it
    /// pointed at before (``ChannelHistory/fallback(for:removing:moves:existing:)``), and each
    /// such move is recorded. Of two concurrent removals of one build, one succeeds and the
    /// other finds no build (`unknown_build`).
    ///
    /// > Warning: The store does not know the blob store: delete the blob in `whileLocked`.
    ///
    /// `whileLocked` runs after the row is deleted and before the transaction commits, with the
    /// product locked: the place to delete the blob, so that a concurrent upload of the same
    /// file (which stores the blob under the same lock) never loses its file.
    public func removeBuild(
        _ hash: BuildHash, actor: String, whileLocked: (Build) async throws -> Void = { _ in }
    ) async throws -> Build {
        try await withTransaction { database in
            let build = try await removeBuild(hash, actor: actor, in: database)
            try await whileLocked(build)
            return build
        }
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
        try await database.delete(from: "rollouts").where("build", .equal, hash.rawValue).run()
        try await database.delete(from: "builds").where("hash", .equal, hash.rawValue).run()
        return build
    }

    /// Points each of the channel's pointers that named `removed` at the build before it.
    private func fallBack(
        _ channel: Channel, removing removed: BuildHash, existing: Set<BuildHash>, actor: String, at time: Int64,
        in database: any SQLDatabase
    ) async throws {
        let moves = try await history(of: channel.id, of: channel.product, in: database)
        if channel.latestBuild == removed {
            let fallback = ChannelHistory.fallback(for: .latest, removing: removed, moves: moves, existing: existing)
            try await movePointer(.latest, of: channel, from: removed, to: fallback, reason: .removal, actor: actor, at: time, in: database)
        }
        if channel.activeBuild == removed {
            let fallback = ChannelHistory.fallback(for: .active, removing: removed, moves: moves, existing: existing)
            try await movePointer(.active, of: channel, from: removed, to: fallback, reason: .removal, actor: actor, at: time, in: database)
        }
    }
}
