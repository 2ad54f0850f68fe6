import HeraldCore
import HeraldStore
import NIOCore
import Synchronization

/// check_for_update answers, encoded once and served from memory for a short time.
///
/// The answer for a product, channel and site versions changes only when a build or channel
/// changes, so computing it per request wastes the database. Writes through this instance
/// drop the product's answers at once; writes through another instance sharing the database
/// are seen after at most ``lifetime``, so several instances agree within a second.
final class UpdateAnswerCache: Sendable {
    /// What the answer depends on: the request's fields as sent (a GET's raw query string, so a
    /// hit needs no parsing at all), the base of the URLs in it, and WordPress's User-Agent,
    /// whose site and version the answer depends on (rollouts, licenses, messages, requirements).
    struct Key: Hashable, Sendable {
        var fields: String
        var baseURL: String
        var wordpressAgent: String

        init(fields: String, baseURL: String, userAgent: String?) {
            self.fields = fields
            self.baseURL = baseURL
            wordpressAgent = userAgent.flatMap { $0.hasPrefix("WordPress/") ? $0 : nil } ?? ""
        }
    }

    /// One answer, as sent and gzipped, and what it adds to the install statistics each time it is given.
    struct Answer: Sendable {
        let body: ByteBuffer
        let gzipped: ByteBuffer
        let sample: InstallSample?
    }

    private struct Entry {
        let product: ProductID
        let answer: Answer
        let expires: ContinuousClock.Instant
    }

    /// The Content-Type of every answer kept here.
    static let contentType = "application/json; charset=utf-8"

    /// How long an answer is reused.
    let lifetime: Duration
    /// Past this many answers the cache starts again, so odd queries cannot grow it for ever.
    private let capacity: Int
    private struct State {
        var entries: [Key: Entry] = [:]
        /// Bumped by every invalidation of a product, so that an answer computed before a
        /// write and finished after it is not kept.
        var generations: [ProductID: UInt64] = [:]
    }

    private let state = Mutex(State())

    init(lifetime: Duration = .milliseconds(500), capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The answer kept for `key`, while it is fresh.
    func cached(_ key: Key) -> Answer? {
        let now = ContinuousClock.now
        guard let hit = state.withLock({ $0.entries[key] }), hit.expires > now else { return nil }
        return hit.answer
    }

    /// The answer `compute` makes about `product`, kept for `key` unless the product changed meanwhile.
    func answer(for key: Key, product: ProductID, compute: () async throws -> (ByteBuffer, InstallSample?)) async throws -> Answer {
        let now = ContinuousClock.now
        let generation = state.withLock { $0.generations[product, default: 0] }
        let (body, sample) = try await compute()
        let answer = Answer(body: body, gzipped: try ContentCoding.gzip(body), sample: sample)
        state.withLock { state in
            guard state.generations[product, default: 0] == generation else { return }
            if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            state.entries[key] = Entry(product: product, answer: answer, expires: now + lifetime)
        }
        return answer
    }

    /// Drops every answer about `product`, after a write that may change them.
    func invalidate(_ product: ProductID) {
        state.withLock { state in
            state.generations[product, default: 0] &+= 1
            state.entries = state.entries.filter { $0.value.product != product }
        }
    }
}
