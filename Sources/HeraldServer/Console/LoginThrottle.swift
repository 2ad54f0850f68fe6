import Foundation

/// Failed sign-ins counted per account and per address over a quarter of an hour, in this
/// instance's memory: after 5 for one account or 20 from one address, sign-in is refused
/// until the oldest failure ages out, so guessing a password takes years, not minutes.
actor LoginThrottle {
    private static let window: TimeInterval = 15 * 60
    private static let perAccount = 5
    private static let perAddress = 20
    /// At most this many keys are remembered; the oldest go first.
    private static let keyLimit = 100_000

    private var failures: [String: [Date]] = [:]

    /// Seconds to wait before another try, or nil when one may be made now.
    func wait(email: String, address: String, now: Date = Date()) -> Int? {
        let waits = [("account:" + email, Self.perAccount), ("address:" + address, Self.perAddress)].compactMap { key, limit -> Int? in
            let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < Self.window }
            failures[key] = recent.isEmpty ? nil : recent
            guard recent.count >= limit, let oldest = recent.first else { return nil }
            return max(1, Int((Self.window - now.timeIntervalSince(oldest)).rounded(.up)))
        }
        return waits.max()
    }

    func recordFailure(email: String, address: String, now: Date = Date()) {
        if failures.count > Self.keyLimit { failures.removeAll(keepingCapacity: true) }
        failures["account:" + email, default: []].append(now)
        failures["address:" + address, default: []].append(now)
    }

    func recordSuccess(email: String) {
        failures["account:" + email] = nil
    }
}
