import HeraldCore
import HeraldStore
import Hummingbird

/// `GET|POST /api/check_for_update/`: does a site on a channel have an update?
///
/// Fields come from the query, a form or a JSON body: product_name, release_channel (default
/// stable, with seed 000's no_channel warning), current_product_version, wordpress_version,
/// php_version, site_url, license. The rule is ``UpdateDecision``.
struct UpdateCheckRoutes<Context: RequestContext> {
    let store: any Store
    let publicURL: String?
    let cache: UpdateAnswerCache

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
        let urls: PublicURL

        enum CodingKeys: String, CodingKey {
            case updateAvailable = "update_available", newVersion = "new_version", currentVersion = "current_version"
            case productID = "product_id", productName = "product_name", channel, build, downloadURL = "download_url"
            case persistentDownloadURL = "persistent_download_url", requires, tested, requiresPHP = "requires_php"
            case changelog
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(decision.updateAvailable, forKey: .updateAvailable)
            try container.encode(decision.newVersion, forKey: .newVersion)
            try container.encode(currentVersion, forKey: .currentVersion)
            try container.encode(product.id, forKey: .productID)
            try container.encode(product.name, forKey: .productName)
            try container.encode(channel, forKey: .channel)
            guard decision.updateAvailable, let build else { return }
            try container.encode(BuildResource(build: build, urls: urls), forKey: .build)
            try container.encode(urls.download(of: build), forKey: .downloadURL)
            try container.encode(urls.persistentDownload(of: build), forKey: .persistentDownloadURL)
            try container.encode(build.requires, forKey: .requires)
            try container.encode(build.tested, forKey: .tested)
            try container.encode(build.requiresPHP, forKey: .requiresPHP)
            try container.encode(build.changelog, forKey: .changelog)
        }
    }

    private func check(_ request: Request, context: Context) async throws -> Response {
        let urls = PublicURL(configured: publicURL, request: request)
        let rawKey = request.method == .get ? UpdateAnswerCache.Key(fields: request.uri.query ?? "", baseURL: urls.base) : nil
        if let rawKey, let cached = cache.cached(rawKey) {
            return answerResponse(cached.body)
        }
        var request = request
        let fields = try await RequestFields.read(&request, context: context)
        let productID = try ProductID(validating: fields["product_name"] ?? fields["product_id"] ?? "", field: "product_name")
        var messages: [Notice] = []
        var channel: ChannelID
        if let named = fields["release_channel"] ?? fields["channel"] {
            channel = try ChannelID(validating: named, field: "release_channel")
        } else {
            channel = .stable
            messages.append(.noChannel)
        }
        // A license is checked on every request it comes with; one bound to a customer's
        // channel is answered from that channel, whatever channel the site names.
        if let key = fields["license"], !key.isEmpty {
            let site = fields["site_url"] ?? Self.siteURL(fromUserAgent: request.headers[.userAgent]) ?? ""
            let license = try await store.checkLicense(key: key, for: productID, site: site)
            if let bound = license.channel {
                channel = bound
                messages.removeAll { $0 == .noChannel }
            }
        }
        let current = try fields["current_product_version"].map { try Version(validating: $0, field: "current_product_version") }
        let wordpress = try fields["wordpress_version"].map { try Version(validating: $0, field: "wordpress_version").rawValue }
        let php = try fields["php_version"].map { try Version(validating: $0, field: "php_version").rawValue }

        let key = rawKey ?? UpdateAnswerCache.Key(
            fields: [productID.rawValue, messages.isEmpty ? channel.rawValue : "", current?.rawValue ?? "", wordpress ?? "", php ?? ""]
                .joined(separator: "\u{0}"),
            baseURL: urls.base)
        let body = try await cache.answer(for: key, product: productID) {
            guard let product = try await store.product(productID) else { throw HeraldError.unknownProduct(productID) }
            let build = try await store.servedBuild(for: channel, of: productID)
            let decision = UpdateDecision.decide(current: current, served: build, wordpressVersion: wordpress, phpVersion: php)
            messages += decision.notices
            return try encodeEnvelope(
                Answer(product: product, channel: channel, currentVersion: current, decision: decision, build: build, urls: urls),
                messages: messages)
        }
        return answerResponse(body)
    }

    /// The site in WordPress's `User-Agent: WordPress/6.1.9; https://example.com`.
    static func siteURL(fromUserAgent agent: String?) -> String? {
        guard let agent, agent.hasPrefix("WordPress/"), let separator = agent.firstIndex(of: ";") else { return nil }
        let site = agent[agent.index(after: separator)...].trimmingWhitespace()
        return site.isEmpty ? nil : site
    }

    private func answerResponse(_ body: ByteBuffer) -> Response {
        Response(status: .ok, headers: [.contentType: UpdateAnswerCache.contentType], body: .init(byteBuffer: body))
    }
}
