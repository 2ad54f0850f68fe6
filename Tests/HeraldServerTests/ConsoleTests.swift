import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("The console: sign-in, sessions, CSRF, pages")
struct ConsoleTests {
    static let email = "vendor@example.com"
    static let password = "correct horse battery"

    /// Signs in with the form; returns the cookie pair (`herald_session=...`) and the Set-Cookie line.
    static func signIn(_ server: TestServer, password: String = password) async throws -> (status: HTTPResponse.Status, cookie: String?, setCookie: String?) {
        let body = "email=\(email.replacingOccurrences(of: "@", with: "%40"))&password=\(password.replacingOccurrences(of: " ", with: "+"))"
        return try await server.client.execute(
            uri: "/admin/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: body)
        ) { response in
            let line = response.headers[.setCookie]
            return (response.status, line?.split(separator: ";").first.map(String.init), line)
        }
    }

    static func page(_ server: TestServer, _ uri: String, cookie: String?) async throws -> (HTTPResponse.Status, String, HTTPFields) {
        var headers: HTTPFields = [:]
        if let cookie { headers[.cookie] = cookie }
        return try await server.client.execute(uri: uri, method: .get, headers: headers) {
            ($0.status, String(buffer: $0.body), $0.headers)
        }
    }

    /// The CSRF token a page carries in its `<meta name="csrf-token">`.
    static func csrfToken(in html: String) -> String? {
        guard let range = html.range(of: "name=\"csrf-token\" content=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    @Test("Signing in: a wrong password is refused; the right one sets an HttpOnly, SameSite=Strict cookie that opens the console")
    func signInFlow() async throws {
        try await TestServer.run(framework: .router) { server in
            try await server.store.createAccount(email: Self.email, password: Self.password, products: [])
            let (anonymous, _, anonymousHeaders) = try await Self.page(server, "/admin/", cookie: nil)
            #expect(anonymous == .seeOther && anonymousHeaders[.location] == "/admin/login")

            let wrong = try await Self.signIn(server, password: "not the password")
            #expect(wrong.status == .unauthorized && wrong.cookie == nil)

            let right = try await Self.signIn(server)
            #expect(right.status == .seeOther)
            let setCookie = try #require(right.setCookie)
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && !setCookie.contains("Secure"))
            let (status, html, headers) = try await Self.page(server, "/admin/", cookie: right.cookie)
            #expect(status == .ok)
            #expect(headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(html.contains("Private Blog") && html.contains(Self.email))
            #expect(Self.csrfToken(in: html)?.count == 64)

            let (root, _, rootHeaders) = try await server.client.execute(uri: "/", method: .get, headers: [.accept: "text/html"]) {
                ($0.status, $0.body, $0.headers)
            }
            #expect(root == .seeOther && rootHeaders[.location] == "/admin/")
            let json = try await server.get("/")
            #expect(json.0 == .notFound)
        }
    }

    @Test("A console change needs the session's CSRF token and this origin; one that has both is made and audited")
    func csrf() async throws {
        try await TestServer.run(framework: .router) { server in
            try await server.store.createAccount(email: Self.email, password: Self.password, products: [])
            let cookie = try #require(try await Self.signIn(server).cookie)
            let (_, html, _) = try await Self.page(server, "/admin/", cookie: cookie)
            let token = try #require(Self.csrfToken(in: html))
            let body = ByteBuffer(string: #"{"name": "Forged"}"#)
            func put(_ extra: HTTPFields) async throws -> (HTTPResponse.Status, [String: Any]) {
                var headers: HTTPFields = [.cookie: cookie, .contentType: "application/json"]
                headers.append(contentsOf: extra)
                return try await server.client.execute(uri: "/api/v1/forged", method: .put, headers: headers, body: body) {
                    ($0.status, try envelope($0))
                }
            }
            let missing = try await put([:])
            #expect(missing.0 == .forbidden && missing.1.errorCode == "csrf_rejected")
            let wrong = try await put([HTTPField.Name("X-CSRF-Token")!: String(repeating: "0", count: 64)])
            #expect(wrong.0 == .forbidden && wrong.1.errorCode == "csrf_rejected")
            let otherSite = try await put([HTTPField.Name("X-CSRF-Token")!: token, HTTPField.Name("Origin")!: "https://evil.example"])
            #expect(otherSite.0 == .forbidden && otherSite.1.errorCode == "csrf_rejected")
            let opaque = try await put([HTTPField.Name("X-CSRF-Token")!: token, HTTPField.Name("Origin")!: "null"])
            #expect(opaque.0 == .forbidden && opaque.1.errorCode == "csrf_rejected")
            let crossSite = try await put([HTTPField.Name("X-CSRF-Token")!: token, HTTPField.Name("Sec-Fetch-Site")!: "cross-site"])
            #expect(crossSite.0 == .forbidden && crossSite.1.errorCode == "csrf_rejected")
            #expect(try await server.store.product(try ProductID(validating: "forged")) == nil)

            let made = try await put([
                HTTPField.Name("X-CSRF-Token")!: token, HTTPField.Name("Origin")!: "http://localhost", HTTPField.Name("X-Forwarded-Host")!: "localhost",
                HTTPField.Name("Sec-Fetch-Site")!: "same-origin",
            ])
            #expect(made.0 == .created)
            #expect(try await server.store.product(try ProductID(validating: "forged"))?.name == "Forged")
            let audit = try await server.store.auditLog()
            #expect(audit.first?.actor == Self.email && audit.first?.action == "PUT /api/v1/forged → 201")
            #expect(audit.filter { $0.action == "PUT /api/v1/forged → 403" }.count == 5)
            #expect(audit.contains { $0.action == "sign-in" })
        }
    }

    @Test("An account limited to one product cannot open or change another")
    func scopedAccount() async throws {
        try await TestServer.run(framework: .router) { server in
            try await server.store.createAccount(email: Self.email, password: Self.password, products: [try ProductID(validating: "other_plugin")])
            let cookie = try #require(try await Self.signIn(server).cookie)
            let (listed, html, _) = try await Self.page(server, "/admin/", cookie: cookie)
            #expect(listed == .ok && html.contains("other_plugin") && !html.contains("private_blog"))
            let (status, _, _) = try await Self.page(server, "/admin/products/private_blog", cookie: cookie)
            #expect(status == .forbidden)
            let token = try #require(Self.csrfToken(in: html))
            let change = try await server.client.execute(
                uri: "/api/v1/private_blog", method: .put,
                headers: [.cookie: cookie, .contentType: "application/json", HTTPField.Name("X-CSRF-Token")!: token],
                body: ByteBuffer(string: #"{"name": "Taken over"}"#)
            ) { ($0.status, try envelope($0)) }
            #expect(change.0 == .forbidden && change.1.errorCode == "forbidden")
            #expect(try await server.store.product(TestServer.product)?.name == "Private Blog")
            let (_, audit, _) = try await Self.page(server, "/admin/audit", cookie: cookie)
            #expect(audit.contains("PUT /api/v1/private_blog → 403") && !audit.contains("other accounts"))
        }
    }

    @Test("Five wrong passwords for an account, and the sixth try is refused with 429 even with the right one")
    func throttled() async throws {
        try await TestServer.run(framework: .router) { server in
            try await server.store.createAccount(email: Self.email, password: Self.password, products: [])
            for _ in 0..<5 { #expect(try await Self.signIn(server, password: "wrong password!").status == .unauthorized) }
            let refused = try await Self.signIn(server)
            #expect(refused.status == .tooManyRequests && refused.cookie == nil)
        }
    }

    @Test("Signing out ends the session: its cookie no longer opens the console")
    func signOut() async throws {
        try await TestServer.run(framework: .router) { server in
            try await server.store.createAccount(email: Self.email, password: Self.password, products: [])
            let cookie = try #require(try await Self.signIn(server).cookie)
            let (_, html, _) = try await Self.page(server, "/admin/", cookie: cookie)
            let token = try #require(Self.csrfToken(in: html))
            let status = try await server.client.execute(
                uri: "/admin/logout", method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "csrf=\(token)")
            ) { $0.status }
            #expect(status == .seeOther)
            let (after, _, headers) = try await Self.page(server, "/admin/", cookie: cookie)
            #expect(after == .seeOther && headers[.location] == "/admin/login")
        }
    }

    @Test("Every page of a product renders: builds, plan, channel history, messages, statistics, audit log")
    func pages() async throws {
        try await TestServer.run(framework: .router) { server in
            try await server.store.createAccount(email: Self.email, password: Self.password, products: [])
            #expect(try await server.upload(try PluginZip.make(version: "1.0.0")).0 == .created)
            #expect(try await server.upload(try PluginZip.make(version: "1.1.0"), channel: "beta").0 == .created)
            let cookie = try #require(try await Self.signIn(server).cookie)
            let expectations: [(String, [String])] = [
                ("/admin/products/private_blog", ["1.0.0", "1.1.0", "upload-progress", "Build to follow", "stable falls back to nothing"]),
                ("/admin/products/private_blog?q=1.1", ["1.1.0", "(1 builds)"]),
                ("/admin/products/private_blog/plan", ["Publish all", "data-version"]),
                ("/admin/products/private_blog/channels/stable", ["1.0.0", "upload", "Undo this move"]),
                ("/admin/products/private_blog/messages?test_site=https://shop.example.com", ["No display messages"]),
                ("/admin/products/private_blog/stats", ["Active sites per version"]),
                ("/admin/audit", ["sign-in"]),
            ]
            for (uri, texts) in expectations {
                let (status, html, _) = try await Self.page(server, uri, cookie: cookie)
                #expect(status == .ok, "\(uri)")
                for text in texts { #expect(html.contains(text), "\(uri) lacks \(text)") }
            }
            let (_, stable, _) = try await Self.page(server, "/admin/products/private_blog/channels/stable", cookie: cookie)
            #expect(!stable.contains("Pin nothing") && !stable.contains("bound to"))
            let (_, searched, _) = try await Self.page(server, "/admin/products/private_blog?q=1.1", cookie: cookie)
            #expect(searched.contains("(1 builds)") && searched.components(separatedBy: "data-api-click=\"DELETE\" data-url=\"/api/v1/builds/").count == 2)
            let (unknown, _, _) = try await Self.page(server, "/admin/products/nope", cookie: cookie)
            #expect(unknown == .notFound)
        }
    }

    @Test("Release notes are public pages; a theme's details_url is its version's page, not JSON")
    func releaseNotes() async throws {
        try await TestServer.run(framework: .router) { server in
            let zip = try PluginZip.make(version: "5.0.1", readmeStableTag: "5.0.1")
            #expect(try await server.upload(zip).0 == .created)
            let (status, html, headers) = try await Self.page(server, "/products/private_blog/", cookie: nil)
            #expect(status == .ok && headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(html.contains("Private Blog 5.0.1") && html.contains("<h2>Changelog</h2>") && html.contains("Fixed."))
            #expect(html.contains("href=\"/products/private_blog/5.0.1/\""))
            let (one, version, _) = try await Self.page(server, "/products/private_blog/5.0.1/", cookie: nil)
            #expect(one == .ok && version.contains("Changelog"))
            #expect(try await Self.page(server, "/products/private_blog/9.9.9/", cookie: nil).0 == .notFound)

            let theme = try ProductID(validating: "demo_theme")
            try await server.store.createProduct(Product(id: theme, name: "Demo Theme", kind: .theme, createdAt: 0))
            let style = "/*\nTheme Name: Demo Theme\nVersion: 1.2.0\n*/\n"
            let themeZip = try PluginZip.zip([("demo_theme/style.css", style), ("demo_theme/index.php", "<?php\n")])
            let uploaded = try await server.client.execute(
                uri: "/api/v1/demo_theme/stable/builds", method: .post, headers: server.headers(), body: ByteBuffer(bytes: themeZip)
            ) { $0.status }
            #expect(uploaded == .created)
            let (_, metadata) = try await server.get("/wordpress/?action=get_metadata&slug=demo_theme")
            let details = try #require(metadata["details_url"] as? String)
            #expect(details.hasSuffix("/products/demo_theme/1.2.0/"))
            let path = String(details[details.range(of: "/products/")!.lowerBound...])
            let (themeStatus, themePage, _) = try await Self.page(server, path, cookie: nil)
            #expect(themeStatus == .ok && themePage.contains("Demo Theme 1.2.0"))
        }
    }
}
