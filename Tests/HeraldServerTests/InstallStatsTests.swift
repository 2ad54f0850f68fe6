import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Install statistics")
struct InstallStatsTests {
    @Test("100,000 checks from 5,000 sites: active sites per version, channel, WordPress and PHP, and the checks, counted exactly")
    func exactCounts() async throws {
        try await TestServer.run { server in
            #expect(try await server.upload(try PluginZip.make(version: "2.0")).0 == .created)
            #expect(try await server.upload(try PluginZip.make(version: "2.1-beta1"), channel: "beta").0 == .created)
            let versions = ["1.0", "1.1", "1.2", "1.3", "2.0"]
            let wordpress = ["6.4", "6.5", "6.6", "6.7"]
            let php = ["7.4", "8.1"]
            func query(site: Int) -> String {
                "/api/check_for_update/?product_name=private_blog&release_channel=\(site % 10 == 0 ? "beta" : "stable")"
                    + "&current_product_version=\(versions[site % 5])&wordpress_version=\(wordpress[site % 4])&php_version=\(php[site % 2])"
                    + "&site_url=https://site\(site).example.org/"
            }
            // Every site checks 20 times; the sites take turns so that answers are computed and cached throughout.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var check = worker
                        while check < 100_000 {
                            let site = check % 5_000
                            let status = try await server.client.execute(uri: query(site: site), method: .get) { $0.status }
                            #expect(status == .ok)
                            check += 8
                        }
                    }
                }
                try await group.waitForAll()
            }
            let (status, stats) = try await server.send(.get, "/api/v1/private_blog/stats?days=7")
            #expect(status == .ok)
            let answer = stats.response
            #expect(answer["active_sites"] as? Int == 5_000)
            #expect(answer["checks"] as? Int == 100_000)
            #expect(answer["versions"] as? [String: Int] == Dictionary(uniqueKeysWithValues: versions.map { ($0, 1_000) }))
            #expect(answer["wordpress_versions"] as? [String: Int] == Dictionary(uniqueKeysWithValues: wordpress.map { ($0, 1_250) }))
            #expect(answer["php_versions"] as? [String: Int] == ["7.4": 2_500, "8.1": 2_500])
            #expect(answer["channels"] as? [String: Int] == ["stable": 4_500, "beta": 500])
            #expect(try await server.get("/api/v1/private_blog/stats").0 == .unauthorized)
        }
    }
}
