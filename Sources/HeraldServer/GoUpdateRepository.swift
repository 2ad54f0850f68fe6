import Foundation
import HeraldCore
import HeraldStore

/// A product's GoUpdate repository (seed 001): `index.json`, one `{Id}.json` per version and
/// one `{channel}.json` per channel, the same bytes whether served live or exported.
///
/// Seed 001 names the fields `Md5`, `source_type` and `url`; the GoUpdate client in wide use
/// (the MultiMC launcher's) reads `MD5`, `SourceType` and `Url` and skips `httpc`. Both
/// spellings are written, and every file's sources end with a plain `http` source. Channel
/// files carry an `Expires` time, and every document has a detached Ed25519 signature
/// (`NAME.sig`) for updaters that check them; plain GoUpdate clients ignore both.
public struct GoUpdateRepository: Sendable {
    public struct Version: Sendable {
        public let id: Int64
        public let name: String
        public let files: [BuildFile]
    }

    public struct ChannelPointer: Sendable {
        public let id: String
        public let name: String
        public let latestVersion: Int64
    }

    public let product: ProductID
    public let versions: [Version]
    public let channels: [ChannelPointer]
    /// Where the blobs are: a file's URL is `filesURL/HASH`. The live repository sets it per
    /// request, from the address the client used.
    public var filesURL: String
    /// When channel files stop being trusted: eight days from the start of today (UTC), so the
    /// same repository exported twice in a day is the same bytes.
    public let expires: Date

    /// The repository of the product of `snapshot`: its versions from the store, and each
    /// channel pointing at the version ``CatalogSnapshot/decide(_:)`` serves a GoUpdate client
    /// on it (which sends no site address, so never a rollout's build).
    public static func load(_ snapshot: CatalogSnapshot, store: any Store, filesURL: String, now: Date = Date()) async throws -> GoUpdateRepository {
        let product = snapshot.product.id
        var versions: [Version] = []
        var idsByVersion: [String: Int64] = [:]
        for entry in try await store.goUpdateVersions(of: product) {
            guard let build = try await store.build(of: product, version: entry.version) else { continue }
            versions.append(Version(id: entry.id, name: entry.version.rawValue, files: try await store.files(of: build.hash)))
            idsByVersion[entry.version.rawValue] = entry.id
        }
        var channels: [ChannelPointer] = []
        let millis = Int64(now.timeIntervalSince1970 * 1000)
        // A customer channel is its licenses' alone, never in a public repository.
        for channel in snapshot.channels.values.sorted(by: { $0.id < $1.id }) where !snapshot.customerChannels.contains(channel.id) {
            let decision = try snapshot.decide(SiteQuestion(channel: channel.id, now: millis))
            guard let served = decision.build, let id = idsByVersion[served.version.rawValue] else { continue }
            channels.append(ChannelPointer(id: channel.id.rawValue, name: channel.name, latestVersion: id))
        }
        let day = 86_400.0
        let expires = Date(timeIntervalSince1970: ((now.timeIntervalSince1970 / day).rounded(.down) + 8) * day)
        return GoUpdateRepository(product: product, versions: versions, channels: channels, filesURL: filesURL, expires: expires)
    }

    /// Every document by file name, `index.json` first, without signatures.
    public func documents() throws -> [(name: String, bytes: Data)] {
        var documents = [("index.json", try encode(Index(repository: self)))]
        for version in versions {
            documents.append(("\(version.id).json", try encode(VersionDocument(version: version, filesURL: filesURL))))
        }
        for channel in channels {
            documents.append(("\(channel.id).json", try encode(ChannelDocument(channel: channel, expires: expires))))
        }
        return documents
    }

    /// One document by file name (`index.json`, `{Id}.json`, `{channel}.json`), without its
    /// signature; nil when the repository has no such document.
    public func document(named name: String) throws -> Data? {
        if name == "index.json" { return try encode(Index(repository: self)) }
        guard name.hasSuffix(".json") else { return nil }
        let stem = String(name.dropLast(".json".count))
        if let version = versions.first(where: { String($0.id) == stem }) {
            return try encode(VersionDocument(version: version, filesURL: filesURL))
        }
        if let channel = channels.first(where: { $0.id == stem }) {
            return try encode(ChannelDocument(channel: channel, expires: expires))
        }
        return nil
    }

    /// Every blob the version files point at.
    public var blobs: Set<BuildHash> {
        Set(versions.flatMap { $0.files.flatMap { [$0.blob] + ($0.gzipBlob.map { [$0] } ?? []) } })
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
    let filesURL: String

    enum CodingKeys: String, CodingKey { case apiVersion = "ApiVersion", id = "Id", name = "Name", files = "Files" }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(0, forKey: .apiVersion)
        try container.encode(version.id, forKey: .id)
        try container.encode(version.name, forKey: .name)
        try container.encode(version.files.map { FileEntry(file: $0, filesURL: filesURL) }, forKey: .files)
    }
}

private struct FileEntry: Encodable {
    let file: BuildFile
    let filesURL: String

    enum CodingKeys: String, CodingKey { case path = "Path", md5 = "Md5", upperMD5 = "MD5", sources = "Sources" }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(file.path, forKey: .path)
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
    let expires: Date

    enum CodingKeys: String, CodingKey {
        case apiVersion = "ApiVersion", id = "Id", name = "Name", latestVersion = "LatestVersion", expires = "Expires"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(0, forKey: .apiVersion)
        try container.encode(channel.id, forKey: .id)
        try container.encode(channel.name, forKey: .name)
        try container.encode(channel.latestVersion, forKey: .latestVersion)
        try container.encode(ISO8601DateFormatter().string(from: expires), forKey: .expires)
    }
}
