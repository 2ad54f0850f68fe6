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
/// What a site gets is ``CatalogSnapshot/decide(_:)``'s, as for every endpoint: a site may
/// send `license` (or `license_key`), `site_url` (or WordPress's User-Agent),
/// `wordpress_version` and `php_version` (or plugin-update-checker's `php`), as with
/// check_for_update. get_metadata, latest and check carry the decision's notices (display
/// messages, unmet requirements, license_required) in `messages` when there are any.
struct WordPressRoutes<Context: RequestContext> {
    let store: any Store
    let answers: SiteAnswers

    private static var actions: [String] { ["index", "show", "latest", "check", "get_metadata", "download"] }

    func register(on router: Router<Context>) {
        router.get("/wordpress") { request, _ in try await answer(request) }
        router.head("/wordpress") { request, _ in try await answer(request) }
    }

    private func answer(_ request: Request) async throws -> Response {
        let fields = RequestFields(query: request)
        // Seed 002's server lower-cases the action: `LATEST` is `latest`.
        switch fields["action"]?.lowercased() {
        case "index":
            let channel = try fields["channel"].map { try ChannelID(validating: $0, field: "channel") } ?? .stable
            return try json(try await index(channel: channel))
        case "show":
            let (slug, answer) = try await packageAnswer(request, fields, names: .wordpressLatest)
            switch fields["version"] {
            case nil:
                var versions: [String: Release] = [:]
                for build in try await servedBuilds(answer) { versions[build.version.rawValue] = try await release(build, answer) }
                return try json(PackageVersions(slug: slug, versions: versions))
            case "latest":
                return try json(try await release(try served(answer), answer))
            case let text?:
                let version = try Version(validating: text, field: "version")
                guard let build = try await servedBuilds(answer).first(where: { $0.version == version }) else {
                    throw HeraldError.unknownVersion(version, of: answer.product.id, channel: answer.decision.channel)
                }
                return try json(try await release(build, answer))
            }
        case "latest":
            let (_, answer) = try await packageAnswer(request, fields, names: .wordpressLatest)
            var release = try await release(try served(answer), answer)
            release.messages = answer.wordpressNotices
            return try json(release)
        case "check":
            // The installed version is required here, and checked before anything else.
            _ = try Version(validating: fields["version"] ?? "", field: "version")
            let (slug, answer) = try await packageAnswer(request, fields, names: .wordpressCheck)
            var release = try await release(try served(answer), answer)
            release.messages = answer.wordpressNotices
            return try json(CheckAnswer(slug: slug, release: release, newVersion: answer.decision.updateAvailable && !answer.decision.downgrade ? answer.decision.newVersion : nil))
        case "get_metadata":
            let answer = try await answers.answer(
                request, fields: fields, names: .pluginMetadata, product: try Self.plugin(fields["slug"]), serves: { $0.kind != .app })
            let build = try served(answer)
            let link = try await answers.links(for: answer)?.download
            let body = try PluginMetadataAnswer.body(for: answer, build: build, downloadURL: { link }, snapshots: answers.snapshots)
            return answers.signedResponse(body)
        case "download":
            let answer = try await answers.answer(
                request, fields: fields, names: .pluginMetadata, product: try Self.plugin(fields["slug"]), serves: { $0.kind != .app },
                counted: false)
            _ = try served(answer)
            guard let location = try await answers.links(for: answer)?.download else { throw HeraldError.licenseRequired(answer.product.id) }
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
            guard let snapshot = try await answers.snapshots.snapshot(of: product.id), let serving = try? snapshot.servingChannel(for: channel)
            else { continue }
            for build in try await servedBuilds(on: serving.id, of: snapshot) {
                paths.append("packages/\(Self.folder(of: product.kind))/\(product.id)/\(build.version)/release.json")
            }
        }
        return paths
    }

    /// The answer for a seed 002 slug, `plugins/ID` or `themes/ID`, whose product must be of
    /// that kind; with the slug as sent.
    private func packageAnswer(
        _ request: Request, _ fields: RequestFields, names: SiteAnswers.FieldNames
    ) async throws -> (String, SiteAnswers.Answer) {
        let expected = "plugins/ID or themes/ID"
        guard let slug = fields["slug"] else { throw HeraldError.invalidSlug("", expected: expected) }
        let parts = slug.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "plugins" || parts[0] == "themes" else {
            throw HeraldError.invalidSlug(slug, expected: expected)
        }
        let id = try ProductID(validating: String(parts[1]), field: "slug")
        let answer = try await answers.answer(
            request, fields: fields, names: names, product: id, serves: { $0.kind != .app && Self.folder(of: $0.kind) == parts[0] })
        return (slug, answer)
    }

    /// plugin-update-checker's slug: the product id (a `plugins/` or `themes/` prefix is allowed).
    static func plugin(_ slug: String?) throws -> ProductID {
        guard let slug, !slug.isEmpty else { throw HeraldError.invalidSlug("", expected: "the plugin's or theme's slug") }
        let bare = slug.hasPrefix("plugins/") || slug.hasPrefix("themes/") ? String(slug.drop { $0 != "/" }.dropFirst()) : slug
        return try ProductID(validating: bare, field: "slug")
    }

    /// The build the decision serves; `no_build` while the channel has none.
    private func served(_ answer: SiteAnswers.Answer) throws -> Build {
        guard let build = answer.decision.build else { throw HeraldError.noBuild(answer.decision.channel, of: answer.product.id) }
        return build
    }

    /// Every version the answer's channel has served, from memory while the product is unchanged.
    private func servedBuilds(_ answer: SiteAnswers.Answer) async throws -> [Build] {
        try await servedBuilds(on: answer.decision.servingChannel, of: answer.snapshot)
    }

    private func servedBuilds(on channel: ChannelID, of snapshot: CatalogSnapshot) async throws -> [Build] {
        try await answers.snapshots.derived("wordpress-versions:\(channel)", of: snapshot) {
            try await store.servedBuilds(for: channel, of: snapshot.product.id)
        }
    }

    /// A release whose package is the download URL this asker may use: none for a premium
    /// build without a license, so that WordPress offers no download.
    private func release(_ build: Build, _ answer: SiteAnswers.Answer) async throws -> Release {
        guard !answer.decision.licenseRequired else { return Release(build: build, package: "") }
        return Release(build: build, package: try await answers.links(to: build, for: answer).download ?? "")
    }

    static func folder(of kind: Product.Kind) -> String {
        kind == .theme ? "themes" : "plugins"
    }

    private func json<T: Encodable>(_ value: T) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return answers.signedResponse(ByteBuffer(bytes: try encoder.encode(value)))
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
        // As the vendor wrote it when it came from a release.json; else the upload's time.
        date = build.releaseDate ?? UTCDate.wordpress(Int(build.timestamp / 1000)) + " +0000"
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
