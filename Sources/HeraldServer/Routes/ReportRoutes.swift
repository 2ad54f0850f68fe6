import HeraldCore
import HeraldFormats
import HeraldStore
import Hummingbird
import Synchronization

/// `POST /api/v1/reports`: a site says how an update went. No API token: sites have none; the
/// report carries instead the `report_token` of the answer that offered the update
/// (``ReportTokens``), which binds it to that site, build and license. A report without one
/// (from an updater of before tokens) is kept as unverified: counted, never weighed by a guard.
/// The site's address is kept only as its salted digest, one report per site and version (a
/// later one replaces it). A report may halt a guarded
/// rollout (``RolloutGuard``); the answer says so. One address (an IPv6 /64) may send 300
/// reports in 10 minutes to an instance: a site sends one per update, and a shared host's
/// sites share an address.
final class ReportRoutes<Context: RequestContext>: Sendable {
    let store: any Store
    let authorization: Authorization
    let tokens: ReportTokens
    private let salt = Mutex<String?>(nil)
    private let recent = Mutex<[String: [ContinuousClock.Instant]]>([:])
    private var limit: Int { 300 }
    private var window: Duration { .seconds(600) }

    init(store: any Store, tokens: ReportTokens) {
        self.store = store
        self.tokens = tokens
        authorization = Authorization(store: store)
    }

    func register(on router: Router<Context>) {
        router.post("/api/v1/reports") { [self] request, context in
            try admit(LoginThrottle.network(of: ConsoleCookie.peer(of: request)))
            var request = request
            let fields = try await RequestFields.read(&request, context: context)
            var report = try OutcomeReport(
                product: try ProductID(validating: fields["product"] ?? fields["product_name"] ?? "", field: "product"),
                siteURL: fields["site_url"] ?? "", fromVersion: fields["from_version"], toVersion: fields["to_version"] ?? "",
                build: fields["build_hash"], outcome: fields["outcome"] ?? "", errorCode: fields["error_code"], errorMessage: fields["error_message"],
                wordpressVersion: fields["wordpress_version"], phpVersion: fields["php_version"])
            if let token = fields["report_token"] {
                let offered = try await tokens.verify(token, product: report.product, site: report.site, now: Int64(UTCDate.nowSeconds()))
                if let sent = report.build, sent != offered { throw HeraldError.reportTokenInvalid("it was given for another build") }
                report.build = offered
            }
            let verified = fields["report_token"] != nil
            let digest = InstallSample.siteDigest(of: report.site, salt: try await siteSalt()).hexString
            let halted = try await store.recordOutcome(report, siteDigest: digest, verified: verified)
            var response = try envelopeResponse(["recorded": true, "verified": verified, "halted_rollouts": !halted.isEmpty])
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
            versions.sort { VersionOrder.compare($0.version, $1.version) > 0 }
            return try envelopeResponse(["versions": versions])
        }
    }

    /// Counts a report from `address`; throws `too_many_attempts` past the limit. Addresses
    /// whose reports have all aged out are forgotten as it goes.
    private func admit(_ address: String) throws {
        let now = ContinuousClock.now
        let wait = recent.withLock { recent -> Int? in
            if recent.count > 100_000 { recent = recent.filter { $0.value.last.map { now - $0 < window } ?? false } }
            var times = (recent[address] ?? []).filter { now - $0 < window }
            defer { recent[address] = times }
            guard times.count < limit else {
                return Int(((times.first.map { window - (now - $0) } ?? window).components.seconds)) + 1
            }
            times.append(now)
            return nil
        }
        if let wait { throw HeraldError.tooManyAttempts(retryAfterSeconds: wait) }
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
