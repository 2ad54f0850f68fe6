import Foundation
import HeraldCore
@testable import HeraldServer
import HeraldStore
import HeraldTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import SQLKit
import Testing

@Suite("Health and errors over HTTP")
struct HealthTests {
    static let logger: Logger = {
        var logger = Logger(label: "herald-server-test")
        logger.logLevel = .warning
        return logger
    }()

    /// The application on a fresh SQLite data folder, served on a real loopback port.
    func withLiveApp(
        idleTimeout: Duration = .seconds(60), bodyTimeout: Duration = .seconds(60), _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try await withTemporaryFolder("server") { folder in
            let store = try await DatabaseLocation.defaultSQLite(in: folder).openStore(logger: Self.logger)
            let app = try buildApplication(
                settings: ServerSettings(port: 0, dataDirectory: folder, idleTimeout: idleTimeout, bodyTimeout: bodyTimeout), store: store,
                blobs: try BlobStore(dataDirectory: folder), logger: Self.logger)
            try await app.test(.live, test)
        }
    }

    @Test("/healthz answers 200 while the database is reachable")
    func healthy() async throws {
        try await withLiveApp { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#""database":"reachable""#))
            }
        }
    }

    @Test("An unknown address answers a JSON error envelope, not an HTML page")
    func notFoundEnvelope() async throws {
        try await withLiveApp { client in
            try await client.execute(uri: "/no/such/place", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(body?["response"] is NSNull)
                let messages = body?["messages"] as? [[String: Any]]
                #expect(messages?.first?["type"] as? String == "error")
                #expect(messages?.first?["code"] as? String == "not_found")
            }
        }
    }

    @Test("Bytes that are not HTTP, and a head over the limit, get the envelope and a closed connection")
    func unparsableRequests() async throws {
        try await withLiveApp { client in
            let port = try #require(client.port)
            let garbage = try await RawHTTPConnection.exchange(port: port, requests: ["GARBAGE \u{01} nonsense\r\n\r\n"])
            #expect(garbage.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
            #expect(garbage.contains("Content-Type: application/json; charset=utf-8\r\n"))
            #expect(garbage.contains(#""code":"malformed_request""#))
            let hugeHeader = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Padding: \(String(repeating: "a", count: 120_000))\r\n\r\n"
            let tooLarge = try await RawHTTPConnection.exchange(port: port, requests: [hugeHeader])
            #expect(tooLarge.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"))
            #expect(tooLarge.contains(#""code":"headers_too_large""#))
        }
    }

    @Test("A connection that waits too long for a request's head is closed: a head sent slowly, and a kept-alive connection left idle")
    func idleConnections() async throws {
        try await withLiveApp(idleTimeout: .milliseconds(400)) { client in
            let port = try #require(client.port)
            let started = ContinuousClock.now
            // Half a head, never finished: closed without an answer.
            #expect(try await RawHTTPConnection.exchange(port: port, requests: ["GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow:"]).isEmpty)
            // A request answered, then nothing: the answer, then the connection closed.
            let answered = try await RawHTTPConnection.exchange(port: port, requests: ["GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"])
            #expect(answered.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(ContinuousClock.now - started < .seconds(5))

            // 1,000 connections that never send a byte are all closed, while /healthz is answered throughout.
            async let closed = RawHTTPConnection.idleConnectionsClosed(port: port, count: 1_000, within: .seconds(5))
            for _ in 0..<10 {
                let health = try await RawHTTPConnection.exchange(
                    port: port, requests: ["GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"])
                #expect(health.hasPrefix("HTTP/1.1 200 OK\r\n"))
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(try await closed == 1_000)
        }
    }

    @Test("A request body that stops arriving closes the connection after the body timeout, though the idle timeout is far off")
    func stalledBody() async throws {
        try await withLiveApp(bodyTimeout: .milliseconds(400)) { client in
            let port = try #require(client.port)
            let started = ContinuousClock.now
            // 14 bytes of the 1,000 announced, then nothing: without the body timeout no answer
            // comes and the connection stays open, and the exchange fails after 10 s.
            let answer = try await RawHTTPConnection.exchange(
                port: port,
                requests: [
                    "POST /api/check_for_update HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                        + "Content-Length: 1000\r\n\r\nproduct_name=x"
                ])
            #expect(!answer.hasPrefix("HTTP/1.1 200"))
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test("Answers to HEAD carry no body, from a route that writes one and from an error, so the next answer on the connection is read right")
    func headAnswers() async throws {
        try await withLiveApp { client in
            let port = try #require(client.port)
            let answers = try await RawHTTPConnection.exchange(
                port: port,
                requests: [
                    "HEAD /wordpress/?action=index HTTP/1.1\r\nHost: h\r\n\r\n",
                    "HEAD /nowhere HTTP/1.1\r\nHost: h\r\n\r\n",
                    "GET /healthz HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
                ])
            let parts = answers.components(separatedBy: "HTTP/1.1 ").dropFirst()
            #expect(parts.count == 3, "\(answers)")
            #expect(parts.first?.hasPrefix("200") == true && parts.first?.hasSuffix("\r\n\r\n") == true, "\(answers)")
            #expect(parts.dropFirst().first?.hasPrefix("404") == true && parts.dropFirst().first?.hasSuffix("\r\n\r\n") == true, "\(answers)")
            #expect(parts.last?.hasPrefix("200") == true && parts.last?.contains(#""status""#) == true, "\(answers)")
        }
    }

    @Test("/openapi.json is the OpenAPI 3.1 document of every route; a route missing from it, or one it describes that does not exist, stops the server from starting")
    func openAPI() async throws {
        try await withLiveApp { client in
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                let document = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(document?["openapi"] as? String == "3.1.0")
                #expect(((document?["paths"] as? [String: Any])?.count ?? 0) > 40)
            }
        }
        let documented = try OpenAPIDocument.operations()
        #expect(throws: OpenAPIDocument.Mismatch.self) { try OpenAPIDocument.check(matches: Array(documented) + ["GET /api/v1/{product}/nowhere"]) }
        #expect(throws: OpenAPIDocument.Mismatch.self) { try OpenAPIDocument.check(matches: Array(documented.dropFirst())) }
        try OpenAPIDocument.check(matches: Array(documented))
    }

    @Test("What failed when the database is unreachable is for the log: a client reads a message without it")
    func unavailableMessage() {
        let error = HeraldError.databaseUnavailable("PSQLError(code: connectionError, host: db.internal:5432, database: herald)")
        #expect(error.message.contains("db.internal"))
        #expect(!error.clientMessage.contains("db.internal") && !error.clientMessage.contains("PSQL"))
        #expect(HeraldError.unknownProduct(try! ProductID(validating: "x")).clientMessage.contains("x"))
    }

    @Test(
        "/healthz answers 503 when the PostgreSQL database is gone",
        .enabled(if: ProcessInfo.processInfo.environment["HERALD_TEST_POSTGRES_URL"] != nil))
    func unhealthy() async throws {
        let adminURL = try #require(ProcessInfo.processInfo.environment["HERALD_TEST_POSTGRES_URL"])
        guard case .postgres(let host, let port, let user, let password, _, let tls) = try DatabaseLocation(parsing: adminURL) else {
            Issue.record("HERALD_TEST_POSTGRES_URL is not a postgres:// URL")
            return
        }
        let name = "herald_health_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = try await DatabaseLocation(parsing: adminURL).openStore(logger: Self.logger)
        try await withRunningStore(admin) { admin in
            try await admin.withDatabase { try await $0.raw("CREATE DATABASE \(ident: name)").run() }
            let store = try await DatabaseLocation.postgres(
                host: host, port: port, username: user, password: password, database: name, tlsMode: tls
            ).openStore(logger: Self.logger)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("herald-health-\(name)").path
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let app = try buildApplication(
                settings: ServerSettings(port: 0, dataDirectory: folder), store: store,
                blobs: try BlobStore(dataDirectory: folder), logger: Self.logger)
            try await app.test(.live) { client in
                try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
                try await admin.withDatabase { try await $0.raw("DROP DATABASE \(ident: name) WITH (FORCE)").run() }
                try await client.execute(uri: "/healthz", method: .get) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(String(buffer: response.body).contains(#""code":"database_unavailable""#))
                }
                // A request that needs the database (a token to look up) is answered once the lease times out, not held.
                let asked = ContinuousClock.now
                try await client.execute(uri: "/api/v1/licenses", method: .get, headers: [.authorization: "Bearer hrld_unknown"]) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(String(buffer: response.body).contains(#""code":"database_unavailable""#))
                }
                #expect(ContinuousClock.now - asked < .seconds(15))

            }
        }
    }
}
