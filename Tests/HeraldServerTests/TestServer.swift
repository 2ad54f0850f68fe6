import Crypto
import Foundation
import HTTPTypes
import HeraldCore
import HeraldServer
import HeraldStore
import HeraldTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ZIPFoundation

/// A Herald on a fresh SQLite data folder with the product `private_blog` (a plugin), a token
/// for every product and one scoped to another product, served on a real loopback port.
struct TestServer: Sendable {
    let client: any TestClientProtocol
    let store: any Store
    let blobs: BlobStore
    let folder: String
    /// May write to every product.
    let token: String
    /// May write only to `other_plugin`.
    let scopedToken: String

    static let logger: Logger = {
        var logger = Logger(label: "herald-server-test")
        logger.logLevel = .warning
        return logger
    }()

    static let product = try! ProductID(validating: "private_blog")

    /// - Parameter framework: `.live` (a real port, the default) or `.router` (in process).
    static func run(
        maxUpload: Int64 = 16 << 20, framework: TestingSetup = .live, trustedProxies: [String] = [],
        webhookRetryBase: Duration = .seconds(10), webhookAllowPrivateNetworks: Bool = true,
        _ test: @escaping @Sendable (TestServer) async throws -> Void
    ) async throws {
        try await withTemporaryFolder("server") { folder in
            try await run(
                in: folder, maxUpload: maxUpload, framework: framework, trustedProxies: trustedProxies, webhookRetryBase: webhookRetryBase,
                webhookAllowPrivateNetworks: webhookAllowPrivateNetworks, test)
        }
    }

    private static func run(
        in folder: String, maxUpload: Int64, framework: TestingSetup, trustedProxies: [String], webhookRetryBase: Duration,
        webhookAllowPrivateNetworks: Bool, _ test: @escaping @Sendable (TestServer) async throws -> Void
    ) async throws {
        let store = try await DatabaseLocation.defaultSQLite(in: folder).openStore(logger: logger)
        let blobs = try BlobStore(dataDirectory: folder)
        let app = try buildApplication(
            settings: ServerSettings(
                port: 0, dataDirectory: folder, maxUpload: maxUpload, trustedProxies: trustedProxies, webhookRetryBase: webhookRetryBase,
                webhookAllowPrivateNetworks: webhookAllowPrivateNetworks),
            store: store,
            blobs: blobs,
            logger: logger)
        try await app.test(framework) { client in
            try await store.createProduct(Product(id: product, name: "Private Blog", kind: .plugin, createdAt: 0))
            let other = try ProductID(validating: "other_plugin")
            try await store.createProduct(Product(id: other, name: "Other", kind: .plugin, createdAt: 0))
            let token = try await store.createToken(name: "ci", products: [])
            let scoped = try await store.createToken(name: "other-ci", products: [other])
            try await test(
                TestServer(client: client, store: store, blobs: blobs, folder: folder, token: token.secret, scopedToken: scoped.secret))
        }
    }

    func headers(token: String? = nil, _ extra: HTTPFields = [:]) -> HTTPFields {
        var fields = extra
        fields[.authorization] = "Bearer \(token ?? self.token)"
        return fields
    }

    /// Uploads `zip` raw to `channel`; returns the status and decoded envelope.
    @discardableResult
    func upload(_ zip: Data, channel: String = "stable", query: String = "", token: String? = nil) async throws -> (HTTPResponse.Status, [String: Any]) {
        try await client.execute(
            uri: "/api/v1/private_blog/\(channel)/builds\(query.isEmpty ? "" : "?" + query)", method: .post,
            headers: headers(token: token), body: ByteBuffer(bytes: zip)
        ) { ($0.status, try envelope($0)) }
    }

    func get(_ uri: String) async throws -> (HTTPResponse.Status, [String: Any]) {
        try await client.execute(uri: uri, method: .get) { ($0.status, try envelope($0)) }
    }

    /// A request with the all-products token and, when given, a JSON body.
    func send(_ method: HTTPRequest.Method, _ uri: String, json: [String: Any]? = nil) async throws -> (HTTPResponse.Status, [String: Any]) {
        let body = try json.map { ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: $0)) }
        return try await client.execute(uri: uri, method: method, headers: headers(token: nil, [.contentType: "application/json"]), body: body) {
            ($0.status, try envelope($0))
        }
    }
}

/// The envelope of a response as JSON.
func envelope(_ response: TestResponse) throws -> [String: Any] {
    (try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:]
}

extension Dictionary where Key == String, Value == Any {
    var response: [String: Any] { self["response"] as? [String: Any] ?? [:] }
    var errorCode: String? { (self["messages"] as? [[String: Any]])?.first { $0["type"] as? String == "error" }?["code"] as? String }
    var messageCodes: [String] { (self["messages"] as? [[String: Any]])?.compactMap { $0["code"] as? String } ?? [] }
}

/// Zips for tests: a plugin with a header, a readme, optionally a plugin.yaml.
enum PluginZip {
    static func make(
        slug: String = "private_blog", version: String? = "5.0.1", requires: String? = "6.0", requiresPHP: String? = "7.4",
        readmeStableTag: String? = nil, manifestVersion: String? = nil
    ) throws -> Data {
        var header = "<?php\n/**\n * Plugin Name: Private Blog\n"
        if let version { header += " * Version: \(version)\n" }
        if let requires { header += " * Requires at least: \(requires)\n" }
        if let requiresPHP { header += " * Requires PHP: \(requiresPHP)\n" }
        header += " */\n"
        var files: [(String, String)] = [("\(slug)/\(slug).php", header)]
        if let tag = readmeStableTag {
            files.append(("\(slug)/readme.txt", "=== Private Blog ===\nStable tag: \(tag)\nTested up to: 6.7\n\nShort.\n\n== Changelog ==\n= \(tag) =\n* Fixed.\n"))
        }
        if let manifestVersion {
            files.append(("\(slug)/plugin.yaml", "name: Private Blog\nversion: \(manifestVersion)\n"))
        }
        return try zip(files)
    }

    /// A zip of `files`, made on Unix: `executables` get mode 0755, the others 0644.
    static func zip(_ files: [(String, String)], executables: Set<String> = []) throws -> Data {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("herald-zip-\(UUID().uuidString).zip")
        defer { try? FileManager.default.removeItem(at: url) }
        let archive = try Archive(url: url, accessMode: .create)
        for (path, text) in files {
            let data = Data(text.utf8)
            try archive.addEntry(
                with: path, type: .file, uncompressedSize: Int64(data.count),
                // A fixed time: the same files make the same bytes, so the same build hash and
                // the same sites in a rollout, whenever the test runs.
                modificationDate: Date(timeIntervalSince1970: 1_767_225_600),
                permissions: executables.contains(path) ? 0o755 : 0o644, compressionMethod: .deflate
            ) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return try Data(contentsOf: url)
    }

    static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
