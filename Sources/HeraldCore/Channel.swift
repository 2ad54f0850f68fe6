/// A release channel of one product: what an installed copy that follows it is offered.
///
/// A channel serves its ``activeBuild`` when it is pinned, otherwise its ``latestBuild``; an
/// alias serves whatever its target serves. See ``ChannelResolution``.
public struct Channel: Hashable, Sendable {
    public var product: ProductID
    public var id: ChannelID
    public var name: String
    public var description: String
    /// Another channel of the same product whose build this channel serves.
    public var aliasFor: ChannelID?
    /// One of the channels every product has: stable, beta, development.
    public var isCore: Bool
    /// A per-customer channel, usually an alias of a base channel or pinned to a build.
    public var isCustom: Bool
    public var isFavourite: Bool
    /// The newest build published to this channel.
    public var latestBuild: BuildHash?
    /// The build this channel is pinned to; while set, uploads do not change what is served.
    public var activeBuild: BuildHash?
    /// Milliseconds since 1970.
    public var createdAt: Int64
    /// For a custom channel: the core channel whose promotion rule it follows (seed 000's
    /// channel definitions, `extends`); nil: it moves only by upload, pin or publish.
    public var extends: ChannelID?

    public init(
        product: ProductID, id: ChannelID, name: String, description: String = "", aliasFor: ChannelID? = nil,
        isCore: Bool = false, isCustom: Bool = false, isFavourite: Bool = false, latestBuild: BuildHash? = nil,
        activeBuild: BuildHash? = nil, createdAt: Int64, extends: ChannelID? = nil
    ) {
        self.product = product
        self.id = id
        self.name = name
        self.description = description
        self.aliasFor = aliasFor
        self.isCore = isCore
        self.isCustom = isCustom
        self.isFavourite = isFavourite
        self.latestBuild = latestBuild
        self.activeBuild = activeBuild
        self.createdAt = createdAt
        self.extends = extends
    }

    /// True when the channel is pinned to a build.
    public var isPinned: Bool { activeBuild != nil }

    /// The build this channel itself serves, ignoring aliases: the pin if set, else the latest.
    public var ownServedBuild: BuildHash? { activeBuild ?? latestBuild }

    /// Refuses an upload to an alias: its builds belong to the channel it follows.
    public func ensureAcceptsUploads() throws(HeraldError) {
        if let target = aliasFor {
            throw .channelIsAlias(id, target: target)
        }
    }

    /// Refuses to pin or roll back an alias: it serves its target's build, so a build chosen
    /// for the alias itself would never be served. `action` names the refused move.
    public func ensureServesOwnBuild(for action: String) throws(HeraldError) {
        if let target = aliasFor {
            throw .channelIsAlias(id, target: target, action: action)
        }
    }

    /// Refuses to make a pinned channel an alias, which would silently stop serving its pin.
    public func ensureCanBecomeAlias() throws(HeraldError) {
        if isPinned {
            throw .channelIsPinned(id)
        }
    }

    /// The core channels every new product gets, with the names and descriptions of seed 000.
    public static func coreChannels(of product: ProductID, at time: Int64) -> [Channel] {
        [
            Channel(
                product: product, id: .stable, name: "Stable Channel",
                description: "Updates are rolled out only after vigorous testing to minimize risk of an update which adversely affects a site.",
                isCore: true, isFavourite: true, createdAt: time),
            Channel(
                product: product, id: .beta, name: "Beta Channel",
                description: "Updates are rolled out for testing before they reach the stable channel.",
                isCore: true, createdAt: time),
            Channel(
                product: product, id: .development, name: "Development Channel",
                description: "Every new build, as soon as it is uploaded; expect breakage.",
                isCore: true, createdAt: time),
        ]
    }

    /// The channel an upload creates when it names a channel the product does not have yet.
    public static func createdByUpload(of product: ProductID, id: ChannelID, at time: Int64) -> Channel {
        Channel(product: product, id: id, name: id.rawValue, createdAt: time)
    }
}
