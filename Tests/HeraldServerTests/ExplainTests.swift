import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird
import HummingbirdTesting
import Testing

/// `/explain`: the answer path's decision for a site, with its rules.
@Suite("Explain")
struct ExplainTests {
    @Test("Explain says which build a site gets and why: rollout place, canary, yank, requirements; it records and activates nothing")
    func explainsTheDecision() async throws {
        try await TestServer.run(framework: .router) { server in
            #expect(try await server.upload(try PluginZip.make(version: "1.0")).0 == .created)
            let next = try PluginZip.make(version: "1.1", requiresPHP: "8.1")
            #expect(try await server.upload(next, channel: "beta").0 == .created)
            #expect(
                try await server.send(.post, "/api/v1/private_blog/stable/rollout", json: ["build": PluginZip.sha256(next), "percentage": "50"]).0 == .ok)
            let issued = try await server.store.createLicense(
                customerName: "Shop", customerEmail: "shop@example.com", products: [TestServer.product], siteLimit: 1)

            // Every site's explanation agrees with what check_for_update answers it.
            var rolledOut = 0
            for index in 0..<40 {
                let site = "https://site\(index).example.com"
                let explained = try await explain(server, "site_url=\(site)&current_product_version=0.9&php_version=8.2")
                let checked = try await server.get(
                    "/api/check_for_update/?product_name=private_blog&release_channel=stable&current_product_version=0.9&php_version=8.2&site_url=\(site)")
                #expect((explained["build"] as? [String: Any])?["version"] as? String == checked.1.response["new_version"] as? String)
                let rollout = try #require(Self.steps(explained).first { $0.hasPrefix("'stable' is rolling out 1.1 to 50%") })
                if explained["source"] as? String == "rollout" {
                    rolledOut += 1
                    #expect(rollout.contains("under the share") && rollout.hasSuffix("it gets the rollout's build."))
                } else {
                    #expect(rollout.contains("not under the share"))
                }
            }
            #expect(rolledOut > 5 && rolledOut < 35)

            // A site on PHP 7.4 in the rollout: the requirement is the reason.
            var php74: [String: Any] = [:]
            for index in 0..<40 {
                php74 = try await explain(server, "site_url=https://site\(index).example.com&current_product_version=0.9&php_version=7.4")
                if php74["source"] as? String == "rollout" { break }
            }
            #expect(php74["rule"] as? String == "requires_php" && php74["update_available"] as? Bool == false)
            #expect(Self.steps(php74).contains { $0.contains("needs PHP 8.1") })

            // A license is read, never activated.
            let licensed = try await explain(server, "site_url=https://licensed.example.com&license=\(issued.key)")
            #expect(Self.steps(licensed).contains { $0.contains("is valid for private_blog") })
            #expect(try await server.store.activeSites(licenseID: issued.license.id).isEmpty)

            // A yanked version: the downgrade is told.
            #expect(try await server.send(.post, "/api/v1/private_blog/stable/rollout/complete").0 == .ok)
            #expect(try await server.send(.post, "/api/v1/builds/\(PluginZip.sha256(next))/yank", json: ["reason": "bad"]).0 == .ok)
            let yanked = try await explain(server, "site_url=https://x.example.com&current_product_version=1.1")
            #expect(yanked["downgrade"] as? Bool == true && (yanked["build"] as? [String: Any])?["version"] as? String == "1.0")
            #expect(Self.steps(yanked).contains { $0.hasPrefix("The installed 1.1 was yanked (bad)") })

            // A token of another product may not ask.
            let scoped = try await server.client.execute(
                uri: "/api/v1/private_blog/explain?site_url=x", method: .get, headers: server.headers(token: server.scopedToken)) { $0.status }
            #expect(scoped == .forbidden)
        }
    }

    private func explain(_ server: TestServer, _ query: String) async throws -> [String: Any] {
        let (status, body) = try await server.send(.get, "/api/v1/private_blog/explain?channel=stable&" + query)
        #expect(status == .ok)
        return body.response
    }

    private static func steps(_ explained: [String: Any]) -> [String] {
        (explained["steps"] as? [[String: Any]])?.compactMap { $0["detail"] as? String } ?? []
    }
}
