import HeraldCore
import HeraldFormats
import SQLKit

extension Store {
    /// The product's channels, by id.
    public func channels(of product: ProductID) async throws -> [Channel] {
        try await withDatabase { database in
            try await database.select().column("*").from("channels")
                .where("product_id", .equal, product.rawValue)
                .orderBy("id")
                .all()
                .map(Channel.init(row:))
        }
    }

    /// One channel of a product, or nil.
    public func channel(_ id: ChannelID, of product: ProductID) async throws -> Channel? {
        try await withDatabase { database in
            try await database.select().column("*").from("channels")
                .where("product_id", .equal, product.rawValue)
                .where("id", .equal, id.rawValue)
                .first()
                .map(Channel.init(row:))
        }
    }

    /// The build a site on `channel` is offered, aliases and pins resolved; nil while the
    /// channel has none. Throws `unknown_channel` for a channel the product lacks.
    public func servedBuild(for channel: ChannelID, of product: ProductID) async throws -> Build? {
        let resolution = ChannelResolution(channels: try await channels(of: product))
        guard let hash = try resolution.resolveServedBuild(for: channel, of: product) else {
            return nil
        }
        return try await build(hash)
    }

    /// Every build a site on `channel` has been offered that still exists, one per version
    /// (its newest upload), oldest version first in version_compare order; aliases resolved.
    /// These are the versions seed 002's WordPress API lists.
    public func servedBuilds(for channel: ChannelID, of product: ProductID) async throws -> [Build] {
        let serving = try ChannelResolution(channels: try await channels(of: product)).resolveServingChannel(for: channel, of: product)
        let rows = try await withDatabase { database in
            try await database.raw(
                """
                SELECT * FROM builds WHERE product_id = \(bind: product.rawValue) AND hash IN (
                    SELECT to_build FROM channel_moves
                    WHERE product_id = \(bind: product.rawValue) AND channel_id = \(bind: serving.id.rawValue))
                """
            ).all()
        }
        var newestByVersion: [String: Build] = [:]
        for row in rows {
            let build = try Build(row: row)
            if let kept = newestByVersion[build.version.rawValue], kept.timestamp >= build.timestamp { continue }
            newestByVersion[build.version.rawValue] = build
        }
        return newestByVersion.values.sorted { VersionOrder.compare($0.version.rawValue, $1.version.rawValue) < 0 }
    }

    func insertChannel(_ channel: Channel, into database: any SQLDatabase) async throws {
        try await database.insert(into: "channels")
            .columns(
                "product_id", "id", "name", "description", "alias_for", "is_core", "is_custom", "is_favourite",
                "latest_build", "active_build", "created_at", "extends")
            .values(
                SQLBind(channel.product.rawValue), SQLBind(channel.id.rawValue), SQLBind(channel.name),
                SQLBind(channel.description), SQLBind(channel.aliasFor?.rawValue), SQLBind(channel.isCore),
                SQLBind(channel.isCustom), SQLBind(channel.isFavourite), SQLBind(channel.latestBuild?.rawValue),
                SQLBind(channel.activeBuild?.rawValue), SQLBind(channel.createdAt), SQLBind(channel.extends?.rawValue))
            .ignoringConflicts()
            .run()
    }

    /// Locks the product (``lockProduct``), then reads the channel and, on PostgreSQL, locks its
    /// row until the transaction ends, so that concurrent moves of the same channel happen one
    /// after another. (SQLite's `BEGIN IMMEDIATE` already serialises all writers.)
    func lockChannel(_ id: ChannelID, of product: ProductID, in database: any SQLDatabase) async throws -> Channel? {
        guard try await lockProduct(product, in: database) else { return nil }
        return try await database.select().column("*").from("channels")
            .where("product_id", .equal, product.rawValue)
            .where("id", .equal, id.rawValue)
            .for(.update)
            .first()
            .map(Channel.init(row:))
    }

    /// Records one move of a channel pointer as the next entry of its history.
    ///
    /// Any other move than a rollout's completion ends the channel's staged rollout: the build
    /// it was staged against is no longer what the channel serves.
    func recordMove(
        of channel: Channel, pointer: ChannelMove.Pointer, from: BuildHash?, to: BuildHash?,
        reason: ChannelMove.Reason, actor: String, at time: Int64, in database: any SQLDatabase
    ) async throws {
        // A yank's fallback keeps the channel's rollout (of another build: the yanked one's
        // ended), which is often the fix.
        if reason != .rollout, reason != .yank {
            // A move by hand ends the channel's rollout; its history says so.
            let ended = try await database.select().column("*").from("rollouts").where("product_id", .equal, channel.product.rawValue)
                .where("channel_id", .equal, channel.id.rawValue).all().map { try Rollout(row: $0, of: channel.product) }
            try await database.delete(from: "rollouts").where("product_id", .equal, channel.product.rawValue)
                .where("channel_id", .equal, channel.id.rawValue).run()
            for rollout in ended {
                try await recordRolloutEvent(rollout, event: "ended", detail: "the channel was moved by \(reason.rawValue) (\(actor))", at: time, in: database)
            }
        }
        let last = try await database.select()
            .column(SQLFunction("MAX", args: SQLColumn("sequence")), as: "last")
            .from("channel_moves")
            .where("product_id", .equal, channel.product.rawValue)
            .where("channel_id", .equal, channel.id.rawValue)
            .first()?
            .decode(column: "last", as: Int64?.self)
        try await database.insert(into: "channel_moves")
            .columns(
                "product_id", "channel_id", "sequence", "pointer", "from_build", "to_build", "reason", "actor", "moved_at")
            .values(
                SQLBind(channel.product.rawValue), SQLBind(channel.id.rawValue), SQLBind((last ?? 0) + 1),
                SQLBind(pointer.rawValue), SQLBind(from?.rawValue), SQLBind(to?.rawValue), SQLBind(reason.rawValue),
                SQLBind(actor), SQLBind(time))
            .run()
        try await enqueueWebhookEvent(
            .channelMoved, of: channel.product,
            data: [
                "channel": .string(channel.id.rawValue), "pointer": .string(pointer.rawValue), "from": .string(from?.rawValue),
                "to": .string(to?.rawValue), "reason": .string(reason.rawValue), "actor": .string(actor),
            ], at: time, in: database)
    }

    /// Every move of the channel's latest or active build, oldest first.
    public func history(of channel: ChannelID, of product: ProductID) async throws -> [ChannelMove] {
        try await withDatabase { database in
            try await history(of: channel, of: product, in: database)
        }
    }
}

extension Store {
    /// Every move of every channel of the product, oldest first.
    public func productHistory(of product: ProductID) async throws -> [ChannelMove] {
        let rows = try await withDatabase { database in
            try await database.select().column("*").from("channel_moves")
                .where("product_id", .equal, product.rawValue)
                .orderBy("moved_at").orderBy("channel_id").orderBy("sequence")
                .all()
        }
        var moves: [ChannelMove] = []
        for row in rows { moves.append(try ChannelMove(row: row)) }
        return moves
    }
}
