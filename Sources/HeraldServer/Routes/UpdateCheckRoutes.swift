import HeraldCore
import HeraldStore
import Hummingbird

/// `GET|POST /api/check_for_update/`: does a site on a channel have an update?
///
/// Fields come from the query, a form or a JSON body: product_name, release_channel (default
/// stable, with seed 000's no_channel warning), current_product_version, wordpress_version,
/// php_version, site_url (or install_id), license. The rule is ``UpdateDecision``; the build
/// is the channel's, or a staged rollout's for the sites in it; a license bound to a customer
/// channel answers from that channel; a premium product gives download URLs only to licensed
/// sites; the product's display messages that target the site are added to `messages`.
struct UpdateCheckRoutes<Context: RequestContext> {
    let store: any Store
    let publicURL: String?
    let cache: UpdateAnswerCache
    let links: LicensedDownloadLinks
    let statistics: InstallStatsRecorder?

    func register(on router: Router<Context>) {
        router.get("/api/check_for_update") { request, context in try await check(request, context: context) }
        router.post("/api/check_for_update") { request, context in try await check(request, context: context) }
    }

    private struct Answer: Encodable, Sendable {
        let product: Product
        let channel: ChannelID
        let currentVersion: Version?
        let decision: UpdateDecision
        let build: Build?
        let links: BuildLinks?

        enum CodingKeys: String, CodingKey {
            case updateAvailable = "update_available", newVersion = "new_version", currentVersion = "current_version"
            case productID = "product_id", productName = "product_name", channel, build, downloadURL = "download_url"
            case persistentDownloadURL = "persistent_download_url", authenticatedDownloadURL = "authenticated_download_url"
            case requires, tested, requiresPHP = "requires_php", changelog
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(decision.updateAvailable, forKey: .updateAvailable)
            try container.encode(decision.newVersion, forKey: .newVersion)
            try container.encode(currentVersion, forKey: .currentVersion)
            try container.encode(product.id, forKey: .productID)
            try container.encode(product.name, forKey: .productName)
            try container.encode(channel, forKey: .channel)
            guard decision.updateAvailable, let build, let links else { return }
            try container.encode(BuildResource(build: build, links: links), forKey: .build)
            try container.encode(links.download, forKey: .downloadURL)
            try container.encode(links.persistent, forKey: .persistentDownloadURL)
            try container.encode(links.authenticated, forKey: .authenticatedDownloadURL)
            try container.encode(build.requires, forKey: .requires)
            try container.encode(build.tested, forKey: .tested)
            try container.encode(build.requiresPHP, forKey: .requiresPHP)
            try container.encode(build.changelog, forKey: .changelog)
        }
    }

    private func check(_ request: Request, context: Context) async throws -> Response {
        let urls = PublicURL(configured: publicURL, request: request)
        let agent = request.headers[.userAgent]
        let rawKey = request.method == .get ? UpdateAnswerCache.Key(fields: request.uri.query ?? "", baseURL: urls.base, userAgent: agent) : nil
        if let rawKey, let cached = cache.cached(rawKey) {
            if let sample = cached.sample { statistics?.record(sample) }
            return answerResponse(cached.body)
        }
        var request = request
        let fields = try await RequestFields.read(&request, context: context)
        let productID = try ProductID(validating: fields["product_name"] ?? fields["product_id"] ?? "", field: "product_name")
        var messages: [Notice] = []
        let requested: ChannelID
        if let named = fields["release_channel"] ?? fields["channel"] {
            requested = try ChannelID(validating: named, field: "release_channel")
        } else {
            requested = .stable
            messages.append(.noChannel)
        }
        let current = try fields["current_product_version"].map { try Version(validating: $0, field: "current_product_version") }
        let wordpress = try (fields["wordpress_version"] ?? Self.wordpressVersion(fromUserAgent: agent))
            .map { try Version(validating: $0, field: "wordpress_version").rawValue }
        let php = try fields["php_version"].map { try Version(validating: $0, field: "php_version").rawValue }
        // A license is checked on every request that is not answered from the cache.
        let requester = try await Requester.read(fields, headers: request.headers, product: productID, store: store)
        var channel = requested
        if let bound = try await requester.boundChannel(of: productID, store: store) {
            channel = bound
            messages.removeAll { $0 == .noChannel }
        }

        let key =
            rawKey
            ?? UpdateAnswerCache.Key(
                fields: [
                    productID.rawValue, messages.isEmpty ? requested.rawValue : "", current?.rawValue ?? "", wordpress ?? "", php ?? "",
                    fields["site_url"] ?? fields["install_id"] ?? "", fields["license"] ?? fields["license_key"] ?? "",
                ].joined(separator: "\u{0}"),
                baseURL: urls.base, userAgent: agent)
        let answer = try await cache.answer(for: key, product: productID) {
            guard let product = try await store.product(productID) else { throw HeraldError.unknownProduct(productID) }
            let build = try await store.servedBuild(for: channel, of: productID, site: requester.site)
            let decision = UpdateDecision.decide(current: current, served: build, wordpressVersion: wordpress, phpVersion: php)
            messages += decision.notices
            var buildLinks: BuildLinks?
            if decision.updateAvailable, let build {
                buildLinks = try await BuildLinks.make(for: build, product: product, license: requester.license, urls: urls, links: links)
                if product.premium, requester.license == nil { messages.append(BuildLinks.licenseNeeded(product, version: build.version)) }
            }
            messages += requester.notices(
                from: try await store.messages(of: productID), channel: channel, requested: requested, now: currentTimeMillis())
            let body = try encodeEnvelope(
                Answer(product: product, channel: channel, currentVersion: current, decision: decision, build: build, links: buildLinks),
                messages: messages)
            var sample: InstallSample?
            if let statistics, let site = requester.site {
                sample = try await statistics.sample(
                    product: productID, site: site, channel: channel, version: current?.rawValue, wordpress: wordpress, php: php)
            }
            return (body, sample)
        }
        if let sample = answer.sample { statistics?.record(sample) }
        return answerResponse(answer.body)
    }

    /// The version in WordPress's `User-Agent: WordPress/6.1.9; https://example.com`.
    static func wordpressVersion(fromUserAgent agent: String?) -> String? {
        guard let agent, agent.hasPrefix("WordPress/") else { return nil }
        let version = agent.dropFirst("WordPress/".count).prefix { $0 != ";" }
        return version.isEmpty ? nil : String(version)
    }

    private func answerResponse(_ body: ByteBuffer) -> Response {
        Response(status: .ok, headers: [.contentType: UpdateAnswerCache.contentType], body: .init(byteBuffer: body))
    }
}
