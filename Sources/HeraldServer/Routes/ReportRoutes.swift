import HeraldCore
import HeraldStore
import Hummingbird
import Synchronization

/// `POST /api/v1/reports`: a site says how an update went. No token: sites have none. The
/// site's address is kept only as its salted digest, one report per site and version (a later
/// one replaces it), for a version the product has a build of. A report may halt a guarded
/// rollout (``RolloutGuard``); the answer says so.
final class ReportRoutes<Context: RequestContext>: Sendable {
    let store: any Store
    let authorization: Authorization
    private let salt = Mutex<String?>(nil)

    init(store: any Store) {
        self.store = store
        authorization = Authorization(store: store)
    }

    func register(on router: Router<Context>) {
        router.post("/api/v1/reports") { [self] request, context in
            var request = request
            let fields = try await RequestFields.read(&request, context: context)
            let report = try OutcomeReport(
                product: try ProductID(validating: fields["product"] ?? fields["product_name"] ?? "", field: "product"),
                siteURL: fields["site_url"] ?? "", fromVersion: fields["from_version"], toVersion: fields["to_version"] ?? "",
                outcome: fields["outcome"] ?? "", errorCode: fields["error_code"], errorMessage: fields["error_message"],
                wordpressVersion: fields["wordpress_version"], phpVersion: fields["php_version"])
            let digest = InstallSample.siteDigest(of: report.site, salt: try await siteSalt()).hexString
            let halted = try await store.recordOutcome(report, siteDigest: digest)
            var response = try envelopeResponse(["recorded": true, "halted_rollouts": !halted.isEmpty])
            response.status = .accepted
            return response
        }
        // The vendor's view: how many sites reported each version installed or failed.
        router.get("/api/v1/{product}/outcomes") { [self] request, context in
            let product = try context.parameters.product()
            _ = try await authorization.token(for: request, writing: product)
            var versions: [OutcomeCountResource] = []
            for (version, build, outcome, reports) in try await store.outcomeCounts(of: product) {
                if versions.last?.version != version || versions.last?.build != build {
                    versions.append(OutcomeCountResource(version: version, build: build))
                }
                versions[versions.count - 1].count(outcome, reports)
            }
            return try envelopeResponse(["versions": versions])
        }
    }

    /// The salt of the install statistics' site digests, read once: a report's site is kept as
    /// the same digest as its checks.
    private func siteSalt() async throws -> String {
        if let known = salt.withLock({ $0 }) { return known }
        let read = try await store.serverSecret(named: "install_stats_salt")
        salt.withLock { $0 = read }
        return read
    }
}

/// One version's reports, by outcome.
struct OutcomeCountResource: Encodable, Sendable {
    let version: String
    let build: BuildHash
    var installed = 0
    var failed = 0
    var rolledBack = 0

    init(version: String, build: BuildHash) {
        self.version = version
        self.build = build
    }

    mutating func count(_ outcome: String, _ reports: Int) {
        switch OutcomeReport.Outcome(rawValue: outcome) {
        case .installed: installed += reports
        case .failed: failed += reports
        case .rolledBack: rolledBack += reports
        case nil: break
        }
    }

    enum CodingKeys: String, CodingKey {
        case version, build, installed, failed, rolledBack = "rolled_back"
    }
}
