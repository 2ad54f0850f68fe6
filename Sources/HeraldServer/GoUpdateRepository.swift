import Foundation
import HeraldCore
import HeraldStore

/// A product's GoUpdate repository, the same bytes whether served live or exported, in two
/// layouts:
///
/// - Seed 001's, at the root: `index.json` with every build's id and every channel, one
///   `{Id}.json` per build and one `{channel}.json` per channel naming its latest id.
/// - MultiMC's, as its launcher reads it: `channels.json` lists the channels, each with the
///   URL of its own repository `{channel}/`, whose `index.json` lists only the builds that
///   channel has served, up to the one it serves now (after a rollback that one is the
///   highest listed, so the launcher offers it as a downgrade). `{channel}/{Id}.json` is every
///   build's version file, so a launcher finds the one it runs whichever channel it was on.
///
/// Seed 001 names the fields `Md5`, `source_type` and `url`; MultiMC reads `MD5`, `SourceType`
/// and `Url`, skips `httpc`, and sets each file's mode from `Perms`. Both spellings are written,
/// every file's sources end with a plain `http` source, and `Perms` is the mode the archive
/// gave the file (0644 when it gave none, and then there is no `Executable`). Channel and
/// version files name their product; channel files carry an `Expires` time and the catalog
/// `Revision` they were made from, and every document has a detached Ed25519 signature
/// (`NAME.sig`) for updaters that check them; plain GoUpdate clients ignore all three.
public struct GoUpdateRepository: Sendable {
    /// One app build: ids are given in upload order and never reused, so a client running one
    /// updates to any other.
    public struct Version: Sendable {
        public let id: Int64
        public let name: String
        public let files: [BuildFile]
    }

    /// A channel: the id of the build it serves a GoUpdate client, and every id it has served
    /// up to that one.
    public struct ChannelPointer: Sendable {
        public let id: String
        public let name: String
        public let description: String
        public let latestVersion: Int64
        public let servedVersions: [Int64]
    }

    /// The product's catalog revision the repository was made from: it only grows, so a
    /// client that remembers it can tell a replayed old channel file from a newer one.
    public let revision: Int64

    public let product: ProductID
    public let versions: [Version]
    public let channels: [ChannelPointer]
    /// Where the blobs are: a file's URL is `filesURL/HASH`. The live repository sets it per
    /// request, from the address the client used.
    public var filesURL: String
    /// Where the repository is: `channels.json` gives each channel's as `repositoryURL/CHANNEL/`
    /// (relative when empty). Set like ``filesURL``.
    public var repositoryURL: String
    /// When channel files stop being trusted: eight days from the start of today (UTC), so the
    /// same repository exported twice in a day is the same bytes.
    public let expires: Date

    /// The repository of the product of `snapshot`: its builds from the store, and each
    /// channel pointing at the build ``CatalogSnapshot/decide(_:)`` serves a GoUpdate client
    /// on it (which sends no site address, so never a rollout's build).
    public static func load(
        _ snapshot: CatalogSnapshot, store: any Store, filesURL: String, repositoryURL: String = "", now: Date = Date()
    ) async throws -> GoUpdateRepository {
        let product = snapshot.product.id
        var versions: [Version] = []
        var ids: [BuildHash: Int64] = [:]
        for entry in try await store.goUpdateBuilds(of: product) {
            versions.append(Version(id: entry.id, name: entry.build.version.rawValue, files: try await store.files(of: entry.build.hash)))
            ids[entry.build.hash] = entry.id
        }
        var channels: [ChannelPointer] = []
        let millis = Int64(now.timeIntervalSince1970 * 1000)
        // A customer channel is its licenses' alone, never in a public repository; a channel
        // made before `channels`, `files` and `index` were reserved would collide with the
        // repository's own names.
        let channelsShown = snapshot.channels.values.sorted(by: { $0.id < $1.id }).filter {
            !snapshot.customerChannels.contains($0.id) && !["channels", "files", "index"].contains($0.id.rawValue)
        }
        var shownIDs: Set<Int64> = []
        for channel in channelsShown {
            let decision = try snapshot.decide(SiteQuestion(channel: channel.id, now: millis))
            guard let served = decision.build, let latest = ids[served.hash] else { continue }
            let history = try await store.history(of: decision.servingChannel, of: product)
            let everServed = Set(history.compactMap { $0.to.flatMap { ids[$0] } }).union([latest])
            shownIDs.formUnion(everServed)
            let earlier = everServed.filter { $0 < latest }
            channels.append(
                ChannelPointer(
                    id: channel.id.rawValue, name: channel.name, description: channel.description, latestVersion: latest,
                    servedVersions: earlier.sorted() + [latest]))
        }
        let day = 86_400.0
        let expires = Date(timeIntervalSince1970: ((now.timeIntervalSince1970 / day).rounded(.down) + 8) * day)
        // Only builds a public channel has served: one only ever on a customer channel is not
        // listed, and its files are not served.
        return GoUpdateRepository(
            product: product, versions: versions.filter { shownIDs.contains($0.id) }, channels: channels, filesURL: filesURL,
            repositoryURL: repositoryURL, expires: expires, revision: snapshot.revision)
    }

    /// Every document by path, `index.json` first, without signatures.
    public func documents() throws -> [(name: String, bytes: Data)] {
        var documents = [("index.json", try encode(Index(repository: self)))]
        let versionFiles = try versions.map { ("\($0.id).json", try encode(VersionDocument(version: $0, product: product, filesURL: filesURL))) }
        documents += versionFiles
        for channel in channels {
            documents.append(("\(channel.id).json", try encode(ChannelDocument(channel: channel, repository: self))))
        }
        documents.append(("channels.json", try encode(ChannelList(repository: self))))
        for channel in channels {
            documents.append(("\(channel.id)/index.json", try encode(ChannelIndex(channel: channel, versions: versions))))
            documents += versionFiles.map { ("\(channel.id)/\($0.0)", $0.1) }
        }
        return documents
    }

    /// One document by path (`index.json`, `{Id}.json`, `{channel}.json`, `channels.json`,
    /// `{channel}/index.json`, `{channel}/{Id}.json`), without its signature; nil when the
    /// repository has no such document.
    public func document(named name: String) throws -> Data? {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 2 {
            guard let channel = channels.first(where: { $0.id == parts[0] }) else { return nil }
            if parts[1] == "index.json" { return try encode(ChannelIndex(channel: channel, versions: versions)) }
            return try versionDocument(named: parts[1])
        }
        guard parts.count == 1 else { return nil }
        if name == "index.json" { return try encode(Index(repository: self)) }
        if name == "channels.json" { return try encode(ChannelList(repository: self)) }
        if let document = try versionDocument(named: name[...]) { return document }
        guard name.hasSuffix(".json"), let channel = channels.first(where: { $0.id == name.dropLast(".json".count) }) else { return nil }
        return try encode(ChannelDocument(channel: channel, repository: self))
    }

    private func versionDocument(named name: Substring) throws -> Data? {
        guard name.hasSuffix(".json"), let version = versions.first(where: { String($0.id) == name.dropLast(".json".count) }) else {
            return nil
        }
        return try encode(VersionDocument(version: version, product: product, filesURL: filesURL))
    }

    /// Every blob the version files point at: all the repository serves under `files/`.
    public let blobs: Set<BuildHash>

    private init(
        product: ProductID, versions: [Version], channels: [ChannelPointer], filesURL: String, repositoryURL: String, expires: Date,
        revision: Int64
    ) {
        self.product = product
        self.versions = versions
        self.channels = channels
        self.filesURL = filesURL
        self.repositoryURL = repositoryURL
        self.expires = expires
        self.revision = revision
        blobs = Set(versions.flatMap { $0.files.flatMap { [$0.blob] + ($0.gzipBlob.map { [$0] } ?? []) } })
    }

    private func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}

private struct Index: Encodable {
    struct Entry: Encodable {
        let id: Int64
        let name: String
        enum CodingKeys: String, CodingKey { case id = "Id", name = "Name" }
    }

    struct ChannelEntry: Encodable {
        let id: String
        let name: String
        enum CodingKeys: String, CodingKey { case id = "Id", name = "Name" }
    }

    let apiVersion = 0
    let versions: [Entry]
    let channels: [ChannelEntry]

    init(repository: GoUpdateRepository) {
        versions = repository.versions.map { Entry(id: $0.id, name: $0.name) }
        channels = repository.channels.map { ChannelEntry(id: $0.id, name: $0.name) }
    }

    enum CodingKeys: String, CodingKey { case apiVersion = "ApiVersion", versions = "Versions", channels = "Channels" }
}

private struct VersionDocument: Encodable {
    let version: GoUpdateRepository.Version
    let product: ProductID
    let filesURL: String

    enum CodingKeys: String, CodingKey { case apiVersion = "ApiVersion", id = "Id", name = "Name", product = "Product", files = "Files" }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(0, forKey: .apiVersion)
        try container.encode(version.id, forKey: .id)
        try container.encode(version.name, forKey: .name)
        try container.encode(product.rawValue, forKey: .product)
        try container.encode(version.files.map { FileEntry(file: $0, filesURL: filesURL) }, forKey: .files)
    }
}

private struct FileEntry: Encodable {
    let file: BuildFile
    let filesURL: String

    enum CodingKeys: String, CodingKey {
        case path = "Path", md5 = "Md5", upperMD5 = "MD5", sources = "Sources", perms = "Perms", executable = "Executable"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(file.path, forKey: .path)
        // MultiMC sets every file's mode from Perms, so it is always there; Executable only
        // when the archive gave the mode, which tells Herald's client to apply it.
        try container.encode(file.installedPermissions ?? BuildFile.defaultPermissions, forKey: .perms)
        try container.encodeIfPresent(file.installedPermissions.map { $0 & 0o111 != 0 }, forKey: .executable)
        try container.encode(file.md5, forKey: .md5)
        try container.encode(file.md5, forKey: .upperMD5)
        var sources: [Source] = []
        if let gzip = file.gzipBlob {
            sources.append(Source(type: "httpc", url: "\(filesURL)/\(gzip)", compression: "gz"))
        }
        sources.append(Source(type: "http", url: "\(filesURL)/\(file.blob)", compression: nil))
        try container.encode(sources, forKey: .sources)
    }
}

private struct Source: Encodable {
    let type: String
    let url: String
    let compression: String?

    enum CodingKeys: String, CodingKey {
        case sourceType = "source_type", upperSourceType = "SourceType", url, upperURL = "Url", compression = "CompressionType"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .sourceType)
        try container.encode(type, forKey: .upperSourceType)
        try container.encode(url, forKey: .url)
        try container.encode(url, forKey: .upperURL)
        try container.encodeIfPresent(compression, forKey: .compression)
    }
}

private struct ChannelDocument: Encodable {
    let channel: GoUpdateRepository.ChannelPointer
    let repository: GoUpdateRepository

    enum CodingKeys: String, CodingKey {
        case apiVersion = "ApiVersion", id = "Id", name = "Name", product = "Product", latestVersion = "LatestVersion", expires = "Expires"
        case revision = "Revision"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(0, forKey: .apiVersion)
        try container.encode(channel.id, forKey: .id)
        try container.encode(repository.product.rawValue, forKey: .product)
        try container.encode(repository.revision, forKey: .revision)
        try container.encode(channel.name, forKey: .name)
        try container.encode(channel.latestVersion, forKey: .latestVersion)
        try container.encode(ISO8601DateFormatter().string(from: repository.expires), forKey: .expires)
    }
}

/// `channels.json` as MultiMC's launcher reads it: `format_version` 0 and, per channel, the URL
/// of its own repository, ending in `/` so that `index.json` resolves inside it.
private struct ChannelList: Encodable {
    struct Entry: Encodable {
        let id: String
        let name: String
        let description: String
        let url: String
    }

    let formatVersion = 0
    let channels: [Entry]

    init(repository: GoUpdateRepository) {
        let base = repository.repositoryURL.isEmpty ? "" : repository.repositoryURL + "/"
        channels = repository.channels.map { Entry(id: $0.id, name: $0.name, description: $0.description, url: "\(base)\($0.id)/") }
    }

    enum CodingKeys: String, CodingKey { case formatVersion = "format_version", channels }
}

/// A channel's own `index.json`: the builds it has served, up to the one it serves now.
private struct ChannelIndex: Encodable {
    struct Entry: Encodable {
        let id: Int64
        let name: String
        enum CodingKeys: String, CodingKey { case id = "Id", name = "Name" }
    }

    let apiVersion = 0
    let versions: [Entry]

    init(channel: GoUpdateRepository.ChannelPointer, versions: [GoUpdateRepository.Version]) {
        let names = Dictionary(versions.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        self.versions = channel.servedVersions.compactMap { id in names[id].map { Entry(id: id, name: $0) } }
    }

    enum CodingKeys: String, CodingKey { case apiVersion = "ApiVersion", versions = "Versions" }
}
