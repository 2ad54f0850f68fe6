/// Everything the answer path knows about one product, read from the store in one go.
///
/// A snapshot is immutable: a write to the product makes the next snapshot, and every answer
/// about the product is decided from one snapshot by ``decide(_:)``, so two endpoints asked
/// the same question at the same moment cannot disagree.
public struct CatalogSnapshot: Sendable {
    public let product: Product
    /// The product's revision when it was read; every write to the product raises it.
    public let revision: Int64
    public let channels: [ChannelID: Channel]
    /// Every build a channel serves or a rollout offers, by hash.
    public let builds: [BuildHash: Build]
    /// Staged rollouts, by the channel they run on.
    public let rollouts: [ChannelID: Rollout]
    /// The product's display messages, oldest first.
    public let messages: [DisplayMessage]
    /// Customer channels: those a license of the product is bound to. Only those licenses
    /// are answered from them, and lists of channels leave them out for everyone else.
    public let customerChannels: Set<ChannelID>
    /// Yanked builds by version, for the versions no other build stands for: a site that runs
    /// one of these versions runs a yanked build.
    public let yanked: [Version: Build]
    /// The sites that get a rollout's build first, at any share.
    public let canaries: Canaries
    private let resolution: ChannelResolution

    public init(
        product: Product, revision: Int64, channels: [Channel], builds: [Build], rollouts: [Rollout], messages: [DisplayMessage],
        customerChannels: Set<ChannelID> = [], yanked: [Build] = [], canaries: Canaries = Canaries()
    ) {
        self.product = product
        self.revision = revision
        self.channels = Dictionary(channels.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.builds = Dictionary(builds.map { ($0.hash, $0) }, uniquingKeysWith: { first, _ in first })
        self.rollouts = Dictionary(rollouts.map { ($0.channel, $0) }, uniquingKeysWith: { first, _ in first })
        self.messages = messages
        self.customerChannels = customerChannels
        self.canaries = canaries
        self.yanked = Dictionary(yanked.map { ($0.version, $0) }, uniquingKeysWith: { _, last in last })
        resolution = ChannelResolution(channels: channels)
    }

    /// The builds a snapshot of these channels and rollouts must hold: what the store loads.
    public static func servedHashes(channels: [Channel], rollouts: [Rollout]) -> Set<BuildHash> {
        var hashes = Set(channels.compactMap(\.ownServedBuild))
        hashes.formUnion(rollouts.map(\.build))
        return hashes
    }

    /// The channel at the end of `id`'s alias chain; `unknown_channel` when the product lacks it.
    public func servingChannel(for id: ChannelID) throws(HeraldError) -> Channel {
        try resolution.resolveServingChannel(for: id, of: product.id)
    }
}
