import Crypto
import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird
import HummingbirdTesting
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
