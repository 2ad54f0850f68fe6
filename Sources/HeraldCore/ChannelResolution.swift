/// Which build a channel serves, following aliases, and which aliases are allowed.
///
/// Works on a snapshot of one product's channels, so the store can load them once and ask.
public struct ChannelResolution: Sendable {
    private let channels: [ChannelID: Channel]

    public init(channels: some Sequence<Channel>) {
        self.channels = Dictionary(channels.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The channel that actually holds the build `id` serves: `id` itself, or the end of its alias chain.
    ///
    /// Throws `unknown_channel` when the channel or a target on its chain is missing, and
    /// `alias_cycle` if stored data ever forms a loop, rather than looping forever.
    public func resolveServingChannel(for id: ChannelID, of product: ProductID) throws(HeraldError) -> Channel {
        var path: [ChannelID] = []
        var current = id
        while true {
            guard let channel = channels[current] else {
                throw .unknownChannel(current, of: product)
            }
            path.append(current)
            guard let target = channel.aliasFor else {
                return channel
            }
            if path.contains(target) {
                throw .aliasCycle(id, path: path + [target])
            }
            current = target
        }
    }

    /// The build a site on channel `id` is offered: the pin, else the latest build, of the
    /// channel at the end of the alias chain; nil when that channel has no build yet.
    public func resolveServedBuild(for id: ChannelID, of product: ProductID) throws(HeraldError) -> BuildHash? {
        try resolveServingChannel(for: id, of: product).ownServedBuild
    }

    /// Refuses to make `id` an alias for `target` when that is the channel itself, when the
    /// target does not exist, or when following `target`'s chain would come back to `id`.
    public func validateAlias(of id: ChannelID, to target: ChannelID, product: ProductID) throws(HeraldError) {
        var path: [ChannelID] = [id]
        var current: ChannelID? = target
        while let next = current {
            path.append(next)
            if next == id {
                throw .aliasCycle(id, path: path)
            }
            guard let channel = channels[next] else {
                throw .unknownChannel(next, of: product)
            }
            current = channel.aliasFor
            if let following = current, path.dropFirst().contains(following) {
                // A loop that does not pass through `id`: stored data is already broken.
                throw .aliasCycle(id, path: path + [following])
            }
        }
    }
}
