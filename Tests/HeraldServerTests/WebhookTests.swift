import Crypto
import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// Signed webhooks, delivered to a receiver on a real port.
@Suite("Webhooks")
struct WebhookTests {
    /// What the receiver got: the request's headers (lower-cased names) and body.
    struct Received: Sendable {
        let path: String
        let headers: [String: String]
        let body: Data
    }

    @Test("Deliveries are signed; a receiver failing three times then succeeding gets the event once more and exactly once; redeliver sends it again")
    func deliveries() async throws {
        let received = Mutex<[Received]>([])
        let router = Router()
        router.post("/{hook}") { request, context -> Response in
            let body = Data(buffer: try await request.body.collect(upTo: 1 << 20))
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let hook = context.parameters.get("hook") ?? ""
            let count = received.withLock { all in
                all.append(Received(path: hook, headers: headers, body: body))
                return all.filter { $0.path == hook }.count
            }
            return Response(status: hook == "flaky" && count <= 3 ? .internalServerError : .noContent)
        }
        let receiver = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await receiver.test(.live) { receiverClient in
            let port = try #require(receiverClient.port)
            try await TestServer.run(framework: .live, webhookRetryBase: .milliseconds(100)) { server in
                let flaky = try await server.send(
                    .post, "/api/v1/private_blog/webhooks",
                    json: ["url": "http://127.0.0.1:\(port)/flaky", "events": ["build_published"], "secret": "a-secret-of-the-vendor-1234"])
                #expect(flaky.0 == .created && flaky.1.response["secret"] as? String == "a-secret-of-the-vendor-1234")
                let flakyID = try #require(flaky.1.response["id"] as? String)
                let all = try await server.send(.post, "/api/v1/private_blog/webhooks", json: ["url": "http://127.0.0.1:\(port)/all"])
                let allSecret = try #require(all.1.response["secret"] as? String)
                #expect(all.1.response["events"] as? [String] == Webhook.Event.allCases.map(\.rawValue).sorted())
                let listed = try await server.send(.get, "/api/v1/private_blog/webhooks")
                #expect((listed.1.response["webhooks"] as? [[String: Any]])?.count == 2)
                #expect(!String(describing: listed.1).contains(allSecret), "a secret is shown once")

                let zip = try PluginZip.make(version: "1.0")
                #expect(try await server.upload(zip).0 == .created)
                try await waitUntil { received.withLock { all in all.filter { $0.path == "flaky" }.count } >= 4 }
                // Several retry delays more: nothing is sent after the delivery succeeded.
                try await Task.sleep(for: .seconds(2))
                let attempts = received.withLock { all in all.filter { $0.path == "flaky" } }
                #expect(attempts.count == 4, "three failures, then one success, then nothing")
                #expect(Set(attempts.map(\.body)).count == 1 && Set(attempts.map { $0["x-herald-delivery"] }).count == 1)
                for attempt in attempts {
                    #expect(Self.verifies(attempt, secret: "a-secret-of-the-vendor-1234"))
                    #expect(!Self.verifies(attempt, secret: "another-secret-0000000000"))
                }
                let body = try #require(try JSONSerialization.jsonObject(with: attempts[0].body) as? [String: Any])
                #expect(body["event"] as? String == "build_published" && body["product"] as? String == "private_blog")
                #expect((body["data"] as? [String: Any])?["build_hash"] as? String == PluginZip.sha256(zip))
                #expect(attempts[0]["x-herald-event"] == "build_published")

                // The log: one delivery, delivered at its 4th attempt, the failures' statuses kept.
                let log = try await server.send(.get, "/api/v1/private_blog/webhooks/\(flakyID)/deliveries")
                let deliveries = try #require(log.1.response["deliveries"] as? [[String: Any]])
                #expect(deliveries.count == 1 && deliveries[0]["state"] as? String == "delivered")
                let statuses = (deliveries[0]["attempts"] as? [[String: Any]])?.map { $0["status"] as? Int }
                #expect(statuses == [500, 500, 500, 204])

                // Redelivered by hand: once more.
                let deliveryID = try #require(deliveries[0]["id"] as? String)
                let redeliver = try await server.send(.post, "/api/v1/private_blog/webhooks/\(flakyID)/deliveries/\(deliveryID)/redeliver")
                #expect(redeliver.0 == .accepted)
                try await waitUntil { received.withLock { all in all.filter { $0.path == "flaky" }.count } >= 5 }
                try await Task.sleep(for: .milliseconds(800))
                #expect(received.withLock { all in all.filter { $0.path == "flaky" }.count } == 5)

                // The catch-all subscription heard the upload's move and a yank, each signed with its own secret.
                let yanked = try await server.send(.post, "/api/v1/builds/\(PluginZip.sha256(zip))/yank", json: ["reason": "broken"])
                #expect(yanked.0 == .ok)
                try await waitUntil { received.withLock { all in all.contains { $0.path == "all" && $0["x-herald-event"] == "build_yanked" } } }
                let heard = received.withLock { all in all.filter { $0.path == "all" } }
                #expect(Set(heard.compactMap { $0["x-herald-event"] }).isSuperset(of: ["build_published", "channel_moved", "build_yanked"]))
                #expect(heard.allSatisfy { Self.verifies($0, secret: allSecret) })

                // Checked: a URL that is not http(s), an unknown event, another product's token, an unknown webhook.
                #expect(try await server.send(.post, "/api/v1/private_blog/webhooks", json: ["url": "file:///etc/passwd"]).0 == .badRequest)
                #expect(
                    try await server.send(.post, "/api/v1/private_blog/webhooks", json: ["url": "https://x.example", "events": ["nope"]]).0
                        == .badRequest)
                let scoped = try await server.client.execute(
                    uri: "/api/v1/private_blog/webhooks/\(flakyID)/deliveries", method: .get, headers: server.headers(token: server.scopedToken)
                ) { $0.status }
                #expect(scoped == .forbidden)
                #expect(try await server.send(.get, "/api/v1/private_blog/webhooks/nope/deliveries").0 == .notFound)
                #expect(try await server.send(.delete, "/api/v1/private_blog/webhooks/\(flakyID)").0 == .ok)
            }
        }
    }

    /// Whether the delivery's signature is HMAC-SHA256(secret, "TIMESTAMP.BODY"), as a receiver checks it.
    static func verifies(_ delivery: Received, secret: String) -> Bool {
        guard let timestamp = delivery["x-herald-webhook-timestamp"], let signature = delivery["x-herald-webhook-signature"] else { return false }
        let code = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).".utf8) + delivery.body, using: SymmetricKey(data: Data(secret.utf8)))
        return signature == "sha256=" + code.map { String(format: "%02x", $0) }.joined()
    }

    private func waitUntil(_ condition: @Sendable () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting")
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

extension WebhookTests.Received {
    subscript(_ name: String) -> String? { headers[name] }
}

@Suite("Webhooks: private networks")
struct WebhookPrivateNetworkTests {
    @Test("By default a webhook is not sent to this machine or a private network: refused at subscription, and at sending after a lookup")
    func privateNetworksRefused() async throws {
        try await TestServer.run(framework: .live, webhookRetryBase: .milliseconds(100), webhookAllowPrivateNetworks: false) { server in
            for url in ["http://127.0.0.1:9/hook", "http://localhost/hook", "http://[::1]/x", "http://169.254.169.254/latest", "http://10.1.2.3/",
                "http://192.168.0.1/", "http://[::ffff:127.0.0.1]/"]
            {
                let refused = try await server.send(.post, "/api/v1/private_blog/webhooks", json: ["url": url])
                #expect(refused.0 == .badRequest, "\(url)")
            }
            // A name that resolves to this machine passes the literal check and is refused when sent.
            let named = try await server.send(.post, "/api/v1/private_blog/webhooks", json: ["url": "http://localtest.me.localhost.invalid:9/x"])
            #expect(named.0 == .created)
            let decimal = try await server.send(.post, "/api/v1/private_blog/webhooks", json: ["url": "http://2130706433:9/x", "events": ["build_published"]])
            #expect(decimal.0 == .created)
            let id = try #require(decimal.1.response["id"] as? String)
            #expect(try await server.upload(try PluginZip.make(version: "1.0")).0 == .created)
            var state: String?
            var error: String?
            for _ in 0..<100 where state != "failed" {
                try await Task.sleep(for: .milliseconds(100))
                let log = try await server.send(.get, "/api/v1/private_blog/webhooks/\(id)/deliveries")
                let delivery = (log.1.response["deliveries"] as? [[String: Any]])?.first
                state = delivery?["state"] as? String
                error = (delivery?["attempts"] as? [[String: Any]])?.first?["error"] as? String
            }
            #expect(state == "failed", "given up at once: a private address is not retried")
            #expect(error?.contains("private network") == true, "\(error ?? "")")
        }
    }
}
