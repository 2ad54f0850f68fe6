import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// What a token scoped to one product can do to another: nothing. Shared licenses and shared
/// file contents are where the products meet.
@Suite("A token scoped to one product cannot touch another")
struct ScopedTokenTests {
    private static func upload(_ server: TestServer, product: String, version: String, token: String? = nil) async throws -> HTTPResponse.Status {
        let zip = try PluginZip.make(slug: product, version: version)
        return try await server.client.execute(
            uri: "/api/v1/\(product)/stable/builds", method: .post, headers: server.headers(token: token), body: ByteBuffer(bytes: zip)
        ) { $0.status }
    }

    /// private_blog and other_plugin, both premium, each with 1.0 on stable.
    private static func twoPremiumProducts(_ server: TestServer) async throws {
        for product in ["private_blog", "other_plugin"] {
            #expect(try await server.send(.put, "/api/v1/\(product)", json: ["premium": true]).0 == .ok)
            #expect(try await upload(server, product: product, version: "1.0") == .created)
        }
    }

    private static func check(_ server: TestServer, product: String, key: String) async throws -> (HTTPResponse.Status, [String: Any]) {
        try await server.get(
            "/api/check_for_update/?product_name=\(product)&release_channel=stable&current_product_version=0.1&license=\(key)"
                + "&site_url=https://customer.example")
    }

    @Test("A scoped token lists only tokens within its products and makes or revokes none; a token for every product can")
    func tokensWithinScope() async throws {
        try await TestServer.run(framework: .router) { server in
            func call(_ method: HTTPRequest.Method, _ uri: String, token: String, json: String? = nil) async throws -> (HTTPResponse.Status, [String: Any]) {
                try await server.client.execute(
                    uri: uri, method: method, headers: server.headers(token: token, [.contentType: "application/json"]),
                    body: json.map { ByteBuffer(string: $0) }
                ) { ($0.status, try envelope($0)) }
            }
            let listed = try await call(.get, "/api/v1/tokens", token: server.scopedToken)
            let names = (listed.1.response["tokens"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(listed.0 == .ok && names == ["other-ci"])
            let everything = try await call(.post, "/api/v1/tokens", token: server.scopedToken, json: #"{"name": "wider"}"#)
            #expect(everything.0 == .forbidden)
            let elsewhere = try await call(.post, "/api/v1/tokens", token: server.scopedToken, json: #"{"name": "x", "products": "private_blog"}"#)
            #expect(elsewhere.0 == .forbidden)
            let own = try await call(.post, "/api/v1/tokens", token: server.scopedToken, json: #"{"name": "deploy", "products": "other_plugin"}"#)
            #expect(own.0 == .forbidden, "a scoped token cannot mint a token, not even for its own product")
            let made = try await call(.post, "/api/v1/tokens", token: server.token, json: #"{"name": "deploy", "products": "other_plugin"}"#)
            #expect(made.0 == .created)
            let secret = try #require(made.1.response["secret"] as? String)
            #expect(try await server.store.token(forSecret: secret)?.products == [try ProductID(validating: "other_plugin")])
            let all = try await server.store.tokens()
            let unscoped = try #require(all.first { $0.name == "ci" })
            #expect(try await call(.delete, "/api/v1/tokens/\(unscoped.id)", token: server.scopedToken).0 == .forbidden)
            let deploy = try #require(all.first { $0.name == "deploy" })
            #expect(try await call(.delete, "/api/v1/tokens/\(deploy.id)", token: server.scopedToken).0 == .forbidden)
            #expect(try await server.store.tokens().count == 3)
            #expect(try await call(.delete, "/api/v1/tokens/\(deploy.id)", token: server.token).0 == .ok)
            #expect(try await server.store.token(forSecret: secret) == nil)
        }
    }

    @Test("A shared license revoked with one product's token is revoked for that product only")
    func revokeIsScoped() async throws {
        try await TestServer.run { server in
            try await Self.twoPremiumProducts(server)
            let created = try await server.send(
                .post, "/api/v1/licenses",
                json: ["customer_name": "Shared", "customer_email": "shared@example.com", "products": "private_blog,other_plugin"])
            let key = try #require(created.1.response["key"] as? String)
            let id = try #require((created.1.response["license"] as? [String: Any])?["id"] as? String)

            let revoked = try await server.client.execute(
                uri: "/api/v1/licenses/\(id)/revoke", method: .post, headers: server.headers(token: server.scopedToken)
            ) { ($0.status, try envelope($0)) }
            #expect(revoked.0 == .ok)
            // The scoped token sees its product only: revoked there.
            #expect(revoked.1.response["products"] as? [String] == ["other_plugin"])
            #expect(revoked.1.response["revoked_products"] as? [String] == ["other_plugin"])
            #expect(revoked.1.response["status"] as? String == "revoked")
            let whole = try await server.send(.get, "/api/v1/licenses/\(id)")
            #expect(whole.1.response["revoked_products"] as? [String] == ["other_plugin"])
            #expect(whole.1.response["status"] as? String == "active")

            let other = try await Self.check(server, product: "other_plugin", key: key)
            #expect(other.1.errorCode == "license_revoked" || other.1.messageCodes.contains("license_revoked"))
            let mine = try await Self.check(server, product: "private_blog", key: key)
            #expect(mine.0 == .ok)
            #expect(!mine.1.messageCodes.contains("license_revoked"))
            #expect(mine.1.response["authenticated_download_url"] as? String != nil)

            // The vendor of every product revokes it everywhere.
            let all = try await server.send(.post, "/api/v1/licenses/\(id)/revoke")
            #expect(all.1.response["status"] as? String == "revoked")
            #expect(try await Self.check(server, product: "private_blog", key: key).1.messageCodes.contains("license_revoked"))
        }
    }

    @Test("Binding a shared license to one product's customer channel leaves the other product's answers alone")
    func bindingIsScoped() async throws {
        try await TestServer.run { server in
            try await Self.twoPremiumProducts(server)
            let beta = try await server.client.execute(
                uri: "/api/v1/other_plugin/beta/builds", method: .post, headers: server.headers(),
                body: ByteBuffer(bytes: try PluginZip.make(slug: "other_plugin", version: "2.0-beta1"))
            ) { $0.status }
            #expect(beta == .created)
            // Both products have a channel named `acme`: private_blog's follows stable.
            #expect(try await server.send(.put, "/api/v1/private_blog/acme", json: ["alias_for": "stable"]).0 == .ok)
            let created = try await server.send(
                .post, "/api/v1/licenses",
                json: ["customer_name": "Acme", "customer_email": "acme@example.com", "products": "private_blog,other_plugin"])
            let key = try #require(created.1.response["key"] as? String)
            let bound = try await server.client.execute(
                uri: "/api/v1/other_plugin/acme", method: .put, headers: server.headers(token: server.scopedToken, [.contentType: "application/json"]),
                body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["alias_for": "beta", "licenses": key]))
            ) { $0.status }
            #expect(bound == .ok)

            let other = try await Self.check(server, product: "other_plugin", key: key)
            #expect(other.1.response["channel"] as? String == "acme")
            #expect(other.1.response["new_version"] as? String == "2.0-beta1")
            let mine = try await Self.check(server, product: "private_blog", key: key)
            #expect(mine.1.response["channel"] as? String == "stable")
        }
    }

    @Test("A message's license must be one of its product's: any other answers as unknown, like a key that does not exist")
    func messageLicensesAreScoped() async throws {
        try await TestServer.run { server in
            let created = try await server.send(
                .post, "/api/v1/licenses", json: ["customer_name": "Blog", "customer_email": "blog@example.com", "products": "private_blog"])
            let key = try #require(created.1.response["key"] as? String)
            for license in [key, "HRLD-00000000000000000000000000000000"] {
                let answer = try await server.client.execute(
                    uri: "/api/v1/other_plugin/messages", method: .post,
                    headers: server.headers(token: server.scopedToken, [.contentType: "application/json"]),
                    body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["text": "Hello", "licenses": license]))
                ) { ($0.status, try envelope($0)) }
                #expect(answer.0 == .notFound)
                #expect(answer.1.errorCode == "unknown_license")
            }
        }
    }

    @Test("Removing one app's build keeps a file of another app stored in the same bytes; a file whose blob is gone answers 404")
    func sharedBlobs() async throws {
        try await TestServer.run { server in
            for id in ["tool_a", "tool_b"] {
                try await server.store.createProduct(Product(id: try ProductID(validating: id), name: id, kind: .app, createdAt: 0))
            }
            let scoped = try await server.store.createToken(name: "tool-a-ci", products: [try ProductID(validating: "tool_a")]).secret
            let tool = "#!/bin/sh\necho tool\n"
            let hash = PluginZip.sha256(Data(tool.utf8))
            let b = try await server.client.execute(
                uri: "/api/v1/tool_b/stable/builds?version=1.0", method: .post, headers: server.headers(),
                body: ByteBuffer(bytes: try PluginZip.zip([("bin/tool", tool)]))
            ) { $0.status }
            #expect(b == .created)
            // tool_a's build is the very bytes of tool_b's file.
            let a = try await server.client.execute(
                uri: "/api/v1/tool_a/stable/builds?version=1.0", method: .post, headers: server.headers(token: scoped),
                body: ByteBuffer(string: tool)
            ) { ($0.status, try envelope($0)) }
            #expect(a.0 == .created, "\(a.1)")
            #expect(try await server.client.execute(uri: "/api/v1/builds/\(hash)", method: .delete, headers: server.headers(token: scoped)) {
                $0.status
            } == .ok)

            let file = try await server.client.execute(uri: "/goupdate/tool_b/files/\(hash)", method: .get) { ($0.status, String(buffer: $0.body)) }
            #expect(file.0 == .ok)
            #expect(file.1 == tool)

            unlink(server.blobs.path(of: try BuildHash(validating: hash)))
            let missing = try await server.get("/goupdate/tool_b/files/\(hash)")
            #expect(missing.0 == .notFound)
        }
    }
}
