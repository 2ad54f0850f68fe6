import HeraldCore
import Prometheus
import Synchronization

/// What `/metrics` tells Prometheus: requests by route family and status with their latency,
/// update checks by product, channel and outcome, snapshot rebuilds, uploads and their bytes,
/// download bytes, running rollouts' exposure, and database and blob store errors.
///
/// Each server has its own registry (no process-wide state), so two servers in one process,
/// as in the tests, count apart. Every metric name keeps one set of label names.
public final class HeraldMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// The rollouts given an exposure at the last scrape, so one that ended is taken out.
    private let exposed = Mutex<Set<[String]>>([])
    /// The hot path's metrics, by their labels: the registry checks every name, label and help
    /// text each time it is asked, under one lock, which costs more than the answer itself.
    private let counters = Mutex<[String: Counter]>([:])
    /// Update checks by product, channel and outcome, counted here and written out by
    /// ``exposition(rollouts:)``: a catalog of 1,000 products and 20 channels has tens of
    /// thousands of these, and the registry copies a family's every series to add one.
    private let checkCounts = Mutex<[CheckKey: Int64]>([:])

    private struct CheckKey: Hashable {
        let product: String
        let channel: String
        let outcome: String
    }
    private let histograms = Mutex<[String: DurationHistogram]>([:])

    private func counter(_ key: String, _ make: () -> Counter) -> Counter {
        if let kept = counters.withLock({ $0[key] }) { return kept }
        let made = make()
        counters.withLock { $0[key] = made }
        return made
    }

    public init() {}

    private static func name(_ metric: String, unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "herald", metricName: metric, unitName: unit, helpText: help)
    }

    nonisolated(unsafe) private static let requests = name("http_requests", unit: "total", help: "HTTP requests answered, by route family and status.")
    nonisolated(unsafe) private static let latency = name("http_request_duration", unit: "seconds", help: "Time to answer a request, by route family.")
    nonisolated(unsafe) private static let checks = name(
        "update_checks", unit: "total",
        help: "Questions sites and apps asked, by product, channel and outcome (offered, current, refused_by_requirement, license_required, no_build).")
    nonisolated(unsafe) private static let rebuilds = name("snapshot_rebuilds", unit: "total", help: "Catalog snapshots read from the database.")
    nonisolated(unsafe) private static let uploads = name("uploads", unit: "total", help: "Files published, by kind (build, platform_file).")
    nonisolated(unsafe) private static let uploadBytes = name("upload_bytes", unit: "total", help: "Bytes of the files published, by kind.")
    nonisolated(unsafe) private static let downloadBytes = name("download_bytes", unit: "total", help: "Bytes of files sent, by route family.")
    nonisolated(unsafe) private static let exposure = name("rollout_exposure", unit: "percent", help: "The share of sites a running staged rollout offers its build to.")
    nonisolated(unsafe) private static let databaseErrors = name("database_errors", unit: "total", help: "Requests that failed because the database could not be reached.")
    nonisolated(unsafe) private static let blobErrors = name("blob_store_errors", unit: "total", help: "Requests that failed reading or writing the blob store.")

    private static let buckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10),
    ]

    /// A request answered, and how long it took.
    func request(family: String, status: Int, duration: Duration) {
        counter("r\u{0}\(family)\u{0}\(status)") {
            registry.makeCounter(descriptor: Self.requests, labels: [("family", family), ("status", String(status))])
        }.increment()
        let histogram =
            histograms.withLock { $0[family] }
            ?? {
                let made = registry.makeDurationHistogram(descriptor: Self.latency, labels: [("family", family)], buckets: Self.buckets)
                histograms.withLock { $0[family] = made }
                return made
            }()
        histogram.record(duration)
    }

    /// A site's or app's question answered. A customer channel is counted as `customer`: its
    /// name is its licenses' business.
    func updateCheck(_ decision: SiteDecision, of snapshot: CatalogSnapshot) {
        let channel = snapshot.customerChannels.contains(decision.channel) ? "customer" : decision.channel.rawValue
        let outcome: String
        switch decision.rule {
        case .offered: outcome = decision.licenseRequired ? "license_required" : "offered"
        case .notNewer: outcome = "current"
        case .requiresWordPress, .requiresPHP: outcome = "refused_by_requirement"
        case .noBuild: outcome = "no_build"
        }
        let key = CheckKey(product: snapshot.product.id.rawValue, channel: channel, outcome: outcome)
        checkCounts.withLock { $0[key, default: 0] += 1 }
    }

    func snapshotRebuilt() {
        registry.makeCounter(descriptor: Self.rebuilds, labels: []).increment()
    }

    func uploaded(kind: String, bytes: Int64) {
        registry.makeCounter(descriptor: Self.uploads, labels: [("kind", kind)]).increment()
        registry.makeCounter(descriptor: Self.uploadBytes, labels: [("kind", kind)]).increment(by: bytes)
    }

    func downloaded(family: String, bytes: Int64) {
        registry.makeCounter(descriptor: Self.downloadBytes, labels: [("family", family)]).increment(by: bytes)
    }

    func databaseError() {
        registry.makeCounter(descriptor: Self.databaseErrors, labels: []).increment()
    }

    func blobStoreError() {
        registry.makeCounter(descriptor: Self.blobErrors, labels: []).increment()
    }

    /// The text `/metrics` answers, with the running rollouts as they are now, each labelled
    /// with its product and channel (`customer` for a customer channel).
    func exposition(rollouts: [(rollout: Rollout, channel: String)]) -> [UInt8] {
        let running = Dictionary(
            rollouts.map { ([$0.rollout.product.rawValue, $0.channel], $0.rollout) }, uniquingKeysWith: { first, _ in first })
        // Under one lock, so two scrapes at once cannot bring back a rollout that ended.
        exposed.withLock { exposed in
            for ended in exposed.subtracting(running.keys) {
                registry.unregisterGauge(registry.makeGauge(descriptor: Self.exposure, labels: [("product", ended[0]), ("channel", ended[1])]))
            }
            exposed = Set(running.keys)
            for (key, rollout) in running {
                registry.makeGauge(descriptor: Self.exposure, labels: [("product", key[0]), ("channel", key[1])])
                    .set(rollout.paused ? 0 : Double(rollout.basisPoints) / 100)
            }
        }
        var text = registry.emitToBuffer()
        let counts = checkCounts.withLock { $0 }.sorted { ($0.key.product, $0.key.channel, $0.key.outcome) < ($1.key.product, $1.key.channel, $1.key.outcome) }
        let name = Self.checks.name
        text += Array("# HELP \(name) \(Self.checks.helpText ?? "")\n# TYPE \(name) counter\n".utf8)
        // Product and channel ids are slugs and outcomes fixed words: nothing to escape.
        for (key, count) in counts {
            text += Array("\(name){product=\"\(key.product)\",channel=\"\(key.channel)\",outcome=\"\(key.outcome)\"} \(count)\n".utf8)
        }
        return text
    }

    /// The family a path's route belongs to: a few stable names, whatever the path.
    static func family(of path: String) -> String {
        let parts = path.split(separator: "/", maxSplits: 2)
        guard let first = parts.first else { return "other" }
        switch first {
        case "api":
            if path.hasPrefix("/api/check_for_update") || path.hasPrefix("/api/get_latest") || path.hasSuffix("/latest")
                || path.hasSuffix("/latest/")
            {
                return "check"
            }
            return "api"
        case "wordpress": return "wordpress"
        case "file", "download", "licensed", "artifact": return "download"
        case "goupdate", "sparkle", "electron", "tauri", "tuf": return String(first)
        case "console", "products": return "console"
        case "healthz", "metrics", "openapi.json": return String(first)
        default: return "other"
        }
    }
}
