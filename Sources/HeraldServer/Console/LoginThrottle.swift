import Foundation

/// Sign-in attempts counted per account and per address over a quarter of an hour, in this
/// instance's memory: after 5 failures for one account or 20 from one address, sign-in is
/// refused until the oldest ages out, so guessing a password takes years, not minutes.
///
/// An attempt counts from the moment it starts (``begin(email:address:now:)``), so many
/// guesses sent at once cannot all slip in before the first failure is known; a success takes
/// its attempt back. An IPv6 address counts by its /64, which one client usually holds whole.
actor LoginThrottle {
    private static let window: TimeInterval = 15 * 60
    private static let perAccount = 5
    private static let perAddress = 20
    /// At most this many keys are remembered; past it, those whose last attempt is oldest go.
    private static let keyLimit = 100_000

    private var attempts: [String: [Date]] = [:]

    /// Seconds to wait when the attempt may not be made; nil when it may, and then it counts.
    func begin(email: String, address: String, now: Date = Date()) -> Int? {
        let keys = [("account:" + email, Self.perAccount), ("address:" + Self.network(of: address), Self.perAddress)]
        let waits = keys.compactMap { key, limit -> Int? in
            let recent = (attempts[key] ?? []).filter { now.timeIntervalSince($0) < Self.window }
            attempts[key] = recent.isEmpty ? nil : recent
            guard recent.count >= limit, let oldest = recent.first else { return nil }
            return max(1, Int((Self.window - now.timeIntervalSince(oldest)).rounded(.up)))
        }
        if let wait = waits.max() { return wait }
        if attempts.count >= Self.keyLimit { evict(now: now) }
        for (key, _) in keys { attempts[key, default: []].append(now) }
        return nil
    }

    /// The attempt succeeded: the account's failures are forgotten, and the address's attempt taken back.
    func succeeded(email: String, address: String) {
        attempts["account:" + email] = nil
        let key = "address:" + Self.network(of: address)
        attempts[key]?.removeLast()
        if attempts[key]?.isEmpty == true { attempts[key] = nil }
    }

    /// Drops expired attempts, then the half of the keys whose last attempt is oldest.
    private func evict(now: Date) {
        attempts = attempts.filter { _, times in times.last.map { now.timeIntervalSince($0) < Self.window } ?? false }
        guard attempts.count >= Self.keyLimit / 2 else { return }
        let newest = attempts.sorted { ($0.value.last ?? .distantPast) > ($1.value.last ?? .distantPast) }.prefix(Self.keyLimit / 2)
        attempts = Dictionary(uniqueKeysWithValues: newest.map { ($0.key, $0.value) })
    }

    /// An IPv4 address as it is; an IPv6 one as its first four groups (its /64).
    static func network(of address: String) -> String {
        guard address.contains(":"), !address.hasPrefix("::ffff:") else { return address }
        return address.split(separator: ":", omittingEmptySubsequences: false).prefix(4).joined(separator: ":") + "::/64"
    }
}
