import Synchronization

/// Runs `operation` and gives its outcome, or nil if it has not finished after `timeout`.
///
/// Unlike a task group, this returns at the deadline even when the operation cannot be
/// cancelled (a query in progress, a wait for the SQLite lock); the operation is cancelled
/// and left to finish on its own.
func outcome<T: Sendable>(
    within timeout: Duration, of operation: @escaping @Sendable () async throws -> T
) async -> Result<T, any Error>? {
    let answer = FirstAnswer<Result<T, any Error>?>()
    let work = Task {
        do {
            answer.give(.success(try await operation()))
        } catch {
            answer.give(.failure(error))
        }
    }
    let timer = Task {
        try? await Task.sleep(for: timeout)
        answer.give(nil)
    }
    let result = await answer.wait()
    work.cancel()
    timer.cancel()
    return result
}

/// Holds the first value given to it and hands it to the one waiter; later values are dropped.
final class FirstAnswer<Value: Sendable>: Sendable {
    private enum Slot {
        case empty
        case waiting(CheckedContinuation<Value, Never>)
        case answered(Value)
        case delivered
    }

    private let slot = Mutex(Slot.empty)

    func give(_ value: Value) {
        let waiter = slot.withLock { slot -> CheckedContinuation<Value, Never>? in
            switch slot {
            case .empty:
                slot = .answered(value)
                return nil
            case .waiting(let waiter):
                slot = .delivered
                return waiter
            case .answered, .delivered:
                return nil
            }
        }
        waiter?.resume(returning: value)
    }

    func wait() async -> Value {
        await withCheckedContinuation { continuation in
            let ready = slot.withLock { slot -> Value? in
                if case .answered(let value) = slot {
                    slot = .delivered
                    return value
                }
                slot = .waiting(continuation)
                return nil
            }
            if let ready {
                continuation.resume(returning: ready)
            }
        }
    }
}
