import HeraldCore
import HeraldStore
import Logging
import ServiceLifecycle
import Synchronization

/// Collects what update checks report and writes it to the store in batches, off the request
/// path: a check only adds its sample to a dictionary in memory; once a second (and when the
/// server stops) the samples are written as one transaction.
///
/// Samples of one site and product are merged until written, so the memory held is bounded
/// by the number of distinct sites per second; past ``capacity`` new sites are counted as
/// dropped and logged rather than held. Rows older than ``retentionDays`` are pruned hourly.
final class InstallStatsRecorder: Service, Sendable {
    private struct SiteKey: Hashable {
        let product: ProductID
        let siteDigest: String
    }

    private struct Pending {
        var samples: [SiteKey: (sample: InstallSample, checks: Int64)] = [:]
        var dropped = 0
    }

    /// How many sites one transaction of a flush writes.
    static let sitesPerTransaction = 250

    private let store: any Store
    private let logger: Logger
    private let capacity: Int
    let retentionDays: Int64
    private let pending = Mutex(Pending())
    private let salt = Mutex<String?>(nil)
    /// Serialises flushes, so a flush asked for by a stats request and the periodic one do not interleave.
    private let flushing = FlushGate()

    init(store: any Store, logger: Logger, capacity: Int = 100_000, retentionDays: Int64 = 90) {
        self.store = store
        self.logger = logger
        self.capacity = capacity
        self.retentionDays = retentionDays
    }

    /// Counts one check.
    private func record(_ sample: InstallSample) {
        let key = SiteKey(product: sample.product, siteDigest: sample.siteDigest)
        pending.withLock { pending in
            if let known = pending.samples[key] {
                pending.samples[key] = (sample, known.checks + 1)
            } else if pending.samples.count < capacity {
                pending.samples[key] = (sample, 1)
            } else {
                pending.dropped += 1
            }
        }
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
        record(
            InstallSample(
                product: answer.product.id, siteDigest: InstallSample.siteDigest(of: site, salt: salt), channel: answer.decision.channel,
                version: question.installedVersion?.rawValue, wordpressVersion: question.wordpressVersion, phpVersion: question.phpVersion))
        return true
    }

    /// Writes what is pending now.
    func flush() async throws {
        try await flushing.run {
            let (batch, dropped) = pending.withLock { pending in
                defer { pending = Pending() }
                return (Array(pending.samples.values), pending.dropped)
            }
            if dropped > 0 {
                logger.warning("install statistics dropped \(dropped) checks: more than \(capacity) new sites in one second")
            }
            // Written a few hundred sites per transaction, so a second's worth of distinct
            // sites never holds the database from the questions that need it.
            var written = 0
            do {
                while written < batch.count {
                    let chunk = Array(batch[written..<min(written + Self.sitesPerTransaction, batch.count)])
                    try await store.recordInstallSamples(chunk, day: Self.today())
                    written += chunk.count
                }
            } catch {
                // Keep what was not written for the next flush rather than lose it.
                pending.withLock { pending in
                    for entry in batch[written...] {
                        let key = SiteKey(product: entry.sample.product, siteDigest: entry.sample.siteDigest)
                        let later = pending.samples[key]
                        pending.samples[key] = (later?.sample ?? entry.sample, entry.checks + (later?.checks ?? 0))
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
