import HeraldCore
import HeraldStore
import Hummingbird

/// `GET|POST /api/check_for_update/`: does a site on a channel have an update?
///
/// Fields come from the query, a form or a JSON body: product_name, release_channel (default
/// stable, with seed 000's no_channel warning), current_product_version, wordpress_version,
/// php_version, site_url (or install_id), license. What the site gets is
/// ``CatalogSnapshot/decide(_:)``'s; this route writes it in seed 000's envelope and counts
/// the check in the install statistics.
struct UpdateCheckRoutes<Context: RequestContext> {
    let answers: SiteAnswers
    let statistics: InstallStatsRecorder?

    func register(on router: Router<Context>) {
        router.get("/api/check_for_update") { request, context in try await check(request, context: context) }
        router.post("/api/check_for_update") { request, context in try await check(request, context: context) }
    }

    private struct Answer: Encodable, Sendable {
        let product: Product
        let currentVersion: Version?
        let decision: SiteDecision
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
            try container.encode(decision.channel, forKey: .channel)
            guard decision.updateAvailable, let build = decision.build else { return }
            let links = links ?? BuildLinks()
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
        var request = request
        let fields = try await RequestFields.read(&request, context: context)
        let product = try ProductID(validating: fields["product_name"] ?? fields["product_id"] ?? "", field: "product_name")
        let answer = try await answers.answer(request, fields: fields, names: .updateCheck, product: product)
        let decision = answer.decision
        let links = decision.updateAvailable ? try await answers.links(for: answer) : nil
        if let statistics, let site = answer.question.site {
            statistics.record(
                try await statistics.sample(
                    product: product, site: site, channel: decision.channel, version: answer.question.installedVersion?.rawValue,
                    wordpress: answer.question.wordpressVersion, php: answer.question.phpVersion))
        }
        return try envelopeResponse(
            Answer(product: answer.product, currentVersion: answer.question.installedVersion, decision: decision, links: links),
            messages: decision.notices)
    }
}
