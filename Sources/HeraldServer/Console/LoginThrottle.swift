import Foundation
import HeraldStore

#if canImport(Glibc)
import Glibc
#endif

/// Sign-in attempts counted per account and per address over a quarter of an hour, in the
/// database, so every instance on it counts the same ones: after 5 failures for one account or
/// 20 from one address, sign-in is refused until the oldest ages out, so guessing a password
/// takes years, not minutes.
///
/// An attempt counts from the moment it starts (``begin(email:address:now:)``): it is recorded
/// first and the attempts counted after, so of guesses sent at once (to one instance or
/// several) each sees the others, and no more than the limit get through; a success takes its
/// attempt back. An IPv6 address counts by its /64, which one client usually holds whole.
struct LoginThrottle: Sendable {
    private static let window: Int64 = 15 * 60 * 1000
    private static let perAccount = 5
    private static let perAddress = 20

    let store: any Store

    /// What ``begin(email:address:now:)`` decided.
    enum Decision {
        /// Seconds to wait before another attempt may be made.
        case wait(Int)
        /// The attempt may be made and is counted; give it to ``succeeded(_:)`` if it succeeds.
        case attempt(account: String, addressAttempt: String?)
    }

    func begin(email: String, address: String, now: Date = Date()) async throws -> Decision {
        let time = Int64(now.timeIntervalSince1970 * 1000)
        let account = "account:" + email
        let network = "address:" + Self.network(of: address)
        let ids = try await store.recordSignInAttempt(keys: [account, network], at: time)
        let recent = try await store.signInAttempts(for: [account, network], since: time - Self.window)
        // This attempt is among those counted.
        let waits = [(account, Self.perAccount), (network, Self.perAddress)].compactMap { key, limit -> Int? in
            guard let (count, oldest) = recent[key], count > limit else { return nil }
            return max(1, Int((Double(Self.window - (time - oldest)) / 1000).rounded(.up)))
        }
        if let wait = waits.max() {
            for id in ids.values { try await store.forgetSignInAttempt(id: id) }
            return .wait(wait)
        }
        return .attempt(account: account, addressAttempt: ids[network])
    }

    /// The attempt succeeded: the account's failures are forgotten, and the address's attempt taken back.
    func succeeded(_ attempt: Decision) async throws {
        guard case .attempt(let account, let addressAttempt) = attempt else { return }
        try await store.forgetSignInAttempts(key: account)
        if let addressAttempt { try await store.forgetSignInAttempt(id: addressAttempt) }
    }

    /// An IPv4 address as it is; an IPv6 one as its /64: the first eight bytes of the address,
    /// however it is written (`2001:db8::1` and `2001:db8:0:0::2` alike).
    static func network(of address: String) -> String {
        guard address.contains(":"), !address.hasPrefix("::ffff:") else { return address }
        var bytes = in6_addr()
        guard inet_pton(AF_INET6, address, &bytes) == 1 else { return address }
        let prefix = withUnsafeBytes(of: &bytes) { Array($0.prefix(8)) }
        return stride(from: 0, to: 8, by: 2).map { String(UInt16(prefix[$0]) << 8 | UInt16(prefix[$0 + 1]), radix: 16) }
            .joined(separator: ":") + "::/64"
    }
}
