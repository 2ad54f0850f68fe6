import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Publishing and reading over HTTP")
struct PublishingTests {
    @Test("Upload a zip, read latest, download it: the bytes match")
    func uploadLatestDownload() async throws {
        try await TestServer.run { server in
            let zip = try PluginZip.make(readmeStableTag: "5.0.1")
            let (status, body) = try await server.upload(zip, query: "builder_name=lofty&builder_version=1.1.2&uploaded_by=chatfielddaniel@gmail.com")
            #expect(status == .created, "\(body)")
            #expect(body.response["build_hash"] as? String == PluginZip.sha256(zip))
            #expect(body.response["version"] as? String == "5.0.1")
            #expect(body.response["requires"] as? String == "6.0")
            #expect(body.response["tested"] as? String == "6.7")
            #expect((body.response["changelog"] as? String)?.contains("Fixed") == true)

            let (latestStatus, latest) = try await server.get("/api/v1/private_blog/stable/latest/")
            #expect(latestStatus == .ok)
            for field in [
                "product_name", "product_id", "product_version", "built_on", "built_by", "download_url", "persistent_download_url",
                "secure_download_url", "authenticated_download_url", "builder",
            ] {
                #expect(latest.response[field] != nil, "get_latest lacks \(field)")
            }
            #expect(latest.response["product_name"] as? String == "Private Blog")
            #expect((latest.response["built_by"] as? [String: Any])?["email"] as? String == "chatfielddaniel@gmail.com")
            #expect((latest.response["builder"] as? [String: Any])?["name"] as? String == "lofty")

            for key in ["persistent_download_url", "download_url"] {
                let text = try #require(latest.response[key] as? String)
                let url = try #require(URL(string: text))
                try await server.client.execute(uri: url.path, method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(PluginZip.sha256(Data(buffer: response.body)) == PluginZip.sha256(zip))
                    #expect(response.headers[.contentLength] == String(zip.count))
                    #expect(response.headers[.contentDisposition] == "attachment; filename=\"private_blog.zip\"")
                }
            }
        }
    }

    @Test("Multipart upload with fields; the version may come from the request")
    func multipart() async throws {
        try await TestServer.run { server in
            let zip = try PluginZip.make(version: nil)
            let boundary = "herald-test-boundary"
            var body = Data()
            func field(_ name: String, _ value: String) {
                body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
            }
            field("version", "6.0.1")
            field("builder_name", "lofty")
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"My Plugin.zip\"\r\nContent-Type: application/zip\r\n\r\n".utf8)
            body += zip
            body += Data("\r\n".utf8)
            field("uploaded_by", "daniel")
            body += Data("--\(boundary)--\r\n".utf8)
            try await server.client.execute(
                uri: "/api/v1/private_blog/beta/builds", method: .post,
                headers: server.headers([.contentType: "multipart/form-data; boundary=\(boundary)"]), body: ByteBuffer(bytes: body)
            ) { response in
                let body = try envelope(response)
                #expect(response.status == .created, "\(body)")
                #expect(body.response["version"] as? String == "6.0.1")
                #expect(body.response["uploaded_by"] as? String == "daniel")
                #expect(body.response["file_name"] as? String == "My-Plugin.zip")
                #expect(body.response["build_hash"] as? String == PluginZip.sha256(zip))
            }
        }
    }

    @Test("The version comes from plugin.yaml, the header or readme.txt; a contradiction is refused")
    func versionSources() async throws {
        try await TestServer.run { server in
            #expect(try await server.upload(try PluginZip.make(version: "1.0", manifestVersion: "1.0")).0 == .created)
            let (status, body) = try await server.upload(try PluginZip.make(version: "2.0"), query: "version=2.1")
            #expect(status == .badRequest && body.errorCode == "version_mismatch")
            let (noVersion, missing) = try await server.upload(try PluginZip.make(version: nil))
            #expect(noVersion == .badRequest && missing.errorCode == "missing_version")
            #expect(try await server.upload(try PluginZip.make(version: nil, readmeStableTag: "3.0")).1.response["version"] as? String == "3.0")
        }
    }

    @Test("Unknown products, aliases and non-zips are refused, and nothing is stored")
    func refusedUploads() async throws {
        try await TestServer.run { server in
            try await server.client.execute(
                uri: "/api/v1/nope/stable/builds", method: .post, headers: server.headers(), body: ByteBuffer(bytes: try PluginZip.make())
            ) { response in
                let code = try envelope(response).errorCode
                #expect(response.status == .notFound && code == "unknown_product")
            }
            try await server.store.setAlias(of: .beta, of: TestServer.product, to: .stable)
            let (aliasStatus, alias) = try await server.upload(try PluginZip.make(), channel: "beta")
            #expect(aliasStatus == .badRequest && alias.errorCode == "channel_is_alias")
            let (notZipStatus, notZip) = try await server.upload(Data("hello".utf8))
            #expect(notZipStatus == .badRequest && notZip.errorCode == "invalid_archive")
            #expect(try storedBlobFiles(server).isEmpty)
        }
    }

    @Test("A body over --max-upload is refused with 413 and nothing is stored")
    func tooLarge() async throws {
        try await TestServer.run(maxUpload: 4096) { server in
            let big = Data((0..<10_000).map { _ in UInt8.random(in: 0...255) })
            let (status, body) = try await server.upload(big)
            #expect(status == .contentTooLarge && body.errorCode == "too_large")
            #expect(try storedBlobFiles(server).isEmpty)
            #expect(try await server.store.builds(uploadedTo: .stable, of: TestServer.product).isEmpty)
        }
    }

    @Test("Removing a build makes its channels fall back to the build they served before")
    func removal() async throws {
        try await TestServer.run { server in
            let first = try PluginZip.make(version: "1.0")
            let second = try PluginZip.make(version: "2.0")
            #expect(try await server.upload(first).0 == .created)
            #expect(try await server.upload(second).0 == .created)
            try await server.client.execute(
                uri: "/api/v1/builds/\(PluginZip.sha256(second))", method: .delete, headers: server.headers()
            ) { #expect($0.status == .ok) }
            #expect(try await server.get("/api/v1/private_blog/stable/latest/").1.response["product_version"] as? String == "1.0")
            #expect(try storedBlobFiles(server).count == 1)
            let history = try await server.store.history(of: .stable, of: TestServer.product)
            #expect(history.last?.reason == .removal)
        }
    }

    @Test("Builds are listed newest first, a page at a time")
    func pagination() async throws {
        try await TestServer.run { server in
            for version in 1...5 {
                #expect(try await server.upload(try PluginZip.make(version: "1.\(version)")).0 == .created)
            }
            var versions: [String] = []
            var cursor: String?
            repeat {
                let (status, page) = try await server.get(
                    "/api/v1/private_blog/stable/?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""))
                #expect(status == .ok)
                versions += (page.response["builds"] as? [[String: Any]] ?? []).compactMap { $0["version"] as? String }
                cursor = page.response["next_cursor"] as? String
            } while cursor != nil && versions.count < 10
            #expect(versions == ["1.5", "1.4", "1.3", "1.2", "1.1"])
        }
    }

    private func storedBlobFiles(_ server: TestServer) throws -> [String] {
        try FileManager.default.subpathsOfDirectory(atPath: server.blobs.root).filter { path in
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: server.blobs.root + "/" + path, isDirectory: &isDirectory)
            return exists && !isDirectory.boolValue && !path.hasSuffix(".lock") && !path.hasSuffix(".placed") && !path.hasSuffix(".gate")
        }
    }
}
