import HeraldFormats
/// Seed 000's "build all, check warnings, publish all": for every channel of a product, what
/// it serves, what the promotion rules propose, and what a person should know before saying yes.
public struct ReleasePlan: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let channel: ChannelID
        public let current: Build?
        /// The build the rules would move the channel to; nil when it stays.
        public let proposed: Build?
        public let warnings: [Notice]
    }

    public let entries: [Entry]

    /// Builds the plan from the product's channels (each with the build it serves), its builds
    /// (the newest upload of each version), its extensions and its auto-deploy setting.
    public static func make(
        channels: [(channel: Channel, serving: Build?)], builds: [Build], extensions: [ExtensionManifest], autoDeploy: Bool
    ) -> ReleasePlan {
        let newestFirst = builds.sorted { lhs, rhs in
            let order = VersionOrder.compare(lhs.version.rawValue, rhs.version.rawValue)
            if order != 0 { return order > 0 }
            return lhs.isLatest != rhs.isLatest ? lhs.isLatest : lhs.timestamp > rhs.timestamp
        }
        var versionCounts: [String: Int] = [:]
        for build in builds { versionCounts[build.version.rawValue, default: 0] += 1 }
        let entries = channels.map { channel, serving -> Entry in
            var warnings: [Notice] = []
            let rule = PromotionRules.rule(for: channel)
            if channel.isPinned, channel.aliasFor == nil {
                warnings.append(Notice(level: .warning, code: "channel_pinned", message: "\(channel.id) is pinned; the rules leave it alone."))
            }
            if rule == .beta || rule == .stable {
                for manifest in extensions where (rule == .beta ? manifest.beta : manifest.stable) == nil {
                    warnings.append(
                        Notice(level: .warning, code: "missing_tag", message: "The extension \(quoted(manifest.name)) has no \(rule!) tag."))
                }
            }
            // The newest build the rules let onto this channel, ignoring what it serves now.
            let candidate = newestFirst.first { build in
                switch PromotionRules.propose(build, to: channel, rule: rule, currentVersion: nil, extensions: extensions, autoDeploy: true) {
                case .move, .awaitConfirmation: true
                case .stay: false
                }
            }
            var proposed: Build?
            if let candidate, candidate.hash != serving?.hash {
                if let serving, VersionOrder.compare(candidate.version.rawValue, serving.version.rawValue) < 0 {
                    warnings.append(
                        Notice(
                            level: .warning, code: "proposal_older",
                            message: "The rules propose \(candidate.version), older than the \(serving.version) served now; it will not move back."))
                } else {
                    proposed = candidate
                    if versionCounts[candidate.version.rawValue, default: 0] > 1 {
                        warnings.append(
                            Notice(
                                level: .warning, code: "hash_mismatch",
                                message: "Version \(candidate.version) was uploaded more than once with different bytes; the newest upload is proposed."))
                    }
                    if rule == .stable, !autoDeploy {
                        warnings.append(
                            Notice(level: .info, code: "needs_confirmation", message: "stable moves to \(candidate.version) only when confirmed."))
                    }
                }
            }
            return Entry(channel: channel.id, current: serving, proposed: proposed, warnings: warnings)
        }
        return ReleasePlan(entries: entries)
    }

    /// A fingerprint of the plan and of everything it was computed from: a publish names it,
    /// and is refused when the plan has changed since it was read.
    public func version(extensions: [ExtensionManifest], autoDeploy: Bool) -> String {
        var text = "auto_deploy=\(autoDeploy)\n"
        for manifest in extensions {
            text += "extension \(manifest.name) \(manifest.premium) \(manifest.beta?.text ?? "-") \(manifest.stable?.text ?? "-")\n"
        }
        for entry in entries {
            text += "\(entry.channel) \(entry.current?.hash.rawValue ?? "-") \(entry.proposed?.hash.rawValue ?? "-")\n"
        }
        return Self.fnv1a(text)
    }

    /// 64-bit FNV-1a, hex: enough to tell two plans apart (HeraldCore has no crypto).
    private static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
