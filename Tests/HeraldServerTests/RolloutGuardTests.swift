import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

/// A staged rollout that halts by itself when sites report its build failing.
@Suite("Rollout guards and outcome reports")
struct RolloutGuardTests {
    @Test("A guarded 10% rollout halts by itself once 1.1 fails on PHP 7.4 sites; no site is offered it after; the history says why")
    func haltsByItself() async throws {
        // Over a real port: the sites and the vendor speak HTTP to it.
        try await TestServer.run(framework: .live) { server in
            #expect(try await server.upload(try PluginZip.make(version: "1.0")).0 == .created)
            let next = try PluginZip.make(version: "1.1")
            #expect(try await server.upload(next, channel: "beta").0 == .created)
            // Sites of days' standing: the install statistics saw them yesterday.
            try await establish(server, sites: (0..<100).map { "https://old\($0).example.com" } + (0..<200).map { "https://site\($0).example.com" })
            // The build served before: 100 sites updated to it, 2 of them failing.
            for index in 0..<100 {
                let outcome = index < 2 ? "failed" : "installed"
                let status = try await report(server, site: "https://old\(index).example.com", to: "1.0", outcome: outcome, php: "8.2.18")
                #expect(status == .accepted)
            }
            let started = try await server.send(
                .post, "/api/v1/private_blog/stable/rollout",
                json: ["build": PluginZip.sha256(next), "percentage": "10", "halt_after_reports": "10", "halt_margin": "10"])
            #expect(started.0 == .ok)
            #expect(started.1.response["halt_after_reports"] as? Int == 10 && started.1.response["halt_margin"] as? Double == 10)
            // 40 sites made up today ask (anyone may), get their answers' tokens and report 1.1
            // failing: the guard does not count sites it has never seen before the rollout.
            var madeUp = 0
            for index in 0..<200 where madeUp < 15 {
                let site = "https://made-up\(index).example.net"
                let (offered, token) = try await check(server, site: site, installed: "1.0", php: "7.4.33")
                guard offered == "1.1" else { continue }
                madeUp += 1
                let (status, halted) = try await reportHalting(
                    server, site: site, to: "1.1", outcome: "failed", php: "7.4.33", error: ("php_fatal", "made up"), token: token)
                #expect(status == .accepted && !halted)
            }
            #expect(madeUp == 15)
            // A report without a token is kept, unverified, and weighs nothing either.
            let untokened = try await reportHalting(
                server, site: "https://site0.example.com", to: "1.1", outcome: "failed", php: "7.4.33", error: nil, token: nil)
            #expect(untokened.0 == .accepted && !untokened.1)
            // 200 sites ask, those offered 1.1 install it and report: it fails on PHP 7.4.
            var offeredBefore = 0
            var offeredAfter = 0
            var haltedAt: Int?
            for index in 0..<200 {
                let php = index % 2 == 0 ? "7.4.33" : "8.2.18"
                let site = "https://site\(index).example.com"
                let (offered, token) = try await check(server, site: site, installed: "1.0", php: php)
                guard offered == "1.1" else { continue }
                if haltedAt != nil {
                    offeredAfter += 1
                    continue
                }
                offeredBefore += 1
                let failed = php.hasPrefix("7.4")
                let (status, halted) = try await reportHalting(
                    server, site: site, to: "1.1", outcome: failed ? "failed" : "installed", php: php,
                    error: failed ? ("php_fatal", "Call to undefined function str_contains()") : nil, token: token)
                #expect(status == .accepted)
                if halted { haltedAt = offeredBefore }
            }
            #expect(haltedAt == 10, "the guard halts at its 10th report, not before")
            #expect(offeredBefore == 10)
            #expect(offeredAfter == 0, "a halted rollout offers its build to no further site")

            let rollout = try await server.send(.get, "/api/v1/private_blog/stable/rollout")
            #expect(rollout.1.response["halted"] as? Bool == true && rollout.1.response["paused"] as? Bool == true)
            let reason = try #require(rollout.1.response["halt_reason"] as? String)
            #expect(reason.contains("of 10 reports of the new build failed"), "\(reason)")
            #expect(reason.contains("2 of 100 for the previous build (2.00%)"), "\(reason)")

            let history = try await server.send(.get, "/api/v1/private_blog/stable/history")
            let events = try #require(history.1.response["rollout_events"] as? [[String: Any]])
            #expect(events.map { $0["event"] as? String } == ["started", "halted"])
            #expect(events.last?["detail"] as? String == reason)
            // The console's channel page shows the guard and why it halted.
            try await server.store.createAccount(email: ConsoleTests.email, password: ConsoleTests.password, products: [])
            let cookie = try #require(try await ConsoleTests.signIn(server).cookie)
            let (_, page, _) = try await ConsoleTests.page(server, "/admin/products/private_blog/channels/stable", cookie: cookie)
            #expect(page.contains("halts by itself after 10 reports") && page.contains("of 10 reports of the new build failed"))
            let anonymous = try await server.get("/api/v1/private_blog/stable/history")
            #expect((anonymous.1.response["rollout_events"] as? [Any])?.isEmpty == true, "a rollout's figures are the vendor's")

            // Resumed by hand, the guard counts afresh: the failures it weighed do not halt it again.
            let resumed = try await server.send(.post, "/api/v1/private_blog/stable/rollout/resume")
            #expect(resumed.1.response["halted"] as? Bool == false && resumed.1.response["paused"] as? Bool == false)
            var late = ""
            var lateToken: String?
            for index in 0..<200 where lateToken == nil {
                late = "https://late\(index).example.com"
                let (offered, token) = try await check(server, site: late, installed: "1.0", php: "7.4.33")
                if offered == "1.1" { lateToken = token }
            }
            let (_, haltedAgain) = try await reportHalting(
                server, site: late, to: "1.1", outcome: "failed", php: "7.4.33", error: ("php_fatal", "again"), token: lateToken)
            #expect(!haltedAgain)
            let after = try await server.send(.get, "/api/v1/private_blog/stable/history")
            let names = (after.1.response["rollout_events"] as? [[String: Any]])?.map { $0["event"] as? String }
            #expect(names == ["started", "halted", "resumed"])
        }
    }

    @Test("Reports are checked: an unknown version, a bad outcome, a bad site; one per site and version, the later kept")
    func validation() async throws {
        try await TestServer.run(framework: .router) { server in
            #expect(try await server.upload(try PluginZip.make(version: "1.0")).0 == .created)
            #expect(try await report(server, site: "https://a.example.com", to: "9.9", outcome: "installed") == .badRequest, "the answer offered 1.0, not 9.9")
            #expect(try await report(server, site: "https://a.example.com", to: "1.0", outcome: "exploded") == .badRequest)
            #expect(try await report(server, site: "", to: "1.0", outcome: "installed") == .badRequest)
            #expect(try await report(server, site: "https://a.example.com", to: "1.0", outcome: "failed") == .accepted)
            // Bound to the answer: another site's token is refused; none at all is kept unverified.
            let unbound = try await reportHalting(server, site: "https://b.example.com", to: "1.0", outcome: "failed", php: "8.2", error: nil, token: nil)
            #expect(unbound.0 == .accepted)
            let othersToken = try await check(server, site: "https://c.example.com", installed: "0.9").1
            #expect(othersToken != nil)
            let stolen = try await reportHalting(
                server, site: "https://b.example.com", to: "1.0", outcome: "failed", php: "8.2", error: nil, token: othersToken)
            #expect(stolen.0 == .forbidden)
            #expect(try await report(server, site: "HTTPS://A.example.com/", to: "1.0", outcome: "installed") == .accepted)
            let rows = try await server.store.withDatabase { database in
                try await database.select().column("outcome").from("outcome_reports").all().map { try $0.decode(column: "outcome", as: String.self) }
            }
            #expect(rows.sorted() == ["failed", "installed"], "one site, one version: a.example.com's later report replaced its earlier; b's stands")
            // One address may send 300 reports in 10 minutes (7 sent above).
            for index in 0..<293 {
                #expect(try await report(server, site: "https://s\(index).example.com", to: "1.0", outcome: "installed") == .accepted)
            }
            #expect(try await report(server, site: "https://one-more.example.com", to: "1.0", outcome: "installed") == .tooManyRequests)
        }
    }

    /// The install statistics saw these sites yesterday: sites of days' standing.
    private func establish(_ server: TestServer, sites: [String]) async throws {
        let salt = try await server.store.serverSecret(named: "install_stats_salt")
        let yesterday = currentTimeMillis() / 86_400_000 - 1
        try await server.store.withDatabase { database in
            for site in sites {
                let digest = InstallSample.siteDigest(of: try #require(SiteAddress.normalize(site)), salt: salt).hexString
                try await database.insert(into: "install_stats")
                    .columns("product_id", "day", "site_sha256", "channel_id", "version", "wordpress_version", "php_version")
                    .values(
                        SQLBind("private_blog"), SQLBind(yesterday), SQLBind(digest), SQLBind("stable"), SQLBind("1.0"), SQLBind("6.7.1"),
                        SQLBind("8.2.18")
                    ).run()
            }
        }
    }

    /// A site at `installed` checks stable: the version offered, and the answer's report token.
    private func check(_ server: TestServer, site: String, installed: String, php: String = "8.2.18") async throws -> (String?, String?) {
        try await server.client.execute(
            uri: "/api/check_for_update/?product_name=private_blog&release_channel=stable&current_product_version=\(installed)&php_version=\(php)&site_url=\(site)",
            method: .get
        ) { response in
            #expect(response.status == .ok)
            return (try envelope(response).response["new_version"] as? String, response.headers[HTTPField.Name("X-Herald-Report-Token")!])
        }
    }

    /// A report from `site`, with the token of an answer offering it `to` (from a check at 0.9 when none is given).
    private func report(
        _ server: TestServer, site: String, to version: String, outcome: String, php: String = "8.2.18"
    ) async throws -> HTTPResponse.Status {
        let token = try await check(server, site: site.isEmpty ? "https://unnamed.example.com" : site, installed: "0.9").1
        return try await reportHalting(server, site: site, to: version, outcome: outcome, php: php, error: nil, token: token).0
    }

    private func reportHalting(
        _ server: TestServer, site: String, to version: String, outcome: String, php: String, error: (String, String)?, token: String?
    ) async throws -> (HTTPResponse.Status, Bool) {
        var body: [String: Any] = [
            "product": "private_blog", "site_url": site, "from_version": "1.0", "to_version": version, "outcome": outcome,
            "php_version": php, "wordpress_version": "6.7.1",
        ]
        if let token { body["report_token"] = token }
        if let error {
            body["error_code"] = error.0
            body["error_message"] = error.1
        }
        let data = try JSONSerialization.data(withJSONObject: body)
        return try await server.client.execute(
            uri: "/api/v1/reports", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: data)
        ) { ($0.status, (try envelope($0).response["halted_rollouts"] as? Bool) ?? false) }
    }
}
