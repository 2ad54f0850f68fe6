/// One change of what a channel points at, kept forever so that it can be audited and rolled back.
public struct ChannelMove: Hashable, Sendable {
    /// Which of the channel's two pointers moved.
    public enum Pointer: String, Hashable, Sendable, Codable {
        /// `latest_build`: the newest build published to the channel.
        case latest
        /// `active_build`: the pin.
        case active
    }

    /// Why the pointer moved.
    public enum Reason: String, Hashable, Sendable, Codable {
        case upload
        case pin
        case unpin
        case rollback
        case removal
        case promotion
        /// A staged rollout was completed: every site now gets its build.
        case rollout
        /// The build was yanked: the channel fell back as for a removal.
        case yank
    }

    public var product: ProductID
    public var channel: ChannelID
    /// The move's position in the channel's history, from 1.
    public var sequence: Int64
    public var pointer: Pointer
    public var from: BuildHash?
    public var to: BuildHash?
    public var reason: Reason
    /// Who made the move: a token's name, a person, or `herald` for automatic moves.
    public var actor: String
    /// Milliseconds since 1970.
    public var at: Int64

    public init(
        product: ProductID, channel: ChannelID, sequence: Int64, pointer: Pointer, from: BuildHash?, to: BuildHash?,
        reason: Reason, actor: String, at: Int64
    ) {
        self.product = product
        self.channel = channel
        self.sequence = sequence
        self.pointer = pointer
        self.from = from
        self.to = to
        self.reason = reason
        self.actor = actor
        self.at = at
    }
}
