import Foundation
import Testing

@testable import HeraldServer

/// Sign-in attempts are counted in the database: instances on one database count together.
@Suite("Sign-in throttling across instances")
struct LoginThrottleTests {
    @Test("Five failures spread over two instances refuse the sixth on either; a quarter of an hour later it is allowed")
    func shared() async throws {
        try await TestServer.run(framework: .router) { server in
            let first = LoginThrottle(store: server.store)
            let second = LoginThrottle(store: server.store)
            let now = Date()
            for index in 0..<5 {
                let decision = try await (index % 2 == 0 ? first : second).begin(email: "a@example.com", address: "192.0.2.\(index)", now: now)
                guard case .attempt = decision else {
                    Issue.record("attempt \(index + 1) was refused")
                    return
                }
            }
            for throttle in [first, second] {
                guard case .wait(let seconds) = try await throttle.begin(email: "a@example.com", address: "198.51.100.7", now: now) else {
                    Issue.record("the sixth attempt was allowed")
                    return
                }
                #expect(seconds > 800 && seconds <= 900)
            }
            let later = now.addingTimeInterval(15 * 60 + 1)
            guard case .attempt = try await second.begin(email: "a@example.com", address: "198.51.100.7", now: later) else {
                Issue.record("the attempt after the window was refused")
                return
            }
        }
    }

    @Test("A success forgets the account's failures and takes back its address's attempt")
    func success() async throws {
        try await TestServer.run(framework: .router) { server in
            let first = LoginThrottle(store: server.store)
            let second = LoginThrottle(store: server.store)
            for _ in 0..<4 { _ = try await first.begin(email: "b@example.com", address: "203.0.113.9") }
            try await second.succeeded(try await second.begin(email: "b@example.com", address: "203.0.113.9"))
            let recent = try await server.store.signInAttempts(
                for: ["account:b@example.com", "address:203.0.113.9"], since: Int64(Date().timeIntervalSince1970 * 1000) - 60_000)
            #expect(recent["account:b@example.com"] == nil)
            #expect(recent["address:203.0.113.9"]?.count == 4)
        }
    }
}
