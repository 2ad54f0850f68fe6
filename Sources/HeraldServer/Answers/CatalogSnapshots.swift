import HeraldCore
import HeraldStore
import Logging
import ServiceLifecycle
import Synchronization

/// The answer path's memory: one ``CatalogSnapshot`` per product, read from the store once and
/// replaced after every write to the product, so answering a site costs no database query.
///
/// A write through this instance drops the product's snapshot when its transaction commits
/// (``CatalogChanges``), before the write's request is answered: the next request reads the
/// new catalog. Writes through other instances sharing the database are noticed by polling
/// every product's revision every ``pollInterval``, so they are answered within a second.
/// Concurrent requests for a product whose snapshot is being read wait for that one read.
///
/// Memory grows with the catalog (products, their channels and served builds, and a few
/// answers derived per product revision), never with the variety of questions asked.
final class CatalogSnapshots: Service, Sendable {
    /// One read of a product's snapshot, which concurrent requests share.
    private struct Load {
        let id: UInt64
        /// The product's local generation when the read began.
        let generation: UInt64
        /// The product's revision as known when the read began: a request that knows of a newer one starts another read.
        let revision: Int64
        let task: Task<CatalogSnapshot?, any Error>
    }

    /// Values derived from one snapshot (rendered documents, listings), dropped with it.
    private struct Derived {
        let revision: Int64
        var values: [String: any Sendable]
    }

    private struct State {
        /// Every product's revision as last polled; nil before the first poll.
        var revisions: [ProductID: Int64]?
        var snapshots: [ProductID: CatalogSnapshot] = [:]
        var loads: [ProductID: Load] = [:]
        var nextLoad: UInt64 = 0
        /// Raised by every local write to a product, so a read begun before it is not kept.
        var generations: [ProductID: UInt64] = [:]
        /// Products written here since the running poll began, which that poll may not see yet.
        var writtenDuringPoll: Set<ProductID> = []
        /// The poll running now, which every caller of ``poll()`` meanwhile waits for.
        var poll: Task<Void, any Error>?
        /// When the read of the last poll that succeeded began.
        var polledAt: ContinuousClock.Instant?
        var derived: [ProductID: Derived] = [:]
        /// Encoded answers per base URL (``derivedNow(_:of:make:)``), apart from `derived`:
        /// a client that varies its Host header churns these, never the documents.
        var encoded: [ProductID: Derived] = [:]
    }

    private let store: any Store
    private let logger: Logger
    let pollInterval: Duration
    /// How many derived values a product keeps per revision.
    private let derivedLimit = 32
    private let state = Mutex(State())
    private let pollObservers = Mutex<[@Sendable (Set<ProductID>) -> Void]>([])

    /// Counts the snapshots read from the database.
    private let metrics: HeraldMetrics?

    init(store: any Store, logger: Logger, pollInterval: Duration = .milliseconds(250), metrics: HeraldMetrics? = nil) {
        self.store = store
        self.logger = logger
        self.pollInterval = pollInterval
        self.metrics = metrics
        store.catalogChanges.observe { [weak self] products in self?.forget(products) }
    }

    /// The product's snapshot, or nil when there is no such product.
    func snapshot(of product: ProductID) async throws -> CatalogSnapshot? {
        if state.withLock({ $0.revisions == nil }) { try await poll() }
        enum Step {
            case known(CatalogSnapshot?)
            case wait(Task<CatalogSnapshot?, any Error>)
        }
        let step: Step = state.withLock { state in
            guard let revision = state.revisions?[product] else { return .known(nil) }
            // A snapshot read after the last poll may be newer than the revision polled.
            if let snapshot = state.snapshots[product], snapshot.revision >= revision { return .known(snapshot) }
            let generation = state.generations[product, default: 0]
            if let load = state.loads[product], load.generation == generation, load.revision >= revision { return .wait(load.task) }
            state.nextLoad &+= 1
            let id = state.nextLoad
            let task = Task { try await self.load(product, id: id, generation: generation) }
            state.loads[product] = Load(id: id, generation: generation, revision: revision, task: task)
            return .wait(task)
        }
        switch step {
        case .known(let snapshot): return snapshot
        case .wait(let task): return try await task.value
        }
    }

    /// Reads the product's snapshot and keeps it, unless a local write came meanwhile.
    private func load(_ product: ProductID, id: UInt64, generation: UInt64) async throws -> CatalogSnapshot? {
        let loaded: CatalogSnapshot?
        do {
            loaded = try await store.catalogSnapshot(of: product)
            metrics?.snapshotRebuilt()
        } catch {
            state.withLock { state in
                if state.loads[product]?.id == id { state.loads[product] = nil }
            }
            throw error
        }
        state.withLock { state in
            if state.loads[product]?.id == id { state.loads[product] = nil }
            guard state.generations[product, default: 0] == generation else { return }
            if let loaded {
                if let kept = state.snapshots[product], kept.revision > loaded.revision { return }
                state.snapshots[product] = loaded
                let known = state.revisions?[product] ?? loaded.revision
                state.revisions?[product] = max(known, loaded.revision)
            } else {
                state.snapshots[product] = nil
                state.revisions?[product] = nil
            }
        }
        return loaded
    }

    /// The product's snapshot when it is in memory and current, without waiting for a read:
    /// for answers made on the connection's event loop, which must never wait.
    func snapshotInMemory(of product: ProductID) -> CatalogSnapshot? {
        state.withLock { state in
            guard let revision = state.revisions?[product], let snapshot = state.snapshots[product], snapshot.revision >= revision else {
                return nil
            }
            return snapshot
        }
    }

    /// A value derived from the product's snapshot `snapshot`, made once per revision and `key`.
    ///
    /// For answers that are cheap to ask and expensive to make (GoUpdate repositories, release
    /// plans, version listings, encoded builds). `key` names a document and at most a base URL,
    /// never the whole request; past ``derivedLimit`` keys the kept values are dropped, so
    /// varied keys cost time, never memory.
    func derived<T: Sendable>(
        _ key: String, of snapshot: CatalogSnapshot, make: () async throws -> T
    ) async throws -> T {
        if let kept: T = kept(key, of: snapshot, in: \.derived) { return kept }
        let value = try await make()
        keep(value, as: key, of: snapshot, in: \.derived)
        return value
    }

    /// An encoded answer (plugin metadata) made at once, on any thread, and
    /// kept like ``derived(_:of:make:)`` values but apart from them.
    func derivedNow<T: Sendable>(_ key: String, of snapshot: CatalogSnapshot, make: () throws -> T) rethrows -> T {
        if let kept: T = kept(key, of: snapshot, in: \.encoded) { return kept }
        let value = try make()
        keep(value, as: key, of: snapshot, in: \.encoded)
        return value
    }

    private func kept<T: Sendable>(_ key: String, of snapshot: CatalogSnapshot, in pool: WritableKeyPath<State, [ProductID: Derived]>) -> T? {
        state.withLock { state in
            guard let derived = state[keyPath: pool][snapshot.product.id], derived.revision == snapshot.revision else { return nil }
            return derived.values[key] as? T
        }
    }

    private func keep(
        _ value: any Sendable, as key: String, of snapshot: CatalogSnapshot, in pool: WritableKeyPath<State, [ProductID: Derived]>
    ) {
        let product = snapshot.product.id
        state.withLock { state in
            guard state.snapshots[product]?.revision == snapshot.revision else { return }
            var derived = state[keyPath: pool][product].flatMap { $0.revision == snapshot.revision ? $0 : nil }
                ?? Derived(revision: snapshot.revision, values: [:])
            // A few per channel (its build's encoded parts), so a product with many channels
            // does not churn them.
            if derived.values.count >= derivedLimit + 2 * snapshot.channels.count { derived.values.removeAll() }
            derived.values[key] = value
            state[keyPath: pool][product] = derived
        }
    }

    /// Drops what is known of `products` after a local write to them.
    private func forget(_ products: Set<ProductID>) {
        state.withLock { state in
            for product in products {
                state.generations[product, default: 0] &+= 1
                state.snapshots[product] = nil
                state.loads[product] = nil
                state.derived[product] = nil
                state.encoded[product] = nil
                if state.revisions != nil, state.revisions?[product] == nil { state.revisions?[product] = 0 }
                state.writtenDuringPoll.insert(product)
            }
        }
    }

    /// Calls `observer` with the products whose revision a poll found changed: written by other
    /// instances (or by this one), or gone.
    func observePolledChanges(_ observer: @escaping @Sendable (Set<ProductID>) -> Void) {
        pollObservers.withLock { $0.append(observer) }
    }

    /// Reads every product's revision and drops the snapshots whose revision differs (other
    /// instances wrote to the product, or the database was restored). Concurrent callers share
    /// one read.
    func poll() async throws {
        let task = state.withLock { state in
            if let running = state.poll { return running }
            state.writtenDuringPoll = []
            let task = Task { try await self.readRevisions() }
            state.poll = task
            return task
        }
        try await task.value
    }

    /// Whether a poll begun within `interval` has succeeded: what another instance committed
    /// before then is known here.
    func polled(within interval: Duration) -> Bool {
        guard let polledAt = state.withLock({ $0.polledAt }) else { return false }
        return ContinuousClock.now - polledAt < interval
    }

    private func readRevisions() async throws {
        let started = ContinuousClock.now
        let revisions: [ProductID: Int64]
        do {
            revisions = try await store.productRevisions()
        } catch {
            state.withLock { $0.poll = nil }
            throw error
        }
        let changed = state.withLock { state in
            state.poll = nil
            state.polledAt = started
            var known = revisions
            // Every change, this instance's own included: one written here during the poll
            // may hide another instance's later write to the same product.
            var changed: Set<ProductID> = []
            if let previous = state.revisions {
                for (product, revision) in previous where known[product] != revision { changed.insert(product) }
            }
            // A product created here while the poll ran exists though the poll missed it.
            for product in state.writtenDuringPoll where known[product] == nil { known[product] = 0 }
            for (product, snapshot) in state.snapshots where known[product] != snapshot.revision {
                // Written here during the poll: the snapshot read after the write is the newer.
                if state.writtenDuringPoll.contains(product), let polled = known[product], polled < snapshot.revision {
                    known[product] = snapshot.revision
                    continue
                }
                state.snapshots[product] = nil
            }
            for (product, derived) in state.derived where state.snapshots[product]?.revision != derived.revision {
                state.derived[product] = nil
            }
            for (product, encoded) in state.encoded where state.snapshots[product]?.revision != encoded.revision {
                state.encoded[product] = nil
            }
            state.revisions = known
            return changed
        }
        guard !changed.isEmpty else { return }
        for observer in pollObservers.withLock({ $0 }) { observer(changed) }
    }

    /// Polls until the server stops. A failure is logged once until a poll succeeds again,
    /// and not before the first success: the schema may still be migrating at start.
    func run() async throws {
        var state = (started: false, failing: false)
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await Task.sleep(for: pollInterval)
            do {
                try await poll()
                if state.failing { logger.notice("catalog revisions can be read again") }
                state = (true, false)
            } catch {
                if state.started, !state.failing { logger.error("catalog revisions could not be read: \(error)") }
                state.failing = true
            }
        }
    }
}
