import Crypto
import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("GoUpdate repositories (seed 001)")
struct GoUpdateTests {
    static func withApp(_ test: @escaping @Sendable (TestServer) async throws -> Void) async throws {
        try await TestServer.run { server in
            try await server.store.createProduct(Product(id: try ProductID(validating: "myapp"), name: "My App", kind: .app, createdAt: 0))
            try await test(server)
        }
    }

    static func publish(
        _ server: TestServer, _ files: [(String, String)], version: String, channel: String = "stable", executables: Set<String> = []
    ) async throws -> (HTTPResponse.Status, [String: Any]) {
        try await server.client.execute(
            uri: "/api/v1/myapp/\(channel)/builds?version=\(version)", method: .post, headers: server.headers(),
            body: ByteBuffer(bytes: try PluginZip.zip(files, executables: executables))
        ) { ($0.status, try envelope($0)) }
    }

    static func json(_ server: TestServer, _ name: String) async throws -> [String: Any] {
        try await server.client.execute(uri: "/goupdate/myapp/\(name)", method: .get) { response in
            #expect(response.status == .ok, "\(name): \(String(buffer: response.body))")
            return (try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:]
        }
    }

    @Test("index.json, {Id}.json and {channel}.json have seed 001's fields, types and casing, and MultiMC's spellings")
    func documents() async throws {
        try await Self.withApp { server in
            let big = String(repeating: "compressible ", count: 200)
            #expect(try await Self.publish(server, [("bin/app", "v1"), ("data/big.txt", big)], version: "1.0", executables: ["bin/app"]).0 == .created)
            #expect(try await Self.publish(server, [("bin/app", "v2"), ("data/big.txt", big)], version: "2.0", channel: "beta").0 == .created)

            let index = try await Self.json(server, "index.json")
            #expect(Set(index.keys) == ["ApiVersion", "Versions", "Channels"])
            #expect(index["ApiVersion"] as? Int == 0)
            let versions = try #require(index["Versions"] as? [[String: Any]])
            #expect(versions.map { Set($0.keys) } == [["Id", "Name"], ["Id", "Name"]])
            #expect(versions.map { $0["Id"] as? Int } == [1, 2])
            #expect(versions.map { $0["Name"] as? String } == ["1.0", "2.0"])
            let channels = try #require(index["Channels"] as? [[String: Any]])
            #expect(Set(channels.map { $0["Id"] as? String ?? "" }) == ["stable", "beta"])
            #expect(channels.allSatisfy { Set($0.keys) == ["Id", "Name"] && $0["Name"] is String })

            let version = try await Self.json(server, "1.json")
            #expect(Set(version.keys) == ["ApiVersion", "Id", "Name", "Product", "Files"])
            #expect(version["Product"] as? String == "myapp")
            #expect(version["ApiVersion"] as? Int == 0)
            #expect(version["Id"] as? Int == 1)
            #expect(version["Name"] as? String == "1.0")
            let files = try #require(version["Files"] as? [[String: Any]])
            #expect(files.map { $0["Path"] as? String } == ["bin/app", "data/big.txt"])
            for file in files {
                #expect(Set(file.keys) == ["Path", "Sources", "Md5", "MD5", "Perms", "Executable"])
                #expect(file["Md5"] as? String == file["MD5"] as? String)
                let sources = try #require(file["Sources"] as? [[String: Any]])
                #expect(sources.last?["source_type"] as? String == "http")
                for source in sources {
                    #expect(source["source_type"] as? String == source["SourceType"] as? String)
                    #expect(source["url"] as? String == source["Url"] as? String)
                }
            }
            let appMD5 = Insecure.MD5.hash(data: Data("v1".utf8)).map { String(format: "%02x", $0) }.joined()
            #expect(files[0]["Md5"] as? String == appMD5)
            #expect(files.map { $0["Perms"] as? Int } == [0o755, 0o644])
            #expect(files.map { $0["Executable"] as? Bool } == [true, false])
            let bigSources = try #require(files[1]["Sources"] as? [[String: Any]])
            #expect(bigSources.map { $0["source_type"] as? String } == ["httpc", "http"])
            #expect(bigSources[0]["CompressionType"] as? String == "gz")
            let plainURL = try #require(bigSources[1]["url"] as? String)
            let path = try #require(URL(string: plainURL)?.path)
            let downloaded = try await server.client.execute(uri: path, method: .get) { Data(buffer: $0.body) }
            #expect(downloaded == Data(big.utf8))

            for (name, latest) in [("stable", 1), ("beta", 2)] {
                let channel = try await Self.json(server, "\(name).json")
                #expect(Set(channel.keys) == ["ApiVersion", "Id", "Name", "Product", "LatestVersion", "Expires", "Revision"])
                #expect(channel["ApiVersion"] as? Int == 0)
                #expect(channel["Id"] as? String == name)
                #expect(channel["LatestVersion"] as? Int == latest)
            }

            let keyText = try #require(try await server.get("/api/signing_key").1.response["public_key"] as? String)
            let keyBytes = try #require(Data(base64Encoded: keyText))
            let key = try Curve25519.Signing.PublicKey(rawRepresentation: keyBytes)
            for name in ["index.json", "1.json", "stable.json", "channels.json", "beta/index.json", "beta/2.json"] {
                let document = try await server.client.execute(uri: "/goupdate/myapp/\(name)", method: .get) { Data(buffer: $0.body) }
                let signature = try await server.client.execute(uri: "/goupdate/myapp/\(name).sig", method: .get) { String(buffer: $0.body) }
                let signatureBytes = try #require(Data(base64Encoded: signature))
                #expect(key.isValidSignature(signatureBytes, for: document))
            }
        }
    }

    @Test("channels.json gives each channel its own repository, listing only what it served; a rollback makes the served build the highest")
    func multiMCLayout() async throws {
        try await Self.withApp { server in
            #expect(try await Self.publish(server, [("a", "1")], version: "1.0").0 == .created)
            #expect(try await Self.publish(server, [("a", "3")], version: "3.0-dev", channel: "development").0 == .created)
            #expect(try await Self.publish(server, [("a", "2")], version: "2.0").0 == .created)

            let list = try await Self.json(server, "channels.json")
            #expect(list["format_version"] as? Int == 0)
            let channels = try #require(list["channels"] as? [[String: Any]])
            #expect(channels.map { Set($0.keys) }.allSatisfy { $0 == ["id", "name", "description", "url"] })
            let stable = try #require(channels.first { $0["id"] as? String == "stable" })
            let stableURL = try #require(stable["url"] as? String)
            #expect(stableURL.hasSuffix("/goupdate/myapp/stable/"))
            let indexPath = try #require(URL(string: "index.json", relativeTo: URL(string: stableURL))?.path)
            #expect(indexPath == "/goupdate/myapp/stable/index.json")

            func ids(_ channel: String) async throws -> [Int] {
                let index = try await Self.json(server, "\(channel)/index.json")
                #expect(Set(index.keys) == ["ApiVersion", "Versions"])
                return (index["Versions"] as? [[String: Any]] ?? []).compactMap { $0["Id"] as? Int }
            }
            #expect(try await ids("stable") == [1, 3])
            #expect(try await ids("development") == [2])
            #expect(try await Self.json(server, "stable/2.json")["Name"] as? String == "3.0-dev")

            try await server.client.execute(uri: "/api/v1/myapp/stable/rollback", method: .post, headers: server.headers()) {
                #expect($0.status == .ok)
            }
            #expect(try await ids("stable") == [1])
            #expect(try await Self.json(server, "stable.json")["LatestVersion"] as? Int == 1)
            #expect(try await server.get("/goupdate/myapp/nosuch/index.json").0 == .notFound)
        }
    }

    @Test(
        "Archive entries that could leave the installation folder are refused",
        arguments: ["../evil", "/etc/evil", "a/../../evil", "a//b", "a\\b"])
    func unsafePaths(path: String) async throws {
        try await Self.withApp { server in
            let (status, body) = try await Self.publish(server, [("ok.txt", "fine"), (path, "evil")], version: "1.0")
            #expect(status == .badRequest)
            #expect(body.errorCode == "invalid_archive")
            #expect(try await server.store.goUpdateBuilds(of: ProductID(validating: "myapp")).isEmpty)
        }
    }

    @Test("Every build gets the next id, a hotfix and a re-upload of a version included; unknown documents and blobs of other products are 404")
    func ids() async throws {
        try await Self.withApp { server in
            #expect(try await Self.publish(server, [("a", "2")], version: "2.0").0 == .created)
            #expect(try await Self.publish(server, [("a", "1")], version: "1.0.1", channel: "beta").0 == .created)
            #expect(try await Self.publish(server, [("a", "2 fixed")], version: "2.0").0 == .created)
            let versions = try #require(try await Self.json(server, "index.json")["Versions"] as? [[String: Any]])
            #expect(versions.map { $0["Name"] as? String } == ["2.0", "1.0.1", "2.0"])
            #expect(versions.map { $0["Id"] as? Int } == [1, 2, 3])
            #expect(try await Self.json(server, "beta.json")["LatestVersion"] as? Int == 2)
            #expect(try await Self.json(server, "stable.json")["LatestVersion"] as? Int == 3)
            #expect(try await server.get("/goupdate/myapp/7.json").0 == .notFound)
            #expect(try await server.get("/goupdate/private_blog/index.json").0 == .notFound)
            let zip = try PluginZip.make(version: "1.0")
            #expect(try await server.upload(zip).0 == .created)
            #expect(try await server.get("/goupdate/myapp/files/\(PluginZip.sha256(zip))").0 == .notFound)
        }
    }

    /// A tar.gz of `files`, made by the system's tar from a folder, entries named `./PATH`,
    /// those under `bin/` with mode 0750 and the others 0640; `link` adds a symbolic link to
    /// `/etc/passwd`.
    static func tarGzip(_ files: [(String, String)], link: String? = nil) throws -> Data {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("herald-tar-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        for (path, text) in files {
            let url = folder.appendingPathComponent("tree/" + path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
            chmod(url.path, path.hasPrefix("bin/") ? 0o750 : 0o640)
        }
        if let link {
            try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("tree/" + link).path, withDestinationPath: "/etc/passwd")
        }
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
        tar.arguments = ["-czf", folder.appendingPathComponent("app.tar.gz").path, "-C", folder.appendingPathComponent("tree").path, "."]
        try tar.run()
        tar.waitUntilExit()
        return try Data(contentsOf: folder.appendingPathComponent("app.tar.gz"))
    }

    @Test("A tar.gz build lists its files like a zip; a link inside is refused")
    func tarGzipBuilds() async throws {
        try await Self.withApp { server in
            let archive = try Self.tarGzip([("bin/app", "binary"), ("share/readme.txt", String(repeating: "text ", count: 100))])
            let (status, body) = try await server.client.execute(
                uri: "/api/v1/myapp/stable/builds?version=1.0", method: .post, headers: server.headers(), body: ByteBuffer(bytes: archive)
            ) { ($0.status, try envelope($0)) }
            #expect(status == .created, "\(body)")
            let files = try #require(try await Self.json(server, "1.json")["Files"] as? [[String: Any]])
            #expect(files.map { $0["Path"] as? String } == ["bin/app", "share/readme.txt"])
            #expect(files.map { $0["Perms"] as? Int } == [0o750, 0o640])
            #expect(files.first?["Md5"] as? String == Insecure.MD5.hash(data: Data("binary".utf8)).map { String(format: "%02x", $0) }.joined())

            let linked = try Self.tarGzip([("bin/app", "binary")], link: "passwd")
            let (linkStatus, linkBody) = try await server.client.execute(
                uri: "/api/v1/myapp/stable/builds?version=2.0", method: .post, headers: server.headers(), body: ByteBuffer(bytes: linked)
            ) { ($0.status, try envelope($0)) }
            #expect(linkStatus == .badRequest)
            #expect(linkBody.errorCode == "invalid_archive")
        }
    }
}
