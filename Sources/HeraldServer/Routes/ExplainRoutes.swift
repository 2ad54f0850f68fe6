import HeraldCore
import HeraldStore
import Hummingbird

/// `GET /api/v1/{product}/explain` (token): which build a site gets and every rule that decided
/// it, from the answer path's own decision (``CatalogSnapshot/explain(_:)``). It takes
/// check_for_update's fields (`site_url`, `license`, `current_product_version`, `channel` or
/// `release_channel`, `wordpress_version`, `php_version`). Nothing is recorded: the question is
/// not counted, and a license is read, never activated for the site.
struct ExplainRoutes<Context: RequestContext> {
    let store: any Store
    let snapshots: CatalogSnapshots

    private var authorization: Authorization { Authorization(store: store) }

    func register(on router: Router<Context>) {
        router.get("/api/v1/{product}/explain") { request, context in
            let product = try context.parameters.product()
            _ = try await authorization.token(for: request, writing: product)
            guard let snapshot = try await snapshots.snapshot(of: product) else { throw HeraldError.unknownProduct(product) }
            let fields = RequestFields(query: request)
            var question = try SiteAnswers.question(fields, userAgent: nil, names: .updateCheck, channel: nil)
            if let key = fields["license"] ?? fields["license_key"] {
                if let license = try await store.license(key: key), license.products.contains(product),
                    license.status(at: question.now, for: product) == .active
                {
                    question.license = license
                } else {
                    let refusal = Notice(level: .warning, code: "license_invalid", message: "the license key is not valid for '\(product)' now")
                    guard !snapshot.product.premium else {
                        return try envelopeResponse(ExplanationResource(refusal: refusal, question: question, product: product))
                    }
                    question.refusedLicense = refusal
                }
            }
            let explanation = try snapshot.explain(question)
            return try envelopeResponse(ExplanationResource(explanation: explanation, question: question, product: product))
        }
    }
}

/// `{"product_id", "site", "requested_channel", "channel", "serving_channel", "source", "rule",
/// "update_available", "downgrade", "license_required", "build": {build_hash, version} | null,
/// "notices": [...], "steps": [{rule, detail}]}`.
struct ExplanationResource: Encodable, Sendable {
    struct StepResource: Encodable, Sendable {
        let rule: String
        let detail: String
    }

    struct BuildSummary: Encodable, Sendable {
        let buildHash: String
        let version: String

        enum CodingKeys: String, CodingKey {
            case buildHash = "build_hash", version
        }
    }

    let productID: String
    let site: String?
    let requestedChannel: String?
    let channel: String?
    let servingChannel: String?
    let source: String?
    let rule: String
    let updateAvailable: Bool
    let downgrade: Bool
    let licenseRequired: Bool
    let build: BuildSummary?
    let notices: [Notice]
    let steps: [StepResource]

    enum CodingKeys: String, CodingKey {
        case productID = "product_id", site, requestedChannel = "requested_channel", channel, servingChannel = "serving_channel", source, rule
        case updateAvailable = "update_available", downgrade, licenseRequired = "license_required", build, notices, steps
    }

    init(explanation: DecisionExplanation, question: SiteQuestion, product: ProductID) {
        let decision = explanation.decision
        productID = product.rawValue
        site = question.site
        requestedChannel = decision.requestedChannel.rawValue
        channel = decision.channel.rawValue
        servingChannel = decision.servingChannel.rawValue
        source = decision.source.rawValue
        rule = decision.rule.rawValue
        updateAvailable = decision.updateAvailable
        downgrade = decision.downgrade
        licenseRequired = decision.licenseRequired
        build = decision.build.map { BuildSummary(buildHash: $0.hash.rawValue, version: $0.version.rawValue) }
        notices = decision.notices
        steps = explanation.steps.map { StepResource(rule: $0.rule, detail: $0.detail) }
    }

    /// A premium product's site whose license is refused: its checks are refused too.
    init(refusal: Notice, question: SiteQuestion, product: ProductID) {
        productID = product.rawValue
        site = question.site
        requestedChannel = question.channel?.rawValue
        (channel, servingChannel, source, build) = (nil, nil, nil, nil)
        rule = "license_refused"
        (updateAvailable, downgrade, licenseRequired) = (false, false, false)
        notices = [refusal]
        steps = [StepResource(rule: "license", detail: "\(refusal.message): a premium product refuses the site's checks.")]
    }
}
