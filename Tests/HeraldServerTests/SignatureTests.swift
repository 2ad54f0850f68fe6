import Crypto
import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird
import HummingbirdTesting
@testable import HeraldServer
import Testing

@Suite("Package signatures, as WordPress core verifies them")
struct SignatureTests {
    @Test("Both download URLs carry an Ed25519 signature over the file's SHA-384, also at URL.sig")
    func downloadsAreSigned() async throws {
        try await TestServer.run { server in
            let zip = try PluginZip.make(version: "1.0")
            #expect(try await server.upload(zip).0 == .created)
            let keyText = try #require(try await server.get("/api/signing_key").1.response["public_key"] as? String)
            let keyBytes = try #require(Data(base64Encoded: keyText))
            let key = try Curve25519.Signing.PublicKey(rawRepresentation: keyBytes)
            let digest = Data(SHA384.hash(data: zip))
            for uri in ["/file/\(PluginZip.sha256(zip))/private_blog.zip", "/download/private_blog/1.0/private_blog.zip"] {
                let header = try await server.client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(Data(buffer: response.body) == zip)
                    #expect(response.headers[.init("Content-MD5")!] == Data(Insecure.MD5.hash(data: zip)).base64EncodedString())
                    return response.headers[.init("X-Content-Signature")!]
                }
                let signatureText = try #require(header)
                let signature = try #require(Data(base64Encoded: signatureText))
                #expect(key.isValidSignature(signature, for: digest))
                #expect(!key.isValidSignature(signature, for: Data(SHA384.hash(data: zip + [0]))))
                try await server.client.execute(uri: uri + ".sig", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body) == header)
                }
            }
        }
    }

    @Test("The key is made once per data folder, kept 0600, and read back the same")
    func keyPersists() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("herald-key-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try PackageSigner.load(dataDirectory: folder)
        let second = try PackageSigner.load(dataDirectory: folder)
        #expect(first.publicKey == second.publicKey)
        let attributes = try FileManager.default.attributesOfItem(atPath: folder + "/" + PackageSigner.fileName)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let other = try PackageSigner.load(dataDirectory: folder + "-other")
        defer { try? FileManager.default.removeItem(atPath: folder + "-other") }
        #expect(other.publicKey != first.publicKey)
    }
}

@Suite("Signed answers: every answer to a site carries Ed25519 over its exact bytes")
struct SignedAnswerTests {
    /// The first answer in `raw` (HTTP/1.1 bytes): its headers, lower-cased names, and body.
    private static func firstAnswer(_ raw: String) throws -> (headers: [String: String], body: String) {
        let split = try #require(raw.range(of: "\r\n\r\n"))
        var headers: [String: String] = [:]
        for line in raw[..<split.lowerBound].split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = try #require(Int(headers["content-length"] ?? ""))
        let body = String(decoding: Array(raw.utf8)[raw.utf8.distance(from: raw.utf8.startIndex, to: split.upperBound)...].prefix(length), as: UTF8.self)
        return (headers, body)
    }

    private static func key(of server: TestServer) async throws -> Curve25519.Signing.PublicKey {
        let keyText = try #require(try await server.get("/api/signing_key").1.response["public_key"] as? String)
        return try Curve25519.Signing.PublicKey(rawRepresentation: try #require(Data(base64Encoded: keyText)))
    }

    private static func verifies(_ key: Curve25519.Signing.PublicKey, _ signature: String?, _ body: String) -> Bool {
        guard let signature, let bytes = Data(base64Encoded: signature) else { return false }
        return key.isValidSignature(bytes, for: Data(body.utf8))
    }

    @Test("check_for_update, before the router (GET) and by it (POST): signed, naming product, channel, version, SHA-384, expiry")
    func updateCheckSigned() async throws {
        try await TestServer.run { server in
            let zip = try PluginZip.make(version: "2.0")
            #expect(try await server.upload(zip).0 == .created)
            let key = try await Self.key(of: server)
            let port = try #require(server.client.port)
            let fields = "product_name=private_blog&release_channel=stable&current_product_version=1.0"
            #expect(try await server.get("/api/check_for_update/?" + fields).0 == .ok)
            let requests = [
                "GET /api/check_for_update/?\(fields) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "POST /api/check_for_update/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    + "Content-Length: \(fields.utf8.count)\r\nConnection: close\r\n\r\n\(fields)",
            ]
            var bodies: [String] = []
            for request in requests {
                let (headers, body) = try Self.firstAnswer(try await RawHTTPConnection.exchange(port: port, requests: [request]))
                #expect(Self.verifies(key, headers["x-herald-signature"], body), "\(request.prefix(4)): \(body)")
                #expect(!Self.verifies(key, headers["x-herald-signature"], body.replacingOccurrences(of: "2.0", with: "2.1")))
                let response = try #require((try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["response"] as? [String: Any])
                #expect(response["product_id"] as? String == "private_blog")
                #expect(response["channel"] as? String == "stable")
                #expect(response["requested_channel"] as? String == "stable")
                #expect(response["new_version"] as? String == "2.0")
                #expect((response["build"] as? [String: Any])?["sha384"] as? String == SHA384.hash(data: zip).map { String(format: "%02x", $0) }.joined())
                let expires = try #require(response["expires"] as? Int)
                let now = Int(Date().timeIntervalSince1970)
                #expect(expires > now + 22 * 3600 && expires <= now + 24 * 3600)
                bodies.append(body)
            }
            #expect(bodies.count == 2 && bodies[0] == bodies[1], "the same bytes before the router and by it")
        }
    }

    @Test("get_latest and the /wordpress/ actions are signed too")
    func otherAnswersSigned() async throws {
        try await TestServer.run(framework: .router) { server in
            #expect(try await server.upload(try PluginZip.make(version: "2.0")).0 == .created)
            let key = try await Self.key(of: server)
            for uri in [
                "/api/v1/private_blog/stable/latest/", "/api/get_latest?product_name=private_blog&channel=stable",
                "/wordpress/?action=get_metadata&slug=private_blog", "/wordpress/?action=show&slug=plugins/private_blog",
                "/wordpress/?action=latest&slug=plugins/private_blog", "/wordpress/?action=check&slug=plugins/private_blog&version=1.0",
            ] {
                try await server.client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .ok, "\(uri)")
                    #expect(Self.verifies(key, response.headers[.init(AnswerSignatures.header)!], String(buffer: response.body)), "\(uri)")
                }
            }
            // Refusals and errors answered to sites are signed too; the vendor's API is not a site's.
            for (uri, status) in [
                ("/api/check_for_update/?product_name=nobody", HTTPResponse.Status.notFound),
                ("/wordpress/?action=check&slug=plugins/private_blog", .badRequest),
            ] {
                try await server.client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == status, "\(uri)")
                    #expect(Self.verifies(key, response.headers[.init(AnswerSignatures.header)!], String(buffer: response.body)), "\(uri)")
                }
            }
            try await server.client.execute(uri: "/api/v1/nobody/", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.init(AnswerSignatures.header)!] == nil)
            }
        }
    }
}
