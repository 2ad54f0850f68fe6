import Foundation
import HeraldCore
import HeraldStore

/// A product as the API shows it (seed 000's product_id, product_name).
struct ProductResource: Encodable, Sendable {
    let product: Product

    enum CodingKeys: String, CodingKey {
        case productID = "product_id", productName = "product_name", kind, hidden, premium, homepage, description
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(product.id, forKey: .productID)
        try container.encode(product.name, forKey: .productName)
        try container.encode(product.kind, forKey: .kind)
        try container.encode(product.hidden, forKey: .hidden)
        try container.encode(product.premium, forKey: .premium)
        try container.encode(product.homepage, forKey: .homepage)
        try container.encode(product.description, forKey: .description)
    }
}

/// A channel with seed 000's field names, and the build it serves with aliases resolved.
struct ChannelResource: Encodable, Sendable {
    let channel: Channel
    let servedBuild: BuildHash?
    /// The ids of the licenses bound to a custom channel, in answers to token holders only; nil otherwise.
    var licenses: [String]? = nil

    enum CodingKeys: String, CodingKey {
        case channelID = "channel_id", channelName = "channel_name", channelDescription = "channel_description"
        case aliasFor = "alias_for", isCore = "is_core", isCustom = "is_custom", isFavourite = "is_favourite"
        case latestBuild = "latest_build", activeBuild = "active_build", servedBuild = "served_build", licenses
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(channel.id, forKey: .channelID)
        try container.encode(channel.name, forKey: .channelName)
        try container.encode(channel.description, forKey: .channelDescription)
        try container.encode(channel.aliasFor, forKey: .aliasFor)
        try container.encode(channel.isCore, forKey: .isCore)
        try container.encode(channel.isCustom, forKey: .isCustom)
        try container.encode(channel.isFavourite, forKey: .isFavourite)
        try container.encode(channel.latestBuild, forKey: .latestBuild)
        try container.encode(channel.activeBuild, forKey: .activeBuild)
        try container.encode(servedBuild, forKey: .servedBuild)
        try container.encodeIfPresent(licenses, forKey: .licenses)
    }
}

/// `{name, version}` of the tool that made a build.
struct BuilderResource: Encodable, Sendable {
    let name: String?
    let version: String?
}

/// A build object (seed 000's build model) with its download URLs.
struct BuildResource: Encodable, Sendable {
    let build: Build
    let downloadURL: String?
    let persistentDownloadURL: String?
    /// In a list the changelog is left out: a page of 500 builds would carry 500 of them.
    var listed = false

    init(build: Build, urls: PublicURL, listed: Bool = false) {
        self.build = build
        downloadURL = urls.download(of: build)
        persistentDownloadURL = urls.persistentDownload(of: build)
        self.listed = listed
    }

    /// With the URLs an answer chose for its asker, which may be none.
    init(build: Build, links: BuildLinks) {
        self.build = build
        downloadURL = links.download
        persistentDownloadURL = links.persistent
    }

    enum CodingKeys: String, CodingKey {
        case buildHash = "build_hash", md5, product, version, channel, timestamp, builder, uploadedBy = "uploaded_by"
        case size, fileName = "file_name", isLatest = "is_latest", requires, tested, requiresPHP = "requires_php"
        case changelog, downloadURL = "download_url", persistentDownloadURL = "persistent_download_url", sha384, yanked
    }

    /// `{reason, at, by}` of a yanked build; absent for every other.
    private struct YankedResource: Encodable {
        let reason: String
        /// Milliseconds since 1970, as a build's `timestamp`.
        let at: Int64
        let by: String
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(build.hash, forKey: .buildHash)
        try container.encode(build.md5, forKey: .md5)
        try container.encode(build.product, forKey: .product)
        try container.encode(build.version, forKey: .version)
        try container.encode(build.channel, forKey: .channel)
        try container.encode(build.timestamp, forKey: .timestamp)
        try container.encode(BuilderResource(name: build.builder.name, version: build.builder.version), forKey: .builder)
        try container.encode(build.uploadedBy, forKey: .uploadedBy)
        try container.encode(build.size, forKey: .size)
        try container.encode(build.fileName, forKey: .fileName)
        try container.encode(build.isLatest, forKey: .isLatest)
        try container.encode(build.requires, forKey: .requires)
        try container.encode(build.tested, forKey: .tested)
        try container.encode(build.requiresPHP, forKey: .requiresPHP)
        try container.encode(build.sha384, forKey: .sha384)
        if !listed { try container.encode(build.changelog, forKey: .changelog) }
        try container.encode(downloadURL, forKey: .downloadURL)
        try container.encode(persistentDownloadURL, forKey: .persistentDownloadURL)
        try container.encodeIfPresent(
            build.yank.map { YankedResource(reason: $0.reason, at: $0.at, by: $0.by) }, forKey: .yanked)
    }
}

/// What yanking a build did: the build, and the channels that fell back from it.
struct YankResource: Encodable, Sendable {
    let yanked: BuildResource
    let movedChannels: [ChannelID]

    enum CodingKeys: String, CodingKey {
        case yanked, movedChannels = "moved_channels"
    }
}

/// The get_latest answer of seed 000: every field of its example, plus the build's hash,
/// size, requirements, the package's SHA-384 and until when the (signed) answer holds.
struct LatestResource: Encodable, Sendable {
    let product: Product
    let channel: ChannelID
    let build: Build
    let links: BuildLinks
    /// Seconds since 1970 (``AnswerSignatures/expiry(now:)``).
    let expires: Int

    enum CodingKeys: String, CodingKey {
        case productName = "product_name", productID = "product_id", productVersion = "product_version"
        case builtOn = "built_on", builtBy = "built_by", downloadURL = "download_url"
        case persistentDownloadURL = "persistent_download_url", secureDownloadURL = "secure_download_url"
        case authenticatedDownloadURL = "authenticated_download_url", builder, channel, buildHash = "build_hash"
        case md5, size, fileName = "file_name", requires, tested, requiresPHP = "requires_php", changelog, sha384, expires
    }

    /// seed 000's `built_by`: a nickname, and an email when `uploaded_by` is one.
    struct BuiltBy: Encodable, Sendable {
        let nickname: String?
        let email: String?

        init(uploadedBy: String?) {
            guard let uploadedBy else {
                nickname = nil
                email = nil
                return
            }
            if uploadedBy.contains("@"), !uploadedBy.contains(" ") {
                email = uploadedBy
                nickname = String(uploadedBy.prefix { $0 != "@" })
            } else {
                email = nil
                nickname = uploadedBy
            }
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(product.name, forKey: .productName)
        try container.encode(product.id, forKey: .productID)
        try container.encode(build.version, forKey: .productVersion)
        // Seed 000 writes built_on as a string of digits: seconds since 1970.
        try container.encode(String(build.timestamp / 1000), forKey: .builtOn)
        try container.encode(BuiltBy(uploadedBy: build.uploadedBy), forKey: .builtBy)
        try container.encode(links.download, forKey: .downloadURL)
        try container.encode(links.persistent, forKey: .persistentDownloadURL)
        try container.encode(links.persistent ?? links.authenticated, forKey: .secureDownloadURL)
        try container.encode(links.authenticated, forKey: .authenticatedDownloadURL)
        try container.encode(BuilderResource(name: build.builder.name, version: build.builder.version), forKey: .builder)
        try container.encode(channel, forKey: .channel)
        try container.encode(build.hash, forKey: .buildHash)
        try container.encode(build.md5, forKey: .md5)
        try container.encode(build.size, forKey: .size)
        try container.encode(build.fileName, forKey: .fileName)
        try container.encode(build.requires, forKey: .requires)
        try container.encode(build.tested, forKey: .tested)
        try container.encode(build.requiresPHP, forKey: .requiresPHP)
        try container.encode(build.changelog, forKey: .changelog)
        try container.encode(build.sha384, forKey: .sha384)
        try container.encode(expires, forKey: .expires)
    }
}

/// A channel's `/history`: its pointer moves, and what happened to its staged rollouts.
struct HistoryResource: Encodable, Sendable {
    let moves: [MoveResource]
    let rolloutEvents: [RolloutEventResource]

    enum CodingKeys: String, CodingKey {
        case moves = "history", rolloutEvents = "rollout_events"
    }
}

/// A rollout's start, halt by its guard (with the figures) or completion.
struct RolloutEventResource: Encodable, Sendable {
    let event: RolloutEvent

    enum CodingKeys: String, CodingKey {
        case build, event, detail, at
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(event.build, forKey: .build)
        try container.encode(event.event, forKey: .event)
        try container.encode(event.detail, forKey: .detail)
        try container.encode(event.at, forKey: .at)
    }
}

/// A channel move for `/history/`.
struct MoveResource: Encodable, Sendable {
    let move: ChannelMove

    enum CodingKeys: String, CodingKey {
        case sequence, pointer, from, to, reason, actor, at
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(move.sequence, forKey: .sequence)
        try container.encode(move.pointer, forKey: .pointer)
        try container.encode(move.from, forKey: .from)
        try container.encode(move.to, forKey: .to)
        try container.encode(move.reason, forKey: .reason)
        try container.encode(move.actor, forKey: .actor)
        try container.encode(move.at, forKey: .at)
    }
}
