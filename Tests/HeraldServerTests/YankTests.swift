import Crypto
import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Taking a bad build back from the sites that installed it.
@Suite("Yanked builds")
struct YankTests {
    @Test("A yanked build: its channel falls back, sites on it get the older build as a signed downgrade, nothing serves it again")
    func yankOffersSignedDowngrade() async throws {
        try await TestServer.run(framework: .live) { server in
            let good = try PluginZip.make(version: "1.0")
            let bad = try PluginZip.make(version: "1.1")
            #expect(try await server.upload(good).0 == .created)
            #expect(try await server.upload(bad).0 == .created)
            let badHash = PluginZip.sha256(bad)
            #expect(try await check(server, installed: "1.1").response["update_available"] as? Bool == false)

            #expect(try await server.send(.post, "/api/v1/builds/\(badHash)/yank", json: ["reason": " "]).0 == .badRequest)
            let (status, yanked) = try await server.send(.post, "/api/v1/builds/\(badHash)/yank", json: ["reason": "Fatal error on PHP 7.4"])
            #expect(status == .ok)
            #expect(yanked.response["moved_channels"] as? [String] == ["stable"])
            let build = try #require(yanked.response["yanked"] as? [String: Any])
            #expect((build["yanked"] as? [String: Any])?["reason"] as? String == "Fatal error on PHP 7.4")
            #expect((build["yanked"] as? [String: Any])?["by"] as? String == "ci")

            // A site on the yanked build: offered 1.0, marked as a downgrade, signed.
            let key = try await signingKey(server)
            let onBad = try await check(server, installed: "1.1", key: key)
            #expect(onBad.response["update_available"] as? Bool == true)
            #expect(onBad.response["new_version"] as? String == "1.0")
            #expect(onBad.response["downgrade"] as? Bool == true)
            #expect(onBad.response["current_version"] as? String == "1.1")
            #expect(onBad.codes.contains("build_yanked"))
            #expect(onBad.messages.contains { $0.contains("Fatal error on PHP 7.4") })
            // Sites on another version: no downgrade, whatever was answered before.
            let older = try await check(server, installed: "0.9", key: key)
            #expect(older.response["new_version"] as? String == "1.0" && older.response["downgrade"] == nil)
            #expect(try await check(server, installed: "1.0").response["update_available"] as? Bool == false)

            // It stays downloadable, for audits.
            let link = try #require(build["download_url"] as? String)
            let path = String(link[try #require(link.range(of: "/download/")).lowerBound...])
            let download = try await server.client.execute(uri: path, method: .get) { ($0.status, Data(buffer: $0.body)) }
            #expect(download.0 == .ok && download.1 == bad)

            // Nothing serves it again: a pin, a re-upload, a rollout, a rollback are refused.
            let pin = try await server.send(.post, "/api/v1/private_blog/stable/pin", json: ["build": badHash])
            #expect(pin.0 == .conflict && pin.1.messageCodes == ["build_yanked"])
            let again = try await server.upload(bad)
            #expect(again.0 == .conflict && again.1.messageCodes == ["build_yanked"])
            let rollout = try await server.send(.post, "/api/v1/private_blog/stable/rollout", json: ["build": badHash, "percentage": "10"])
            #expect(rollout.0 == .conflict && rollout.1.messageCodes == ["build_yanked"])
            let rollback = try await server.send(.post, "/api/v1/private_blog/stable/rollback")
            #expect(rollback.0 == .conflict)
            #expect(try await check(server, installed: "0.9").response["new_version"] as? String == "1.0")

            let history = try await server.send(.get, "/api/v1/private_blog/stable/history")
            let moves = try #require(history.1.response["history"] as? [[String: Any]])
            #expect(moves.last?["reason"] as? String == "yank")
            // Yanking again changes nothing; another product's token may not.
            #expect(try await server.send(.post, "/api/v1/builds/\(badHash)/yank", json: ["reason": "again"]).0 == .ok)
            let scoped = try await server.client.execute(
                uri: "/api/v1/builds/\(PluginZip.sha256(good))/yank", method: .post,
                headers: server.headers(token: server.scopedToken, [.contentType: "application/json"]),
                body: ByteBuffer(string: #"{"reason":"not mine"}"#)) { $0.status }
            #expect(scoped == .forbidden)
        }
    }

    private struct Answer {
        let response: [String: Any]
        let codes: [String]
        let messages: [String]
    }

    private func signingKey(_ server: TestServer) async throws -> Curve25519.Signing.PublicKey {
        let text = try #require(try await server.get("/api/signing_key").1.response["public_key"] as? String)
        return try Curve25519.Signing.PublicKey(rawRepresentation: try #require(Data(base64Encoded: text)))
    }

    /// check_for_update of a site at `installed`; with `key`, its signature must verify.
    private func check(_ server: TestServer, installed: String, key: Curve25519.Signing.PublicKey? = nil) async throws -> Answer {
        let uri = "/api/check_for_update/?product_name=private_blog&release_channel=stable&current_product_version=\(installed)&site_url=https://s\(installed).example.com"
        let (signature, body) = try await server.client.execute(uri: uri, method: .get) {
            ($0.headers[HTTPField.Name("X-Herald-Signature")!], Data(buffer: $0.body))
        }
        if let key {
            let bytes = try #require(signature.flatMap { Data(base64Encoded: $0) })
            #expect(key.isValidSignature(bytes, for: body))
        }
        let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        let messages = object["messages"] as? [[String: Any]] ?? []
        return Answer(
            response: object["response"] as? [String: Any] ?? [:], codes: messages.compactMap { $0["code"] as? String },
            messages: messages.compactMap { $0["message"] as? String })
    }
}

@Suite("Yanked builds: one upload of a version")
struct YankOneUploadTests {
    @Test("Yanking the newer upload of a version: the version's link serves the upload that stands, and no downgrade is offered")
    func versionLinkServesStandingUpload() async throws {
        try await TestServer.run(framework: .router) { server in
            let first = try PluginZip.make(version: "2.0")
            let second = try PluginZip.make(version: "2.0", requiresPHP: "8.1")
            #expect(first != second)
            #expect(try await server.upload(first).0 == .created)
            #expect(try await server.upload(second).0 == .created)
            #expect(try await server.send(.post, "/api/v1/builds/\(PluginZip.sha256(second))/yank", json: ["reason": "wrong PHP floor"]).0 == .ok)
            let download = try await server.client.execute(uri: "/download/private_blog/2.0/private_blog.zip", method: .get) {
                ($0.status, Data(buffer: $0.body))
            }
            #expect(download.0 == .ok && download.1 == first, "the version's link names the upload that stands")
            let answer = try await server.get(
                "/api/check_for_update/?product_name=private_blog&release_channel=stable&current_product_version=2.0&site_url=https://a.example")
            #expect(answer.1.response["update_available"] as? Bool == false && answer.1.response["downgrade"] == nil)
            let latest = try await server.get("/api/get_latest/?product_name=private_blog&release_channel=stable")
            #expect((latest.1.response["build"] as? [String: Any])?["build_hash"] as? String == PluginZip.sha256(first) || latest.1.response["build_hash"] as? String == PluginZip.sha256(first))
        }
    }
}
