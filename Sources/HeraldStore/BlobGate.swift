import Synchronization

/// Publishes that store blobs run side by side; a deletion of blobs runs alone.
///
/// Blobs are shared by content: a publish may store a file whose bytes are already a blob, or
/// find the blob a removal is about to delete. Held apart, a deletion sees every publish that
/// stored blobs before it as committed (the deletion checks the database then), and a publish
/// after it stores its blobs afresh. A waiting deletion holds off new publishes, so deletions
/// never starve. Within one process: instances sharing a data folder do not see each other's.
final class BlobGate: Sendable {
    private struct State {
        var publishing = 0
        var deleting = false
        var waitingDeletions: [CheckedContinuation<Void, Never>] = []
        var waitingPublishes: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Runs `body` beside other publishes, while no deletion runs.
    func publishing<T>(isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T) async throws -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let entered = state.withLock { state -> Bool in
                guard !state.deleting, state.waitingDeletions.isEmpty else {
                    state.waitingPublishes.append(continuation)
                    return false
                }
                state.publishing += 1
                return true
            }
            if entered { continuation.resume() }
        }
        defer { leavePublishing() }
        return try await body()
    }

    /// Runs `body` alone: once every publish in progress has finished, before new ones start.
    func deleting<T>(isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T) async throws -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let entered = state.withLock { state -> Bool in
                guard !state.deleting, state.publishing == 0 else {
                    state.waitingDeletions.append(continuation)
                    return false
                }
                state.deleting = true
                return true
            }
            if entered { continuation.resume() }
        }
        defer { leaveDeleting() }
        return try await body()
    }

    private func leavePublishing() {
        let deletion = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.publishing -= 1
            guard state.publishing == 0, !state.waitingDeletions.isEmpty else { return nil }
            state.deleting = true
            return state.waitingDeletions.removeFirst()
        }
        deletion?.resume()
    }

    private func leaveDeleting() {
        let (deletion, publishes) = state.withLock { state -> (CheckedContinuation<Void, Never>?, [CheckedContinuation<Void, Never>]) in
            if !state.waitingDeletions.isEmpty { return (state.waitingDeletions.removeFirst(), []) }
            state.deleting = false
            let publishes = state.waitingPublishes
            state.waitingPublishes = []
            state.publishing += publishes.count
            return (nil, publishes)
        }
        deletion?.resume()
        for publish in publishes { publish.resume() }
    }
}
