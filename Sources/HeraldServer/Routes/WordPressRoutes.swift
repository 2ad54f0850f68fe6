import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird

/// `/wordpress/?action=...`: the API of seed 002 (index, show, latest, check) and the query
/// interface of wp-update-server (get_metadata, download), so that a plugin built on
/// plugin-update-checker moves to Herald by changing one URL.
///
/// Seed 002's answers are bare JSON in its shapes, not the envelope; errors are the envelope
/// with a 4xx status. The versions listed are those the channel (`channel`, default stable)
/// has served and that still exist; "latest" is what the channel serves now.
///
/// A site may send `license` (or `license_key`) and `site_url`, as with check_for_update: the
/// license is checked and activated, a license bound to a customer channel answers from it,
/// a staged rollout counts the site, a premium product's package is a signed link only for
/// licensed sites, and get_metadata, latest and check carry the display messages that reach
/// the site in `messages` when there are any.
struct WordPressRoutes<Context: RequestContext> {
    let store: any Store
    let publicURL: String?
    let links: LicensedDownloadLinks

    private static var actions: [String] { ["index", "show", "latest", "check", "get_metadata", "download"] }

    func register(on router: Router<Context>) {
        router.get("/wordpress") { request, _ in try await answer(request) }
        router.head("/wordpress") { request, _ in try await answer(request) }
    }

    private func answer(_ request: Request) async throws -> Response {
        let fields = RequestFields(query: request)
        let urls = PublicURL(configured: publicURL, request: request)
        let requested = try fields["channel"].map { try ChannelID(validating: $0, field: "channel") } ?? .stable
        switch fields["action"] {
        case "index":
            return try json(try await index(channel: requested))
        case "show":
            let (slug, product) = try await package(fields["slug"])
            let asker = try await Asker.read(fields, request: request, product: product, requested: requested, store: store)
            let builds = try await store.servedBuilds(for: asker.channel, of: product.id)
            switch fields["version"] {
            case nil:
                var versions: [String: Release] = [:]
                for build in builds { versions[build.version.rawValue] = try await release(build, of: product, for: asker, urls: urls) }
                return try json(PackageVersions(slug: slug, versions: versions))
            case "latest":
                return try json(try await release(try await served(for: asker, of: product), of: product, for: asker, urls: urls))
            case let text?:
                let version = try Version(validating: text, field: "version")
                guard let build = builds.first(where: { $0.version == version }) else {
                    throw HeraldError.unknownVersion(version, of: product.id, channel: asker.channel)
                }
                return try json(try await release(build, of: product, for: asker, urls: urls))
            }
        case "latest":
            let (_, product) = try await package(fields["slug"])
            let asker = try await Asker.read(fields, request: request, product: product, requested: requested, store: store)
            var answer = try await release(try await served(for: asker, of: product), of: product, for: asker, urls: urls)
            answer.messages = try await asker.notices(store: store)
            return try json(answer)
        case "check":
            let (slug, product) = try await package(fields["slug"])
            let installed = try Version(validating: fields["version"] ?? "", field: "version")
            let asker = try await Asker.read(fields, request: request, product: product, requested: requested, store: store)
            let build = try await served(for: asker, of: product)
            let newer = VersionOrder.compare(build.version.rawValue, installed.rawValue) > 0
            var answer = try await release(build, of: product, for: asker, urls: urls)
            answer.messages = try await asker.notices(store: store)
            return try json(CheckAnswer(slug: slug, release: answer, newVersion: newer ? build.version : nil))
        case "get_metadata":
            let product = try await plugin(fields["slug"])
            let asker = try await Asker.read(fields, request: request, product: product, requested: requested, store: store)
            let build = try await served(for: asker, of: product)
            let links = try await BuildLinks.make(for: build, product: product, license: asker.requester.license, urls: urls, links: links)
            return try json(
                PluginMetadata(product: product, build: build, urls: urls, downloadURL: links.download, messages: try await asker.notices(store: store)))
        case "download":
            let product = try await plugin(fields["slug"])
            let asker = try await Asker.read(fields, request: request, product: product, requested: requested, store: store)
            let build = try await served(for: asker, of: product)
            let links = try await BuildLinks.make(for: build, product: product, license: asker.requester.license, urls: urls, links: links)
            guard let location = links.download else { throw HeraldError.licenseRequired(product.id) }
            return Response(status: .found, headers: [.location: location, .cacheControl: "no-cache"])
        case let action:
            throw HeraldError.invalidAction(action, known: Self.actions)
        }
    }

    /// Seed 002's index: a `release.json` path for every version of every visible plugin and theme.
    private func index(channel: ChannelID) async throws -> [String] {
        var paths: [String] = []
        let packages = try await store.products().filter { $0.kind != .app }.sorted {
            (Self.folder(of: $0.kind), $0.id.rawValue) < (Self.folder(of: $1.kind), $1.id.rawValue)
        }
        for product in packages {
            guard try await store.channel(channel, of: product.id) != nil else { continue }
            for build in try await store.servedBuilds(for: channel, of: product.id) {
                paths.append("packages/\(Self.folder(of: product.kind))/\(product.id)/\(build.version)/release.json")
            }
        }
        return paths
    }

    /// A seed 002 slug, `plugins/ID` or `themes/ID`, and its product, whose kind must match.
    private func package(_ slug: String?) async throws -> (String, Product) {
        let expected = "plugins/ID or themes/ID"
        guard let slug else { throw HeraldError.invalidSlug("", expected: expected) }
        let parts = slug.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "plugins" || parts[0] == "themes" else {
            throw HeraldError.invalidSlug(slug, expected: expected)
        }
        let id = try ProductID(validating: String(parts[1]), field: "slug")
        guard let product = try await store.product(id), !product.hidden, Self.folder(of: product.kind) == parts[0] else {
            throw HeraldError.unknownProduct(id)
        }
        return (slug, product)
    }

    /// plugin-update-checker's slug: the product id (a `plugins/` or `themes/` prefix is allowed).
    private func plugin(_ slug: String?) async throws -> Product {
        guard let slug, !slug.isEmpty else { throw HeraldError.invalidSlug("", expected: "the plugin's or theme's slug") }
        let bare = slug.hasPrefix("plugins/") || slug.hasPrefix("themes/") ? String(slug.drop { $0 != "/" }.dropFirst()) : slug
        let id = try ProductID(validating: bare, field: "slug")
        guard let product = try await store.product(id), product.kind != .app else { throw HeraldError.unknownProduct(id) }
        return product
    }

    private func served(for asker: Asker, of product: Product) async throws -> Build {
        guard let build = try await store.servedBuild(for: asker.channel, of: product.id, site: asker.requester.site) else {
            throw HeraldError.noBuild(asker.channel, of: product.id)
        }
        return build
    }

    /// A release whose package is the download URL this asker may use.
    private func release(_ build: Build, of product: Product, for asker: Asker, urls: PublicURL) async throws -> Release {
        let links = try await BuildLinks.make(for: build, product: product, license: asker.requester.license, urls: urls, links: links)
        // A premium build without a license has no package: WordPress then offers no download.
        return Release(build: build, package: links.download ?? "")
    }

    /// The asker of a WordPress request and the channel it is answered from.
    private struct Asker {
        let requester: Requester
        let product: ProductID
        let requested: ChannelID
        let channel: ChannelID

        static func read(
            _ fields: RequestFields, request: Request, product: Product, requested: ChannelID, store: any Store
        ) async throws -> Asker {
            let requester = try await Requester.read(fields, headers: request.headers, product: product.id, store: store)
            let channel = try await requester.boundChannel(of: product.id, store: store) ?? requested
            return Asker(requester: requester, product: product.id, requested: requested, channel: channel)
        }

        func notices(store: any Store) async throws -> [Notice]? {
            let notices = requester.notices(
                from: try await store.messages(of: product), channel: channel, requested: requested, now: currentTimeMillis())
            return notices.isEmpty ? nil : notices
        }
    }

    private static func folder(of kind: Product.Kind) -> String {
        kind == .theme ? "themes" : "plugins"
    }

    private func json<T: Encodable>(_ value: T) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

/// One version in seed 002's shape: `{"version", "date", "package"}`, and the display
/// messages for the site when there are any.
private struct Release: Encodable {
    let version: String
    let date: String
    let package: String
    var messages: [Notice]?

    init(build: Build, package: String) {
        version = build.version.rawValue
        date = UTCDate.wordpress(Int(build.timestamp / 1000)) + " +0000"
        self.package = package
    }
}

/// Seed 002's `show` without a version: `{"slug", "versions": {VERSION: release}}`.
private struct PackageVersions: Encodable {
    let slug: String
    let versions: [String: Release]
}

/// Seed 002's `check`: the served release with its slug, and `new_version` only when newer.
private struct CheckAnswer: Encodable {
    let slug: String
    let release: Release
    let newVersion: Version?

    enum CodingKeys: String, CodingKey {
        case slug, version, date, package, newVersion = "new_version", messages
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(slug, forKey: .slug)
        try container.encode(release.version, forKey: .version)
        try container.encode(release.date, forKey: .date)
        try container.encode(release.package, forKey: .package)
        try container.encodeIfPresent(newVersion, forKey: .newVersion)
        try container.encodeIfPresent(release.messages, forKey: .messages)
    }
}
