import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird
import HummingbirdTesting
import Testing

/// The sites that get a staged rollout's build first.
@Suite("Canary sites")
struct CanaryTests {
    @Test("At 0%, canary sites (by address pattern or license) get the rollout's build; no other site does; a pause stops them too")
    func canariesFirst() async throws {
        try await TestServer.run(framework: .live) { server in
            #expect(try await server.upload(try PluginZip.make(version: "1.0")).0 == .created)
            let next = try PluginZip.make(version: "1.1")
            #expect(try await server.upload(next, channel: "beta").0 == .created)
            let issued = try await server.store.createLicense(
                customerName: "Friendly Shop", customerEmail: "owner@friendly.example", products: [TestServer.product])

            let started = try await server.send(.post, "/api/v1/private_blog/stable/rollout", json: ["build": PluginZip.sha256(next), "percentage": "0"])
            #expect(started.0 == .ok && started.1.response["percentage"] as? Double == 0)
            let set = try await server.send(
                .put, "/api/v1/private_blog/canaries", json: ["sites": ["canary.example.com", "*.agency.example"], "licenses": [issued.key]])
            #expect(set.0 == .ok)
            #expect(set.1.response["sites"] as? [String] == ["*.agency.example", "canary.example.com"])
            #expect(set.1.response["licenses"] as? [String] == [issued.license.id])

            for index in 0..<200 {
                #expect(try await offered(server, site: "https://site\(index).example.com") == "1.0", "site \(index) is no canary")
            }
            #expect(try await offered(server, site: "https://canary.example.com/") == "1.1")
            #expect(try await offered(server, site: "http://shop.agency.example") == "1.1")
            #expect(try await offered(server, site: "https://elsewhere.example", license: issued.key) == "1.1")
            #expect(try await offered(server, site: "https://agency.example") == "1.0", "*.agency.example names its subdomains")

            #expect(try await server.send(.post, "/api/v1/private_blog/stable/rollout/pause").0 == .ok)
            #expect(try await offered(server, site: "https://canary.example.com") == "1.0", "a paused rollout offers its build to no site")
            #expect(try await server.send(.post, "/api/v1/private_blog/stable/rollout/resume").0 == .ok)
            #expect(try await offered(server, site: "https://canary.example.com") == "1.1")

            // Checked: a pattern with a space, a license of another product, another product's token.
            #expect(try await server.send(.put, "/api/v1/private_blog/canaries", json: ["sites": ["a b"]]).0 == .badRequest)
            #expect(try await server.send(.put, "/api/v1/private_blog/canaries", json: ["sites": 5]).0 == .badRequest)
            #expect(try await server.send(.put, "/api/v1/private_blog/canaries", json: ["licenses": ["HRLD-NOPE"]]).0 == .notFound)
            let scoped = try await server.client.execute(
                uri: "/api/v1/private_blog/canaries", method: .get, headers: server.headers(token: server.scopedToken)) { $0.status }
            #expect(scoped == .forbidden)
            // Emptied, the canaries are sites like any other.
            #expect(try await server.send(.put, "/api/v1/private_blog/canaries", json: ["sites": [String]()]).0 == .ok)
            #expect(try await offered(server, site: "https://canary.example.com") == "1.0")

            // An upload to the channel ends its rollout, and the history says so.
            #expect(try await server.upload(try PluginZip.make(version: "1.2")).0 == .created)
            let history = try await server.send(.get, "/api/v1/private_blog/stable/history")
            let events = (history.1.response["rollout_events"] as? [[String: Any]])?.compactMap { $0["event"] as? String }
            #expect(events == ["started", "paused", "resumed", "ended"])
            #expect(try await server.send(.get, "/api/v1/private_blog/stable/rollout").0 == .notFound)
        }
    }

    /// The version check_for_update answers the site on stable at 1.0.
    private func offered(_ server: TestServer, site: String, license: String? = nil) async throws -> String? {
        var uri = "/api/check_for_update/?product_name=private_blog&release_channel=stable&current_product_version=0.9&site_url=\(site)"
        if let license { uri += "&license=\(license)" }
        let (status, body) = try await server.get(uri)
        #expect(status == .ok)
        return body.response["new_version"] as? String
    }
}
