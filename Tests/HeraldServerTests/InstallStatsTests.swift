import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Install statistics")
struct InstallStatsTests {
    @Test("10,000 checks from 1,000 sites, then new reports from some: active sites by their latest report, and every check counted")
    func exactCounts() async throws {
        try await TestServer.run(framework: .router) { server in
            #expect(try await server.upload(try PluginZip.make(version: "2.0")).0 == .created)
            #expect(try await server.upload(try PluginZip.make(version: "2.1-beta1"), channel: "beta").0 == .created)
            let versions = ["1.0", "1.1", "1.2", "1.3", "2.0"]
            let wordpress = ["6.4", "6.5", "6.6", "6.7"]
            let php = ["7.4", "8.1"]
            func query(site: Int, version: String? = nil) -> String {
                "/api/check_for_update/?product_name=private_blog&release_channel=\(site % 10 == 0 ? "beta" : "stable")"
                    + "&current_product_version=\(version ?? versions[site % 5])&wordpress_version=\(wordpress[site % 4])"
                    + "&php_version=\(php[site % 2])&site_url=https://site\(site).example.org/"
            }
            // Every site checks 10 times; the sites take turns, so checks land before and after each write.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var check = worker
                        while check < 10_000 {
                            let status = try await server.client.execute(uri: query(site: check % 1_000), method: .get) { $0.status }
                            #expect(status == .ok)
                            check += 8
                        }
                    }
                }
                try await group.waitForAll()
            }
            var (status, stats) = try await server.send(.get, "/api/v1/private_blog/stats?days=7")
            #expect(status == .ok)
            var answer = stats.response
            #expect(answer["active_sites"] as? Int == 1_000)
            #expect(answer["checks"] as? Int == 10_000)
            #expect(answer["versions"] as? [String: Int] == Dictionary(uniqueKeysWithValues: versions.map { ($0, 200) }))
            #expect(answer["wordpress_versions"] as? [String: Int] == Dictionary(uniqueKeysWithValues: wordpress.map { ($0, 250) }))
            #expect(answer["php_versions"] as? [String: Int] == ["7.4": 500, "8.1": 500])
            #expect(answer["channels"] as? [String: Int] == ["stable": 900, "beta": 100])

            // The first 100 sites update to 2.0 and check twice more: counted once each, as 2.0.
            for site in 0..<100 {
                for _ in 0..<2 {
                    #expect(try await server.client.execute(uri: query(site: site, version: "2.0"), method: .get) { $0.status } == .ok)
                }
            }
            (status, stats) = try await server.send(.get, "/api/v1/private_blog/stats?days=7")
            answer = stats.response
            #expect(answer["active_sites"] as? Int == 1_000)
            #expect(answer["checks"] as? Int == 10_200)
            #expect(answer["versions"] as? [String: Int] == ["1.0": 180, "1.1": 180, "1.2": 180, "1.3": 180, "2.0": 280])
            // Adoption: 2.0, served by stable since today, is on 280 of today's 1,000 active sites;
            // the beta is no release; the sites on 1.x (no builds here) are left behind as other.
            let adoption = try #require(answer["adoption"] as? [String: Any])
            let releases = try #require(adoption["releases"] as? [[String: Any]])
            let newest = try #require(releases.first)
            #expect(releases.count == 1 && newest["version"] as? String == "2.0")
            let release20 = try #require(releases.first { $0["version"] as? String == "2.0" })
            #expect((release20["days"] as? [[String: Any]])?.last?["sites"] as? Int == 280)
            #expect((release20["days"] as? [[String: Any]])?.last?["share"] as? Double == 0.28)
            #expect(release20["days_to_50"] is NSNull)
            let leftBehind = (adoption["left_behind"] as? [[String: Any]])?.map { "\($0["version"] ?? "") \($0["sites"] ?? "")" }
            #expect(leftBehind == ["other 720"])
            #expect(try await server.get("/api/v1/private_blog/stats").0 == .unauthorized)
        }
    }

    @Test("A site that changes its report and changes it back before the next write is counted by its last report")
    func reportChangedBack() async throws {
        try await TestServer.run(framework: .router) { server in
            func check(_ version: String) async throws {
                let uri = "/api/check_for_update/?product_name=private_blog&current_product_version=\(version)&site_url=https://one.example.org"
                #expect(try await server.client.execute(uri: uri, method: .get) { $0.status } == .ok)
            }
            func versions() async throws -> [String: Int]? {
                try await server.send(.get, "/api/v1/private_blog/stats?days=1").1.response["versions"] as? [String: Int]
            }
            try await check("1.0")
            #expect(try await versions() == ["1.0": 1])
            try await check("2.0")
            try await check("1.0")
            #expect(try await versions() == ["1.0": 1])
        }
    }

    @Test("A product removed from the database while its checks wait to be written does not hold up the others")
    func removedProduct() async throws {
        try await TestServer.run(framework: .router) { server in
            for product in ["private_blog", "other_plugin"] {
                let uri = "/api/check_for_update/?product_name=\(product)&current_product_version=1.0&site_url=https://one.example.org"
                #expect(try await server.client.execute(uri: uri, method: .get) { $0.status } == .ok)
            }
            try await server.store.withDatabase { try await $0.raw("DELETE FROM products WHERE id = 'other_plugin'").run() }
            let (status, stats) = try await server.send(.get, "/api/v1/private_blog/stats?days=7")
            #expect(status == .ok)
            #expect(stats.response["active_sites"] as? Int == 1)
            #expect(stats.response["checks"] as? Int == 1)
        }
    }
}
