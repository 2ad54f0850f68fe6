import Crypto
import Foundation
import HeraldFormats

/// What one site gets: the only answer to "is there a build for me?" that Herald gives.
///
/// Made by ``CatalogSnapshot/decide(_:)``. Every endpoint that answers a site renders this
/// record in its own wire format and adds nothing to it: check_for_update, get_latest, the
/// WordPress actions and the GoUpdate documents differ in shape, never in substance.
public struct SiteDecision: Sendable, Equatable {
    /// Why the site is, or is not, offered the build.
    public enum Rule: String, Sendable {
        /// The channel serves no build yet.
        case noBuild = "no_build"
        /// The site already runs the served version or a newer one.
        case notNewer = "not_newer"
        case requiresWordPress = "requires_wordpress"
        case requiresPHP = "requires_php"
        case offered
    }

    /// Where the served build comes from.
    public enum Source: String, Sendable {
        /// What the channel serves to every site: its pin, else its latest build.
        case channel
        /// A staged rollout of the channel that this site falls in.
        case rollout
        /// A staged rollout of the channel, which this site gets first as one of the product's canaries.
        case canary
    }

    /// The channel the site named (stable when none).
    public var requestedChannel: ChannelID
    /// The channel the site is answered from: the one it named, or the customer channel its license binds it to.
    public var channel: ChannelID
    /// The channel at the end of ``channel``'s alias chain.
    public var servingChannel: ChannelID
    /// The build served to this site, offered or not; nil while the channel has none.
    public var build: Build?
    public var source: Source
    public var rule: Rule
    /// The site runs a yanked build and is offered its channel's older build in its place:
    /// answers say so, signed, and clients install an older version only then.
    public var downgrade: Bool = false
    /// A premium product asked about without a valid license: the answer names the version
    /// but gives no download.
    public var licenseRequired: Bool
    /// Every note for the site, in the order answers list them: `no_channel`, `build_yanked`
    /// (the installed version was yanked; an older build replaces it), why the build is not
    /// offered, `license_required` or why a free product's site's license was refused, then
    /// the display messages that target the site.
    public var notices: [Notice]

    /// Whether the site should install ``build``.
    public var updateAvailable: Bool { rule == .offered }
    /// The version the channel serves to this site, offered or not.
    public var newVersion: Version? { build?.version }
    /// Whether the answer may carry download URLs.
    public var mayDownload: Bool { build != nil && !licenseRequired }
}

extension CatalogSnapshot {
    /// Decides what the site asking `question` gets from this product.
    ///
    /// A customer channel named by a site whose license is not bound to it is refused
    /// (`channel_not_licensed`). In order: a license bound to a customer channel of the product answers from that
    /// channel, else the named channel (stable when none); aliases are followed to the channel
    /// that holds the build; a site with an address that falls in that channel's running
    /// rollout gets the rollout's build, and so does one of the product's ``Canaries`` at any
    /// share; the build is offered when it is newer than the installed version in
    /// `version_compare()` order, or older while the installed version is yanked (a
    /// ``SiteDecision/downgrade``), and the site's WordPress and PHP meet its requirements. Throws `unknown_channel` for a channel the product lacks.
    public func decide(_ question: SiteQuestion) throws(HeraldError) -> SiteDecision {
        let requested = question.channel ?? .stable
        if customerChannels.contains(requested), question.license?.channels[product.id] != requested {
            throw .channelNotLicensed(requested, of: product.id)
        }
        var notices: [Notice] = []
        var channel = requested
        if let bound = question.license?.channels[product.id], channels[bound] != nil {
            channel = bound
        } else if question.channel == nil {
            notices.append(.noChannel)
        }
        let serving = try servingChannel(for: channel)
        var build = serving.ownServedBuild.flatMap { builds[$0] }
        var source = SiteDecision.Source.channel
        if let rollout = rollouts[serving.id], let staged = builds[rollout.build] {
            if let site = question.site, rollout.includes(bucket: Self.rolloutBucket(of: site, build: rollout.build)) {
                build = staged
                source = .rollout
            } else if !rollout.paused, canaries.includes(question) {
                build = staged
                source = .canary
            }
        }
        var withdrawn: Build?
        if let build, let installed = question.installedVersion, let yankedBuild = yanked[installed], build.version != installed,
            !build.version.isNewer(than: installed)
        {
            withdrawn = yankedBuild
        }
        let rule = Self.rule(for: build, question: question, downgrade: withdrawn != nil)
        if let withdrawn, let build, rule == .offered {
            notices.append(
                Notice(
                    level: .warning, code: "build_yanked",
                    message: "\(product.name) \(withdrawn.version) was withdrawn (\(withdrawn.yank?.reason ?? "")); version \(build.version) replaces it."))
        }
        switch rule {
        case .noBuild:
            notices.append(Notice(level: .info, code: "no_build", message: "The channel has no build yet."))
        case .requiresWordPress, .requiresPHP:
            notices += Self.requirementNotices(for: build, question: question)
        case .notNewer, .offered:
            break
        }
        let licenseRequired = product.premium && question.license == nil
        if licenseRequired, rule == .offered, let build {
            notices.append(
                Notice(
                    level: .warning, code: "license_required",
                    message: "\(product.name) \(build.version) is available; enter a valid license key to download it."))
        }
        if let refused = question.refusedLicense { notices.append(refused) }
        notices += messages.filter {
            $0.applies(channel: channel, requestedChannel: requested, site: question.siteURL, licenseID: question.license?.id, at: question.now)
        }.map(\.notice)
        return SiteDecision(
            requestedChannel: requested, channel: channel, servingChannel: serving.id, build: build, source: source, rule: rule,
            downgrade: withdrawn != nil && rule == .offered, licenseRequired: licenseRequired, notices: notices)
    }

    /// Where a site falls for a rollout of `build`: the first 8 bytes of SHA-256(build, site)
    /// modulo 10,000. The build is hashed in, so each release starts with other sites.
    public static func rolloutBucket(of site: String, build: BuildHash) -> Int {
        let digest = SHA256.hash(data: Data("\(build.rawValue)\n\(site)".utf8))
        let prefix = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Int(prefix % UInt64(Rollout.bucketCount))
    }

    private static func rule(for build: Build?, question: SiteQuestion, downgrade: Bool) -> SiteDecision.Rule {
        guard let build else { return .noBuild }
        if !downgrade, let installed = question.installedVersion, !build.version.isNewer(than: installed) { return .notNewer }
        if let requires = build.requires, let wordpress = question.wordpressVersion, VersionOrder.compare(wordpress, requires) < 0 {
            return .requiresWordPress
        }
        if let requiresPHP = build.requiresPHP, let php = question.phpVersion, VersionOrder.compare(php, requiresPHP) < 0 {
            return .requiresPHP
        }
        return .offered
    }

    /// Offering a build that cannot run would break the site: each unmet requirement, said.
    private static func requirementNotices(for build: Build?, question: SiteQuestion) -> [Notice] {
        guard let build else { return [] }
        var notices: [Notice] = []
        if let requires = build.requires, let wordpress = question.wordpressVersion, VersionOrder.compare(wordpress, requires) < 0 {
            notices.append(
                Notice(
                    level: .warning, code: "requires_wordpress",
                    message: "Version \(build.version) needs WordPress \(requires) or newer; this site runs \(quoted(wordpress))."))
        }
        if let requiresPHP = build.requiresPHP, let php = question.phpVersion, VersionOrder.compare(php, requiresPHP) < 0 {
            notices.append(
                Notice(
                    level: .warning, code: "requires_php",
                    message: "Version \(build.version) needs PHP \(requiresPHP) or newer; this site runs \(quoted(php))."))
        }
        return notices
    }
}
