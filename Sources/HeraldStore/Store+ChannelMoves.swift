import HeraldCore
import SQLKit

extension Store {
    /// Makes `channel` an alias for `target`, or a channel of its own again when `target` is nil.
    ///
    /// Refuses an alias to the channel itself, to a missing channel, or one that would close a
    /// cycle; the check and the write are one transaction, so two concurrent changes cannot
    /// together make a cycle that each alone would not.
    public func setAlias(of channel: ChannelID, of product: ProductID, to target: ChannelID?) async throws {
        try await withTransaction { database in
            let channels = try await lockChannels(of: product, in: database)
            guard let current = channels.first(where: { $0.id == channel }) else {
                throw HeraldError.unknownChannel(channel, of: product)
            }
            if let target {
                try current.ensureCanBecomeAlias()
                try ChannelResolution(channels: channels).validateAlias(of: channel, to: target, product: product)
            }
            try await database.update("channels")
                .set("alias_for", to: SQLBind(target?.rawValue))
                .where("product_id", .equal, product.rawValue)
                .where("id", .equal, channel.rawValue)
                .run()
        }
    }

    /// Pins `channel` to `build` (its `active_build`), so that it serves that build whatever is uploaded next.
    public func pin(_ channel: ChannelID, of product: ProductID, to build: BuildHash, actor: String) async throws {
        try await withTransaction { database in try await pin(channel, of: product, to: build, actor: actor, in: database) }
    }

    func pin(_ channel: ChannelID, of product: ProductID, to build: BuildHash, actor: String, in database: any SQLDatabase) async throws {
        guard let current = try await lockChannel(channel, of: product, in: database) else {
            throw HeraldError.unknownChannel(channel, of: product)
        }
        try current.ensureServesOwnBuild(for: "pin")
        guard
            let row = try await database.select().column("product_id").from("builds")
                .where("hash", .equal, build.rawValue).first(),
            try row.decode(column: "product_id", as: String.self) == product.rawValue
        else {
            throw HeraldError.unknownBuild(build.rawValue)
        }
        try await moveActiveBuild(of: current, to: build, reason: .pin, actor: actor, in: database)
    }

    /// Removes the pin; the channel serves its latest build again.
    public func unpin(_ channel: ChannelID, of product: ProductID, actor: String) async throws {
        try await withTransaction { database in
            guard let current = try await lockChannel(channel, of: product, in: database) else {
                throw HeraldError.unknownChannel(channel, of: product)
            }
            try await moveActiveBuild(of: current, to: nil, reason: .unpin, actor: actor, in: database)
        }
    }

    /// Moves the channel back to what it served before its last move that was not undone
    /// (``ChannelHistory/moveToUndo(in:)``); rolling back twice goes back two steps.
    /// Returns the build the channel serves now (aliases of it follow).
    @discardableResult
    public func rollBack(_ channel: ChannelID, of product: ProductID, actor: String) async throws -> BuildHash? {
        try await withTransaction { database in
            guard let current = try await lockChannel(channel, of: product, in: database) else {
                throw HeraldError.unknownChannel(channel, of: product)
            }
            try current.ensureServesOwnBuild(for: "roll back")
            guard let undo = ChannelHistory.moveToUndo(in: try await history(of: current.id, of: current.product, in: database)) else {
                throw HeraldError.nothingToRollBack(channel)
            }
            if let target = undo.from,
                try await database.select().column("hash").from("builds").where("hash", .equal, target.rawValue).first() == nil
            {
                throw HeraldError.nothingToRollBack(channel)
            }
            if undo.pointer == .latest, undo.from == nil {
                throw HeraldError.nothingToRollBack(channel)
            }
            let from = undo.pointer == .latest ? current.latestBuild : current.activeBuild
            try await movePointer(
                undo.pointer, of: current, from: from, to: undo.from, reason: .rollback, actor: actor, at: currentTimeMillis(),
                in: database)
            var moved = current
            if undo.pointer == .latest { moved.latestBuild = undo.from } else { moved.activeBuild = undo.from }
            return moved.ownServedBuild
        }
    }

    private func moveActiveBuild(
        of channel: Channel, to build: BuildHash?, reason: ChannelMove.Reason, actor: String, in database: any SQLDatabase
    ) async throws {
        guard channel.activeBuild != build else { return }
        try await movePointer(
            .active, of: channel, from: channel.activeBuild, to: build, reason: reason, actor: actor, at: currentTimeMillis(),
            in: database)
    }

    /// Sets one pointer of the channel and records the move.
    func movePointer(
        _ pointer: ChannelMove.Pointer, of channel: Channel, from: BuildHash?, to: BuildHash?, reason: ChannelMove.Reason,
        actor: String, at time: Int64, in database: any SQLDatabase
    ) async throws {
        if let to { try await ensureNotYanked(to, in: database) }
        try await database.update("channels")
            .set(pointer == .latest ? "latest_build" : "active_build", to: SQLBind(to?.rawValue))
            .where("product_id", .equal, channel.product.rawValue)
            .where("id", .equal, channel.id.rawValue)
            .run()
        try await recordMove(of: channel, pointer: pointer, from: from, to: to, reason: reason, actor: actor, at: time, in: database)
    }

    /// The channel's history on `database`, oldest first.
    func history(of channel: ChannelID, of product: ProductID, in database: any SQLDatabase) async throws -> [ChannelMove] {
        try await database.select().column("*").from("channel_moves")
            .where("product_id", .equal, product.rawValue)
            .where("channel_id", .equal, channel.rawValue)
            .orderBy("sequence")
            .all()
            .map(ChannelMove.init(row:))
    }

    /// All of a product's channels, after the product (``lockProduct``); locked on PostgreSQL
    /// until the transaction ends.
    func lockChannels(of product: ProductID, in database: any SQLDatabase) async throws -> [Channel] {
        guard try await lockProduct(product, in: database) else { return [] }
        return try await database.select().column("*").from("channels")
            .where("product_id", .equal, product.rawValue)
            .orderBy("id")
            .for(.update)
            .all()
            .map(Channel.init(row:))
    }
}
