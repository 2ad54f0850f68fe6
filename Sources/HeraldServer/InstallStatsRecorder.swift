import Crypto
import HeraldCore
import HeraldStore
import Logging
import ServiceLifecycle
import Synchronization

/// Collects what update checks report and writes it to the store in batches, off the request
/// path: a check only adds to a few dictionaries in memory; once a second (and when the
/// server stops) what is new is written as a few transactions.
///
/// A site's row is written when it first checks in a day and when what it reports changes;
/// checks themselves are counted per product and day. What each site last reported today is
/// remembered (up to ``remembered`` sites, as a fingerprint), so a site that asks again with
/// nothing new costs no write. Memory is bounded: past ``capacity`` reports waiting to be
/// written, new ones are counted as dropped and logged rather than held, and past
/// ``remembered`` sites what is remembered starts again from the sites asking now. Rows older than
/// ``retentionDays`` are pruned hourly.
final class InstallStatsRecorder: Service, Sendable {
    private struct SiteKey: Hashable {
        let product: ProductID
        let day: Int64
        let site: SHA256.Digest
    }

    /// What one site reported, before it is written.
    private struct Report: Hashable {
        let channel: ChannelID
        let version: String?
        let wordpressVersion: String?
        let phpVersion: String?
    }

    private struct State {
        /// Reports not written yet.
        var pending: [SiteKey: Report] = [:]
        /// Checks not written yet.
        var checks: [ProductDay: Int64] = [:]
        var dropped = 0
        /// The fingerprint of the last report recorded (written or waiting) of each site on
        /// ``day``, keyed by the hash of the site's product and digest: 16 bytes a site.
        var recorded: [Int: Int] = [:]
        var day: Int64 = 0
    }

    /// How many sites one transaction of a flush writes.
    static let sitesPerTransaction = 250

    private let store: any Store
    private let logger: Logger
    private let capacity: Int
    private let remembered: Int
    let retentionDays: Int64
    private let state = Mutex(State())
    private let salt = Mutex<String?>(nil)
    /// Serialises flushes, so a flush asked for by a stats request and the periodic one do not interleave.
    private let flushing = FlushGate()

    init(store: any Store, logger: Logger, capacity: Int = 100_000, remembered: Int = 200_000, retentionDays: Int64 = 90) {
        self.store = store
        self.logger = logger
        self.capacity = capacity
        self.remembered = remembered
        self.retentionDays = retentionDays
    }

    /// Counts the check `answer` answered, when the site gave its address.
    func record(_ answer: SiteAnswers.Answer) async throws {
        guard answer.question.site != nil else { return }
        if recordNow(answer) { return }
        let salt = try await store.serverSecret(named: "install_stats_salt")
        self.salt.withLock { $0 = salt }
        _ = recordNow(answer)
    }

    /// ``record(_:)`` without waiting: false when the salt of site digests is not read yet.
    func recordNow(_ answer: SiteAnswers.Answer) -> Bool {
        guard let site = answer.question.site else { return true }
        guard let salt = salt.withLock({ $0 }) else { return false }
        let question = answer.question
        let day = Self.today()
        let report = Report(
            channel: answer.decision.channel, version: question.installedVersion?.rawValue, wordpressVersion: question.wordpressVersion,
            phpVersion: question.phpVersion)
        let fingerprint = report.hashValue
        // Remembered by the process's own keyed hash of the site: the salted digest the rows
        // keep is made only for a report that is new.
        var hasher = Hasher()
        hasher.combine(answer.product.id)
        hasher.combine(site)
        let siteHash = hasher.finalize()
        let counted = state.withLock { state -> Bool in
            guard state.day == day, state.recorded[siteHash] == fingerprint else { return false }
            state.checks[ProductDay(product: answer.product.id, day: day), default: 0] += 1
            return true
        }
        if counted { return true }
        let key = SiteKey(product: answer.product.id, day: day, site: InstallSample.siteDigest(of: site, salt: salt))
        state.withLock { state in
            if state.day != day {
                state.recorded = [:]
                state.day = day
            }
            state.checks[ProductDay(product: key.product, day: day), default: 0] += 1
            guard state.recorded[siteHash] != fingerprint else { return }
            guard state.pending.count < capacity || state.pending[key] != nil else {
                state.dropped += 1
                return
            }
            state.pending[key] = report
            // Full: start again with the sites asking now, rather than keep the first ones forever.
            if state.recorded.count >= remembered, state.recorded[siteHash] == nil {
                state.recorded.removeAll(keepingCapacity: true)
            }
            state.recorded[siteHash] = fingerprint
        }
        return true
    }

    /// Writes what is pending now.
    func flush() async throws {
        try await flushing.run {
            let (reports, checks, dropped) = state.withLock { state in
                defer {
                    state.pending = [:]
                    state.checks = [:]
                    state.dropped = 0
                }
                return (Array(state.pending), state.checks, state.dropped)
            }
            if dropped > 0 {
                logger.warning("install statistics dropped \(dropped) checks: more than \(capacity) new sites in one second")
            }
            // Written a few hundred sites per transaction, so a second's worth of new sites
            // never holds the database from the questions that need it; the checks go with
            // the first.
            var written = 0
            var checksWritten = false
            do {
                repeat {
                    let chunk = reports[written..<min(written + Self.sitesPerTransaction, reports.count)]
                    let samples = chunk.map { key, report in
                        InstallSample(
                            product: key.product, day: key.day, siteDigest: key.site.hexString, channel: report.channel,
                            version: report.version, wordpressVersion: report.wordpressVersion, phpVersion: report.phpVersion)
                    }
                    try await store.recordInstallSamples(samples, checks: checksWritten ? [:] : checks)
                    checksWritten = true
                    written += chunk.count
                } while written < reports.count
            } catch {
                // Keep what was not written for the next flush rather than lose it.
                state.withLock { state in
                    for (key, report) in reports[written...] where state.pending[key] == nil {
                        state.pending[key] = report
                    }
                    if !checksWritten {
                        state.checks.merge(checks, uniquingKeysWith: +)
                    }
                }
                throw error
            }
        }
    }

    func run() async throws {
        var lastPrune = ContinuousClock.now - .seconds(3600)
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            do {
                try await flush()
                if ContinuousClock.now - lastPrune >= .seconds(3600) {
                    try await store.pruneInstallStats(before: Self.today() - retentionDays)
                    lastPrune = .now
                }
            } catch {
                logger.error("install statistics could not be written: \(error)")
            }
        }
        try await flush()
    }

    /// Days since 1970, in UTC.
    static func today() -> Int64 {
        currentTimeMillis() / 86_400_000
    }
}

/// Lets one async operation run at a time.
private actor FlushGate {
    private var running = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func run(_ body: () async throws -> Void) async throws {
        while running {
            await withCheckedContinuation { waiting.append($0) }
        }
        running = true
        defer {
            running = false
            if !waiting.isEmpty { waiting.removeFirst().resume() }
        }
        try await body()
    }
}
