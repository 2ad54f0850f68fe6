import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Seed 000's workflow over HTTP on a real port: extensions, 14 channels, uploads, the plan
/// after each, a publish of a selection, a stale publish, a rollback.
@Suite("Release management over HTTP")
struct ReleaseScenarioTests {
    static func send(_ server: TestServer, _ method: HTTPRequest.Method, _ uri: String, _ body: String = "")
        async throws -> (HTTPResponse.Status, [String: Any])
    {
        try await server.client.execute(
            uri: uri, method: method, headers: server.headers([.contentType: "application/json"]), body: ByteBuffer(string: body)
        ) { ($0.status, try envelope($0)) }
    }

    /// The plan as channel → (current version, proposed version, warning codes), and its version.
    static func plan(_ server: TestServer) async throws -> (String, [String: (String?, String?, [String])]) {
        let response = try await server.get("/api/v1/private_blog/plan").1.response
        var channels: [String: (String?, String?, [String])] = [:]
        for entry in response["channels"] as? [[String: Any]] ?? [] {
            channels[entry["channel"] as? String ?? ""] = (
                (entry["current"] as? [String: Any])?["version"] as? String, (entry["proposed"] as? [String: Any])?["version"] as? String,
                (entry["warnings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            )
        }
        return (response["plan_version"] as? String ?? "", channels)
    }

    @Test("3 extensions, 14 channels, 3 uploads: plans, a selective publish, a stale publish, a rollback")
    func scenario() async throws {
        try await TestServer.run { server in
            for (id, beta, stable) in [("session-expiry", "5.3.x", "5.3.1"), ("login-designer", "5.3.x", "5.3.1"), ("dark-skin", "5.3.x", "5.3.1")] {
                let (status, _) = try await Self.send(server, .put, "/api/v1/private_blog/extensions/\(id)", "name: \(id)\nbeta: \(beta)\nstable: \(stable)\n")
                #expect(status == .ok)
            }
            // 9 customer aliases (of stable, beta, or development) and 2 pinned customer channels.
            for index in 1...9 {
                let target = ["stable", "beta", "development"][index % 3]
                let (status, _) = try await Self.send(server, .put, "/api/v1/private_blog/customer_\(index)/", #"{"alias_for": "\#(target)"}"#)
                #expect(status == .ok)
            }
            #expect(try await server.upload(try PluginZip.make(version: "5.2.0"), channel: "vip_a").0 == .created)
            #expect(try await server.upload(try PluginZip.make(version: "5.2.1"), channel: "vip_b").0 == .created)
            for vip in ["vip_a", "vip_b"] {
                let builds = try await server.get("/api/v1/private_blog/\(vip)/").1.response["builds"] as? [[String: Any]]
                let hash = try #require(builds?.first?["build_hash"] as? String)
                #expect(try await Self.send(server, .post, "/api/v1/private_blog/\(vip)/pin", #"{"build": "\#(hash)"}"#).0 == .ok)
            }
            let channelCount = (try await server.get("/api/v1/private_blog/").1.response["channels"] as? [Any])?.count
            #expect(channelCount == 14)

            // Upload 1: 5.3.0 to development; the rules move beta (tags 5.3.x match) but not stable.
            #expect(try await server.upload(try PluginZip.make(version: "5.3.0"), channel: "development").0 == .created)
            var (version, plan) = try await Self.plan(server)
            #expect(plan["development"]?.0 == "5.3.0")
            #expect(plan["beta"]?.0 == "5.3.0")
            #expect(plan["stable"]?.0 == nil && plan["stable"]?.1 == nil)
            #expect(plan["vip_a"]?.2.contains("channel_pinned") == true)
            #expect(plan["customer_1"]?.0 == "5.3.0")  // an alias of beta follows it

            // Upload 2: 5.3.1 matches the stable tags: stable is proposed, waiting for a confirmation.
            #expect(try await server.upload(try PluginZip.make(version: "5.3.1"), channel: "development").0 == .created)
            (version, plan) = try await Self.plan(server)
            #expect(plan["beta"]?.0 == "5.3.1")
            #expect(plan["stable"]?.1 == "5.3.1")
            #expect(plan["stable"]?.2.contains("needs_confirmation") == true)

            // Upload 3: 5.4.0 matches no tag: development only; stable still proposes 5.3.1.
            #expect(try await server.upload(try PluginZip.make(version: "5.4.0"), channel: "development").0 == .created)
            let stale = version
            (version, plan) = try await Self.plan(server)
            #expect(version != stale)
            #expect(plan["development"]?.0 == "5.4.0")
            #expect(plan["beta"]?.0 == "5.3.1")
            #expect(plan["stable"]?.1 == "5.3.1")

            // A publish of the stale plan is refused; the current one applies.
            let refused = try await Self.send(server, .post, "/api/v1/private_blog/publish", #"{"plan_version": "\#(stale)", "channels": ["stable"]}"#)
            #expect(refused.0 == .conflict)
            #expect(refused.1.errorCode == "plan_changed")
            let applied = try await Self.send(server, .post, "/api/v1/private_blog/publish", #"{"plan_version": "\#(version)", "channels": ["stable"]}"#)
            #expect(applied.0 == .ok)
            (version, plan) = try await Self.plan(server)
            #expect(plan["stable"]?.0 == "5.3.1")
            #expect(plan["customer_3"]?.0 == "5.3.1")  // an alias of stable

            // A rollback returns beta to what it served before the last promotion.
            #expect(try await Self.send(server, .post, "/api/v1/private_blog/beta/rollback").0 == .ok)
            (version, plan) = try await Self.plan(server)
            #expect(plan["beta"]?.0 == "5.3.0")
            #expect(plan["beta"]?.1 == "5.3.1")

            // The final state, channel by channel, is what the rules and the choices say.
            let expected: [String: String?] = [
                "development": "5.4.0", "beta": "5.3.0", "stable": "5.3.1", "vip_a": "5.2.0", "vip_b": "5.2.1",
                "customer_1": "5.3.0", "customer_2": "5.4.0", "customer_3": "5.3.1", "customer_4": "5.3.0", "customer_5": "5.4.0",
                "customer_6": "5.3.1", "customer_7": "5.3.0", "customer_8": "5.4.0", "customer_9": "5.3.1",
            ]
            #expect(plan.count == 14)
            for (channel, served) in expected {
                #expect(plan[channel]?.0 == served, "\(channel)")
            }
            let history = try await server.get("/api/v1/private_blog/history/").1.response["history"] as? [[String: Any]]
            let reasons = Set((history ?? []).compactMap { ($0["move"] as? [String: Any])?["reason"] as? String })
            #expect(reasons == ["upload", "promotion", "pin", "rollback"])
        }
    }

    @Test("A build's extensions/*.yaml are read at upload; a malformed one is refused with its path and line")
    func manifestsInTheZip() async throws {
        try await TestServer.run { server in
            let header = "<?php\n/*\nPlugin Name: Private Blog\nVersion: 5.0.1\n*/\n"
            let good = try PluginZip.zip([
                ("private_blog/private_blog.php", header), ("private_blog/extensions/session-expiry.yaml", "name: Session Expiry\nbeta: 5.0.x\n"),
            ])
            #expect(try await server.upload(good, channel: "development").0 == .created)
            let listed = try await server.get("/api/v1/private_blog/extensions").1.response["extensions"] as? [[String: Any]]
            #expect(listed?.first?["name"] as? String == "Session Expiry")
            #expect(listed?.first?["beta"] as? String == "5.0.x")
            #expect(try await server.get("/api/v1/private_blog/beta/latest/").1.response["product_version"] as? String == "5.0.1")

            let bad = try PluginZip.zip([
                ("private_blog/private_blog.php", header.replacingOccurrences(of: "5.0.1", with: "5.0.2")),
                ("private_blog/extensions/broken.yaml", "name: Broken\nstable: [5, 6]\n"),
            ])
            let (status, body) = try await server.upload(bad, channel: "development")
            #expect(status == .badRequest)
            let message = (body["messages"] as? [[String: Any]])?.first?["message"] as? String ?? ""
            #expect(message.contains("private_blog/extensions/broken.yaml, line 2"))
        }
    }

    @Test("Settings: auto_deploy moves stable without a confirmation; core channels cannot be deleted")
    func settings() async throws {
        try await TestServer.run { server in
            #expect(try await Self.send(server, .put, "/api/v1/private_blog/lts/", "{}").0 == .ok)
            let (status, settings) = try await Self.send(
                server, .put, "/api/v1/private_blog/settings", #"{"auto_deploy": true, "core_channels": ["stable", "beta", "development", "lts"]}"#)
            #expect(status == .ok)
            #expect(settings.response["auto_deploy"] as? Bool == true)
            #expect(Set(settings.response["core_channels"] as? [String] ?? []) == ["stable", "beta", "development", "lts"])
            let deleted = try await Self.send(server, .delete, "/api/v1/private_blog/lts/")
            #expect(deleted.0 == .badRequest)
            #expect(deleted.1.errorCode == "channel_is_core")
            let dropped = try await Self.send(server, .put, "/api/v1/private_blog/settings", #"{"core_channels": ["lts"]}"#)
            #expect(dropped.0 == .badRequest)
            #expect(try await Self.send(server, .put, "/api/v1/private_blog/settings", #"{"auto_deploy": "yes"}"#).0 == .badRequest)

            #expect(try await Self.send(server, .put, "/api/v1/private_blog/extensions/one", "stable: 2.0.x\nbeta: 2.0.x\n").0 == .ok)
            #expect(try await server.upload(try PluginZip.make(version: "2.0.1"), channel: "development").0 == .created)
            #expect(try await server.get("/api/v1/private_blog/stable/latest/").1.response["product_version"] as? String == "2.0.1")
        }
    }
}
