import Crypto
import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Platform files of app builds")
struct ArtifactTests {
    static func withApp(_ test: @escaping @Sendable (TestServer, String) async throws -> Void) async throws {
        try await TestServer.run { server in
            try await server.store.createProduct(Product(id: try ProductID(validating: "deskapp"), name: "Desk App", kind: .app, createdAt: 0))
            let (status, body) = try await server.client.execute(
                uri: "/api/v1/deskapp/stable/builds?version=1.0", method: .post, headers: server.headers(),
                body: ByteBuffer(string: "the build's own file")
            ) { ($0.status, try envelope($0)) }
            #expect(status == .created, "\(body)")
            try await test(server, try #require(body.response["build_hash"] as? String))
        }
    }

    static func add(_ server: TestServer, _ bytes: String, to hash: String, platform: String) async throws -> (HTTPResponse.Status, [String: Any]) {
        try await server.client.execute(
            uri: "/api/v1/builds/\(hash)/artifacts?platform=\(platform)", method: .post, headers: server.headers(), body: ByteBuffer(string: bytes)
        ) { ($0.status, try envelope($0)) }
    }

    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    @Test("A platform file gets its digests at upload; replacing it, and removing the build, delete the blobs nothing else uses")
    func blobs() async throws {
        try await Self.withApp { server, hash in
            let (status, body) = try await Self.add(server, "mac v1", to: hash, platform: "macos-universal")
            #expect(status == .created, "\(body)")
            #expect(body.response["sha256"] as? String == Self.sha256("mac v1"))
            #expect(
                body.response["sha512"] as? String
                    == SHA512.hash(data: Data("mac v1".utf8)).map { String(format: "%02x", $0) }.joined())
            let first = try BuildHash(validating: Self.sha256("mac v1"))
            #expect(try await server.blobs.contains(first))

            #expect(try await Self.add(server, "mac v2", to: hash, platform: "macos-universal").0 == .created)
            #expect(try await !server.blobs.contains(first), "the replaced file's blob is deleted")
            let second = try BuildHash(validating: Self.sha256("mac v2"))
            let listed = try await server.client.execute(uri: "/api/v1/builds/\(hash)/artifacts", method: .get, headers: server.headers()) {
                try envelope($0)["response"] as? [[String: Any]] ?? []
            }
            #expect(listed.map { $0["sha256"] as? String } == [second.rawValue])

            try await server.client.execute(uri: "/api/v1/builds/\(hash)", method: .delete, headers: server.headers()) {
                #expect($0.status == .ok)
            }
            #expect(try await !server.blobs.contains(second), "removing the build deletes its platform files")
            #expect(try await server.store.inconsistencies(blobs: server.blobs, readingContents: true, orphanAge: 0).isEmpty)
        }
    }

    @Test("Platform files are for apps, need a token that may change the product, and a real platform")
    func refusals() async throws {
        try await Self.withApp { server, hash in
            let plugin = try await server.upload(try PluginZip.make())
            let pluginHash = try #require(plugin.1.response["build_hash"] as? String)
            let (pluginStatus, pluginBody) = try await Self.add(server, "x", to: pluginHash, platform: "linux-x86_64")
            #expect(pluginStatus == .notFound)
            #expect(pluginBody.errorCode == "not_an_app")
            let (badStatus, badBody) = try await Self.add(server, "x", to: hash, platform: "beos-x86")
            #expect(badStatus == .badRequest)
            #expect(badBody.errorCode == "invalid_input")
            let scoped = try await server.client.execute(
                uri: "/api/v1/builds/\(hash)/artifacts?platform=linux-x86_64", method: .post, headers: server.headers(token: server.scopedToken),
                body: ByteBuffer(string: "x")
            ) { $0.status }
            #expect(scoped == .forbidden)
            #expect(try await server.get("/artifact/\(hash)/linux-x86_64/x.bin").0 == .notFound)
        }
    }
}
