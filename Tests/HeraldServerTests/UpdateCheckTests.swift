import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("check_for_update and channel management over HTTP")
struct UpdateCheckTests {
    @Test("An older site is offered the channel's build; query, form and JSON all work")
    func offered() async throws {
        try await TestServer.run { server in
            #expect(try await server.upload(try PluginZip.make(version: "2.0", requires: "6.0", requiresPHP: "7.4")).0 == .created)
            let (status, query) = try await server.get(
                "/api/check_for_update/?product_name=private_blog&release_channel=stable&current_product_version=1.9&wordpress_version=6.4&php_version=8.2")
            #expect(status == .ok)
            #expect(query.response["update_available"] as? Bool == true)
            #expect(query.response["new_version"] as? String == "2.0")
            #expect((query.response["persistent_download_url"] as? String)?.contains("/file/") == true)
            #expect(query.messageCodes.isEmpty)

            let form = try await server.client.execute(
                uri: "/api/check_for_update/", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "product_name=private_blog&current_product_version=2.0")
            ) { try envelope($0) }
            #expect(form.response["update_available"] as? Bool == false)
            #expect(form.messageCodes == ["no_channel"])

            let json = try await server.client.execute(
                uri: "/api/check_for_update/", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"product_name":"private_blog","release_channel":"stable","current_product_version":"2.0rc1"}"#)
            ) { try envelope($0) }
            #expect(json.response["update_available"] as? Bool == true, "2.0rc1 < 2.0 in version_compare")
        }
    }

    /// The download URLs of a check sent with `headers`, once as a GET answered before the
    /// router (the product's snapshot is read into memory first) and once as a POST the router
    /// answers, on one connection.
    private static func downloadURLs(from server: TestServer, headers: String) async throws -> [String] {
        #expect(try await server.upload(try PluginZip.make(version: "2.0")).0 == .created)
        let port = try #require(server.client.port)
        let fields = "product_name=private_blog&release_channel=stable&current_product_version=1.0"
        #expect(try await server.get("/api/check_for_update/?" + fields).0 == .ok)
        let answers = try await RawHTTPConnection.exchange(
            port: port,
            requests: [
                "GET /api/check_for_update/?\(fields) HTTP/1.1\r\n\(headers)\r\n",
                "POST /api/check_for_update/ HTTP/1.1\r\n\(headers)Content-Type: application/x-www-form-urlencoded\r\n"
                    + "Content-Length: \(fields.utf8.count)\r\nConnection: close\r\n\r\n\(fields)",
            ])
        return answers.matches(of: try Regex(#""download_url":"([^"]*)""#)).compactMap { $0.output[1].substring.map(String.init) }
    }

    @Test("Repeated headers read alike before the router (GET) and by it (POST): the same URLs")
    func repeatedHeaders() async throws {
        try await TestServer.run { server in
            let urls = try await Self.downloadURLs(
                from: server, headers: "Host: 127.0.0.1\r\nX-Forwarded-Host: ,\r\nX-Forwarded-Host: cdn.example\r\n")
            #expect(urls.count == 4)
            #expect(Set(urls).count == 1)
            #expect(urls.first?.hasPrefix("http://cdn.example/") == true)
        }
    }

    @Test("Forwarded headers from a peer that is not the trusted proxy are dropped, before the router and by it")
    func untrustedForwardedHeaders() async throws {
        try await TestServer.run(trustedProxies: ["10.9.8.7"]) { server in
            let urls = try await Self.downloadURLs(
                from: server, headers: "Host: updates.example\r\nX-Forwarded-Host: evil.example\r\nX-Forwarded-Proto: https\r\n")
            #expect(urls.count == 4)
            #expect(urls.allSatisfy { $0.hasPrefix("http://updates.example/") })
        }
    }

    @Test("A build that needs a newer WordPress or PHP is not offered, and a message says why (in process)")
    func requirements() async throws {
        try await TestServer.run(framework: .router) { server in
            #expect(try await server.upload(try PluginZip.make(version: "2.0", requires: "6.5", requiresPHP: "8.1")).0 == .created)
            let (_, old) = try await server.get(
                "/api/check_for_update/?product_name=private_blog&release_channel=stable&current_product_version=1.0&wordpress_version=6.4&php_version=7.4")
            #expect(old.response["update_available"] as? Bool == false)
            #expect(old.response["new_version"] as? String == "2.0")
            #expect(old.messageCodes == ["requires_wordpress", "requires_php"])
        }
    }

    @Test("Aliases, pins, rollbacks and history through the API")
    func channels() async throws {
        try await TestServer.run { server in
            let first = try PluginZip.make(version: "1.0")
            let second = try PluginZip.make(version: "2.0")
            #expect(try await server.upload(first).0 == .created)
            #expect(try await server.upload(second).0 == .created)

            try await server.client.execute(
                uri: "/api/v1/private_blog/eric_pickles/", method: .put, headers: server.headers([.contentType: "application/json"]),
                body: ByteBuffer(string: #"{"channel_name":"Eric Pickles channel","alias_for":"stable","is_favourite":true}"#)
            ) { response in
                let body = try envelope(response)
                #expect(response.status == .ok, "\(body)")
                #expect(body.response["alias_for"] as? String == "stable")
                #expect(body.response["is_custom"] as? Bool == true)
            }
            let (_, custom) = try await server.get("/api/v1/private_blog/eric_pickles/latest/")
            #expect(custom.response["product_version"] as? String == "2.0")
            let (_, aliasBuilds) = try await server.get("/api/v1/private_blog/eric_pickles/")
            #expect((aliasBuilds.response["builds"] as? [[String: Any]])?.count == 2, "an alias lists the builds of its target")

            try await server.client.execute(
                uri: "/api/v1/private_blog/stable/pin", method: .post, headers: server.headers([.contentType: "application/json"]),
                body: ByteBuffer(string: #"{"build":"\#(PluginZip.sha256(first).prefix(16))"}"#)
            ) { #expect($0.status == .ok) }
            #expect(try await server.get("/api/v1/private_blog/eric_pickles/latest/").1.response["product_version"] as? String == "1.0")

            try await server.client.execute(uri: "/api/v1/private_blog/stable/unpin", method: .post, headers: server.headers()) {
                #expect($0.status == .ok)
            }
            try await server.client.execute(uri: "/api/v1/private_blog/stable/rollback", method: .post, headers: server.headers()) {
                #expect($0.status == .ok)
            }
            // The unpin is undone: pinned to 1.0 again. A second rollback undoes the pin.
            #expect(try await server.get("/api/v1/private_blog/stable/latest/").1.response["product_version"] as? String == "1.0")
            try await server.client.execute(uri: "/api/v1/private_blog/stable/rollback", method: .post, headers: server.headers()) {
                #expect($0.status == .ok)
            }
            #expect(try await server.get("/api/v1/private_blog/stable/latest/").1.response["product_version"] as? String == "2.0")
            try await server.client.execute(uri: "/api/v1/private_blog/stable/rollback", method: .post, headers: server.headers()) {
                #expect($0.status == .ok)
            }
            #expect(try await server.get("/api/v1/private_blog/stable/latest/").1.response["product_version"] as? String == "1.0")

            let (_, history) = try await server.get("/api/v1/private_blog/stable/history/")
            let reasons = (history.response["history"] as? [[String: Any]])?.compactMap { $0["reason"] as? String }
            #expect(reasons == ["upload", "upload", "pin", "unpin", "rollback", "rollback", "rollback"])

            try await server.client.execute(uri: "/api/v1/private_blog/eric_pickles/", method: .delete, headers: server.headers()) {
                #expect($0.status == .ok)
            }
            #expect(try await server.get("/api/v1/private_blog/eric_pickles/").0 == .notFound)
        }
    }

    @Test("A write through this instance is answered by the next request, though answers come from memory")
    func writesAnsweredAtOnce() async throws {
        try await TestServer.run { server in
            #expect(try await server.upload(try PluginZip.make(version: "1.0")).0 == .created)
            let uri = "/api/check_for_update/?product_name=private_blog&release_channel=stable&current_product_version=0.1"
            #expect(try await server.get(uri).1.response["new_version"] as? String == "1.0")
            #expect(try await server.upload(try PluginZip.make(version: "2.0")).0 == .created)
            #expect(try await server.get(uri).1.response["new_version"] as? String == "2.0")
            try await server.client.execute(uri: "/api/v1/private_blog/stable/rollback", method: .post, headers: server.headers()) {
                #expect($0.status == .ok)
            }
            #expect(try await server.get(uri).1.response["new_version"] as? String == "1.0")
        }
    }

    @Test("Pipelined requests are answered in order, update checks answered before the router among them")
    func pipelinedAnswersKeepOrder() async throws {
        try await TestServer.run { server in
            #expect(try await server.upload(try PluginZip.make(version: "1.0")).0 == .created)
            let check = "/api/check_for_update/?product_name=private_blog&release_channel=stable&current_product_version=0.1"
            #expect(try await server.get(check).1.response["new_version"] as? String == "1.0")
            let port = try #require(server.client.port)
            // The host the test client sends.
            let request = { (target: String, last: Bool) in
                "GET \(target) HTTP/1.1\r\nHost: localhost\r\n\(last ? "Connection: close\r\n" : "")\r\n"
            }
            // Checks answered before the router first, then the router, then a check queued behind it.
            let answers = try await RawHTTPConnection.exchange(port: port, requests: [
                request(check, false), request(check, false), request("/api/v1/", false), request(check, false),
                request("/healthz", true),
            ])
            #expect(answers.components(separatedBy: "HTTP/1.1 ").count - 1 == 5)
            #expect(answers.components(separatedBy: "HTTP/1.1 200 OK\r\n").count - 1 == 5)
            let markers = ["\"update_available\"", "\"update_available\"", "\"products\"", "\"update_available\"", "\"status\""]
            var rest = answers[...]
            for marker in markers {
                let found = try #require(rest.range(of: marker), "\(marker) missing or out of order in \(answers)")
                rest = rest[found.upperBound...]
            }
        }
    }

    @Test("Downloads answer HEAD, Range, If-None-Match")
    func downloads() async throws {
        try await TestServer.run { server in
            let zip = try PluginZip.make(version: "1.0")
            #expect(try await server.upload(zip).0 == .created)
            let uri = "/file/\(PluginZip.sha256(zip))/private_blog.zip"
            try await server.client.execute(uri: uri, method: .head) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentLength] == String(zip.count))
                #expect(response.headers[.cacheControl] == "public, max-age=31536000, immutable")
                #expect(response.headers[.eTag] == "\"\(PluginZip.sha256(zip))\"")
                #expect(response.body.readableBytes == 0)
            }
            try await server.client.execute(uri: uri, method: .get, headers: [.range: "bytes=-10"]) { response in
                #expect(response.status == .partialContent)
                #expect(Data(buffer: response.body) == zip.suffix(10))
                #expect(response.headers[.contentRange] == "bytes \(zip.count - 10)-\(zip.count - 1)/\(zip.count)")
            }
            try await server.client.execute(uri: uri, method: .get, headers: [.range: "bytes=5-9"]) { response in
                #expect(response.status == .partialContent)
                #expect(Data(buffer: response.body) == zip.subdata(in: 5..<10))
            }
            try await server.client.execute(uri: uri, method: .get, headers: [.range: "bytes=\(zip.count)-"]) { response in
                #expect(response.status == .rangeNotSatisfiable)
                #expect(response.headers[.contentRange] == "bytes */\(zip.count)")
            }
            try await server.client.execute(uri: uri, method: .get, headers: [.ifNoneMatch: "\"\(PluginZip.sha256(zip))\""]) {
                #expect($0.status == .notModified)
            }
        }
    }
}
