import HeraldCore
import SQLKit

extension Store {
    /// Yanks a build, in one transaction: every channel that serves it, as latest or as pin,
    /// falls back as for a removal (past other yanked builds), its rollouts end, and the build
    /// is marked so that no channel serves it again. Its row and file stay: it can still be
    /// downloaded for audits, and sites that run it are offered their channel's build as a
    /// downgrade (``CatalogSnapshot/decide(_:)``). Yanking a yanked build changes nothing.
    ///
    /// Returns the build and the channels that moved.
    public func yankBuild(_ hash: BuildHash, reason: String, actor: String) async throws -> (build: Build, movedChannels: [ChannelID]) {
        try await withTransaction { database in
            guard let owner = try await database.select().column("product_id").from("builds").where("hash", .equal, hash.rawValue).first() else {
                throw HeraldError.unknownBuild(hash.rawValue)
            }
            let product = try ProductID(validating: try owner.decode(column: "product_id", as: String.self))
            let channels = try await lockChannels(of: product, in: database)
            guard var build = try await database.select().column("*").from("builds").where("hash", .equal, hash.rawValue).first().map(Build.init(row:))
            else { throw HeraldError.unknownBuild(hash.rawValue) }
            if build.yank != nil { return (build, []) }
            let now = currentTimeMillis()
            build.yank = Build.Yank(reason: reason, at: now, by: actor)
            try await database.update("builds")
                .set("yanked_at", to: SQLBind(now)).set("yank_reason", to: SQLBind(reason)).set("yanked_by", to: SQLBind(actor))
                .where("hash", .equal, hash.rawValue).run()
            // The version's link (`/download/{product}/{version}/...`) names the newest upload
            // of the version that stands: never the yanked one.
            if build.isLatest {
                build.isLatest = false
                try await database.update("builds").set("is_latest", to: SQLLiteral.boolean(false)).where("hash", .equal, hash.rawValue).run()
                if let standing = try await database.select().column("hash").from("builds").where("product_id", .equal, product.rawValue)
                    .where("version", .equal, build.version.rawValue).where("yanked_at", .is, SQLLiteral.null)
                    .orderBy("uploaded_at", .descending).first()
                {
                    try await database.update("builds").set("is_latest", to: SQLLiteral.boolean(true))
                        .where("hash", .equal, try standing.decode(column: "hash", as: String.self)).run()
                }
            }
            var existing: Set<BuildHash> = []
            for row in try await database.select().column("hash").from("builds").where("product_id", .equal, product.rawValue)
                .where("yanked_at", .is, SQLLiteral.null).all()
            {
                existing.insert(try BuildHash(validating: try row.decode(column: "hash", as: String.self)))
            }
            var moved: [ChannelID] = []
            for channel in channels where channel.latestBuild == hash || channel.activeBuild == hash {
                try await fallBack(channel, removing: hash, existing: existing, reason: .yank, actor: actor, at: now, in: database)
                moved.append(channel.id)
            }
            for rollout in try await rollouts(of: product, in: database) where rollout.build == hash {
                try await database.delete(from: "rollouts").where("product_id", .equal, product.rawValue)
                    .where("channel_id", .equal, rollout.channel.rawValue).run()
                try await recordRolloutEvent(rollout, event: "yanked", detail: reason, at: now, in: database)
            }
            try await enqueueWebhookEvent(
                .buildYanked, of: product,
                data: [
                    "build_hash": .string(hash.rawValue), "version": .string(build.version.rawValue), "reason": .string(reason),
                    "actor": .string(actor), "moved_channels": .strings(moved.map(\.rawValue)),
                ], at: now, in: database)
            return (build, moved)
        }
    }

    /// Refuses to point anything at a yanked build.
    func ensureNotYanked(_ hash: BuildHash, in database: any SQLDatabase) async throws {
        let row = try await database.select().column("yanked_at").column("yank_reason").from("builds")
            .where("hash", .equal, hash.rawValue).first()
        if let row, try row.decode(column: "yanked_at", as: Int64?.self) != nil {
            throw HeraldError.buildYanked(hash, reason: try row.decode(column: "yank_reason", as: String?.self) ?? "")
        }
    }

    /// The product's yanked builds by version, for versions that no other build of the product
    /// still stands for: a site that reports such a version runs a yanked build.
    func yankedVersions(of product: ProductID, in database: any SQLDatabase) async throws -> [Build] {
        let yanked = try await database.select().column("*").from("builds").where("product_id", .equal, product.rawValue)
            .where("yanked_at", .isNot, SQLLiteral.null).orderBy("yanked_at").all().map(Build.init(row:))
        guard !yanked.isEmpty else { return [] }
        let standing = try await database.select().distinct().column("version").from("builds")
            .where("product_id", .equal, product.rawValue).where("yanked_at", .is, SQLLiteral.null)
            .where("version", .in, Array(Set(yanked.map(\.version.rawValue))).sorted()).all()
            .map { try $0.decode(column: "version", as: String.self) }
        return yanked.filter { !standing.contains($0.version.rawValue) }
    }
}
