import HeraldFormats
/// Seed 000's promotion rules: where a product's new build goes without anyone asking.
///
/// - `development` follows every new build.
/// - `beta` takes a build when every extension has a `beta` tag matching its version.
/// - `stable` takes a build as a candidate when every extension has a matching `stable` tag;
///   it moves only when a person confirms, unless the product deploys automatically.
///
/// A promotion never moves a channel to an older version and never moves a pinned channel or
/// an alias (which follows its target).
public enum PromotionRules {
    /// What the rules say about one channel and one build.
    public enum Proposal: Equatable, Sendable {
        /// Move the channel to the build now.
        case move
        /// Move it once a person confirms.
        case awaitConfirmation
        /// Leave the channel, and why.
        case stay(Reason)
    }

    public enum Reason: Equatable, Sendable {
        case notPromoted
        case pinned
        case alias
        case notNewer
        case missingTags([String])
    }

    /// Which core channel's rule governs `channel`: its own id for a core channel, else the
    /// core channel it extends (seed 000's channel definitions), else none.
    public static func rule(for channel: Channel) -> ChannelID? {
        if [ChannelID.stable, .beta, .development].contains(channel.id) { return channel.id }
        return channel.extends
    }

    /// The proposal for moving `channel` (whose rule is `rule`) to `build`, given the version it
    /// serves now, the product's extensions and its auto-deploy setting.
    public static func propose(
        _ build: Build, to channel: Channel, rule: ChannelID?, currentVersion: Version?, extensions: [ExtensionManifest],
        autoDeploy: Bool
    ) -> Proposal {
        if channel.aliasFor != nil { return .stay(.alias) }
        if channel.isPinned { return .stay(.pinned) }
        if let currentVersion, VersionOrder.compare(build.version.rawValue, currentVersion.rawValue) <= 0 { return .stay(.notNewer) }
        switch rule {
        case .development?:
            return .move
        case .beta?:
            let missing = extensions.filter { !($0.beta?.matches(build.version) ?? false) }.map(\.name)
            return missing.isEmpty ? .move : .stay(.missingTags(missing))
        case .stable?:
            let missing = extensions.filter { !($0.stable?.matches(build.version) ?? false) }.map(\.name)
            guard missing.isEmpty else { return .stay(.missingTags(missing)) }
            return autoDeploy ? .move : .awaitConfirmation
        default:
            return .stay(.notPromoted)
        }
    }
}
