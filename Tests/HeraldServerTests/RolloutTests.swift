import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Staged rollouts")
struct RolloutTests {
    /// The sites among `sites` that a check on stable offers `version`, asked over HTTP, eight at a time.
    private func sitesOffered(_ version: String, among sites: [String], server: TestServer) async throws -> Set<String> {
        try await withThrowingTaskGroup(of: (String, Bool).self) { group in
            var offered: Set<String> = []
            var next = sites.makeIterator()
            func ask(_ site: String) {
                group.addTask {
                    let answer = try await server.get(
                        "/api/check_for_update/?product_name=private_blog&release_channel=stable&current_product_version=0.1&site_url=\(site)")
                    // Every site gets an answer; "not offered" must never be a failed request.
                    #expect(answer.0 == .ok)
                    #expect(answer.1.response["new_version"] is String)
                    return (site, answer.1.response["new_version"] as? String == version)
                }
            }
            for _ in 0..<8 { if let site = next.next() { ask(site) } }
            while let (site, isOffered) = try await group.next() {
                if isOffered { offered.insert(site) }
                if let site = next.next() { ask(site) }
            }
            return offered
        }
    }

    @Test("A 20% rollout over 10,000 site URLs offers the new build to 18-22% of them, the same sites every time")
    func twentyPercent() async throws {
        // In process: 23,000 questions over sockets would be a benchmark, not a test.
        try await TestServer.run(framework: .router) { server in
            #expect(try await server.upload(try PluginZip.make(version: "1.0")).0 == .created)
            let next = try PluginZip.make(version: "1.1")
            #expect(try await server.upload(next, channel: "beta").0 == .created)
            let hash = PluginZip.sha256(next)
            let started = try await server.send(.post, "/api/v1/private_blog/stable/rollout", json: ["build": hash, "percentage": "20"])
            #expect(started.0 == .ok)
            #expect(started.1.response["percentage"] as? Double == 20)

            let sites = (0..<10_000).map { "https://site\($0).example.com" }
            let first = try await sitesOffered("1.1", among: sites, server: server)
            #expect((1_800...2_200).contains(first.count), "\(first.count) of 10,000 sites got the new build")
            let repeated = try await sitesOffered("1.1", among: sites, server: server)
            #expect(repeated == first)

            // Raised, the sites already in stay in; lowering is refused; paused, no site gets it.
            let raised = try await server.send(.post, "/api/v1/private_blog/stable/rollout", json: ["percentage": "50"])
            #expect(raised.1.response["percentage"] as? Double == 50)
            let sample = Array(sites.prefix(1_000))
            let half = try await sitesOffered("1.1", among: sample, server: server)
            #expect(first.filter { sample.contains($0) }.isSubset(of: half))
            #expect((400...600).contains(half.count))
            let lowered = try await server.send(.post, "/api/v1/private_blog/stable/rollout", json: ["percentage": "10"])
            #expect(lowered.0 == .conflict)
            #expect(lowered.1.errorCode == "rollout_lowered")
            #expect(try await server.send(.post, "/api/v1/private_blog/stable/rollout/pause").0 == .ok)
            #expect(try await sitesOffered("1.1", among: sample, server: server).isEmpty)
            #expect(try await server.send(.post, "/api/v1/private_blog/stable/rollout/resume").0 == .ok)
            #expect(try await sitesOffered("1.1", among: sample, server: server) == half)

            // A different release starts with a different set of sites.
            let third = try PluginZip.make(version: "1.2")
            #expect(try await server.upload(third, channel: "beta").0 == .created)
            #expect(try await server.send(.post, "/api/v1/private_blog/stable/rollout/pause").0 == .ok)
            let other = try await server.send(
                .post, "/api/v1/private_blog/stable/rollout", json: ["build": PluginZip.sha256(third), "percentage": "50"])
            #expect(other.0 == .ok)
            let otherSet = try await sitesOffered("1.2", among: sample, server: server)
            #expect(otherSet != half)
            #expect((400...600).contains(otherSet.count))

            #expect(try await server.send(.post, "/api/v1/private_blog/stable/rollout/complete").0 == .ok)
            #expect(try await sitesOffered("1.2", among: Array(sample.prefix(100)), server: server).count == 100)
            let history = try await server.get("/api/v1/private_blog/stable/history/")
            #expect((history.1.response["history"] as? [[String: Any]])?.last?["reason"] as? String == "rollout")
        }
    }

    @Test("A new upload to the channel ends its rollout; so does removing the rolled-out build")
    func rolloutEndsWhenTheChannelMoves() async throws {
        try await TestServer.run { server in
            #expect(try await server.upload(try PluginZip.make(version: "1.0")).0 == .created)
            let staged = try PluginZip.make(version: "1.1")
            #expect(try await server.upload(staged, channel: "beta").0 == .created)
            let start = ["build": PluginZip.sha256(staged), "percentage": "100"]
            #expect(try await server.send(.post, "/api/v1/private_blog/stable/rollout", json: start).0 == .ok)
            #expect(try await server.send(.get, "/api/v1/private_blog/stable/rollout").0 == .ok)
            #expect(try await server.get("/api/v1/private_blog/stable/rollout").0 == .unauthorized)

            #expect(try await server.upload(try PluginZip.make(version: "1.2")).0 == .created)
            let ended = try await server.send(.get, "/api/v1/private_blog/stable/rollout")
            #expect(ended.1.errorCode == "no_rollout")
            let check = try await server.get(
                "/api/check_for_update/?product_name=private_blog&release_channel=stable&current_product_version=0.1&site_url=https://a.example")
            #expect(check.1.response["new_version"] as? String == "1.2")

            #expect(try await server.send(.post, "/api/v1/private_blog/stable/rollout", json: start).0 == .ok)
            #expect(try await server.send(.delete, "/api/v1/builds/\(PluginZip.sha256(staged))").0 == .ok)
            #expect(try await server.send(.get, "/api/v1/private_blog/stable/rollout").1.errorCode == "no_rollout")
        }
    }
}
