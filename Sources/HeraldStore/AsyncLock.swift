import Synchronization

/// A first-come, first-served lock for async code.
///
/// SQLite has one connection, and sqlite-nio runs the statements of concurrent tasks on it in
/// any order: without this lock, one task's `BEGIN IMMEDIATE ... COMMIT` could take in another
/// task's statements. Waiters are resumed in arrival order, so no writer starves.
final class AsyncLock: Sendable {
    private struct State {
        var isLocked = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Runs `body` while holding the lock, and releases it however `body` ends.
    func withLock<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> T
    ) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = state.withLock { state -> Bool in
                if state.isLocked {
                    state.waiters.append(continuation)
                    return false
                }
                state.isLocked = true
                return true
            }
            if acquired { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.isLocked = false
                return nil
            }
            // The lock passes straight to the next waiter and stays locked.
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
