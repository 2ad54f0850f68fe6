import HeraldCore
import SQLKit

/// The parts of a channel a vendor sets; nil leaves a field as it is.
public struct ChannelSettings: Sendable {
    public var name: String?
    public var description: String?
    /// `.some(nil)` clears the alias; nil leaves it.
    public var aliasFor: ChannelID??
    public var isFavourite: Bool?
    public var isCustom: Bool?
    /// The core channel whose promotion rule a custom channel follows; `.some(nil)` clears it.
    public var extends: ChannelID??

    public init(
        name: String? = nil, description: String? = nil, aliasFor: ChannelID?? = nil, isFavourite: Bool? = nil,
        isCustom: Bool? = nil, extends: ChannelID?? = nil
    ) {
        self.name = name
        self.description = description
        self.aliasFor = aliasFor
        self.isFavourite = isFavourite
        self.isCustom = isCustom
        self.extends = extends
    }
}

extension Store {
    /// Creates the channel or updates it with `settings`, in one transaction, and returns it.
    ///
    /// An alias is checked like ``setAlias(of:of:to:)``: not to itself, not into a cycle, not
    /// on a pinned channel. A new channel made here is custom unless `settings` says otherwise.
    ///
    /// A customer channel is saved whole in the same transaction: pinned to `following` (a
    /// build of the product) and bound to the licenses `licenseIDs` (from
    /// ``licenseIDs(of:covering:)``), so a refused part leaves nothing of the rest.
    public func saveChannel(
        _ id: ChannelID, of product: ProductID, settings: ChannelSettings, following: BuildHash? = nil, licenseIDs: [String] = [],
        actor: String = "herald"
    ) async throws -> Channel {
        if let name = settings.name { try Product.validateName(name, field: "channel_name") }
        if let description = settings.description, description.count > 2000 {
            throw HeraldError.invalidInput("channel_description is longer than 2000 characters")
        }
        return try await withTransaction { database in
            var channel = try await saveChannel(id, of: product, settings: settings, in: database)
            if let following {
                try await pin(id, of: product, to: following, actor: actor, in: database)
                channel.activeBuild = following
            }
            try await bindLicenses(licenseIDs, to: id, of: product, in: database)
            return channel
        }
    }

    private func saveChannel(_ id: ChannelID, of product: ProductID, settings: ChannelSettings, in database: any SQLDatabase) async throws -> Channel {
        guard try await lockProduct(product, in: database) else {
            throw HeraldError.unknownProduct(product)
        }
        let channels = try await lockChannels(of: product, in: database)
        let existing = channels.first { $0.id == id }
        if existing == nil { try id.ensureIsFree() }
        var channel = existing ?? Channel(product: product, id: id, name: id.rawValue, isCustom: true, createdAt: currentTimeMillis())
        if let name = settings.name { channel.name = name }
        if let description = settings.description { channel.description = description }
        if let isFavourite = settings.isFavourite { channel.isFavourite = isFavourite }
        if let isCustom = settings.isCustom { channel.isCustom = isCustom }
        if let extends = settings.extends {
            if let base = extends, ![ChannelID.stable, .beta, .development].contains(base) {
                throw HeraldError.invalidInput("extends must name a core channel: stable, beta or development")
            }
            channel.extends = extends
        }
        if let alias = settings.aliasFor {
            if let target = alias, target != existing?.aliasFor {
                try channel.ensureCanBecomeAlias()
                try ChannelResolution(channels: channels).validateAlias(of: id, to: target, product: product)
            }
            channel.aliasFor = alias
        }
        if existing == nil {
            try await insertChannel(channel, into: database)
        } else {
            try await database.update("channels")
                .set("name", to: channel.name)
                .set("description", to: channel.description)
                .set("alias_for", to: SQLBind(channel.aliasFor?.rawValue))
                .set("is_favourite", to: SQLBind(channel.isFavourite))
                .set("is_custom", to: SQLBind(channel.isCustom))
                .set("extends", to: SQLBind(channel.extends?.rawValue))
                .where("product_id", .equal, product.rawValue)
                .where("id", .equal, id.rawValue)
                .run()
        }
        return channel
    }

    /// Deletes a channel and its history; refused for the core channels and while another
    /// channel is an alias for it.
    public func deleteChannel(_ id: ChannelID, of product: ProductID) async throws {
        try await withTransaction { database in
            let channels = try await lockChannels(of: product, in: database)
            guard let channel = channels.first(where: { $0.id == id }) else {
                throw HeraldError.unknownChannel(id, of: product)
            }
            guard !channel.isCore else {
                throw HeraldError.channelIsCore(id)
            }
            let aliases = channels.filter { $0.aliasFor == id }.map(\.id)
            guard aliases.isEmpty else {
                throw HeraldError.channelInUse(id, aliases: aliases)
            }
            try await database.delete(from: "channels")
                .where("product_id", .equal, product.rawValue)
                .where("id", .equal, id.rawValue)
                .run()
        }
    }
}
