import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Customers: premium products, customer channels, signed links, display messages")
struct CustomerTests {
    @Test("A premium product: a license bound to a customer channel aliasing beta gets beta's build and a working signed link")
    func premiumCustomerChannel() async throws {
        try await TestServer.run { server in
            let premium = try await server.send(.put, "/api/v1/private_blog", json: ["premium": true])
            #expect(premium.1.response["premium"] as? Bool == true)
            #expect(try await server.upload(try PluginZip.make(version: "1.0")).0 == .created)
            let betaZip = try PluginZip.make(version: "2.0-beta1")
            #expect(try await server.upload(betaZip, channel: "beta").0 == .created)

            let created = try await server.send(
                .post, "/api/v1/licenses",
                json: ["customer_name": "David Mahler", "customer_email": "david@example.com", "products": "private_blog", "sites": 2])
            #expect(created.0 == .created)
            let key = try #require(created.1.response["key"] as? String)
            let licenseID = try #require((created.1.response["license"] as? [String: Any])?["id"] as? String)
            #expect((created.1.response["license"] as? [String: Any])?["key_last4"] as? String == String(key.suffix(4)))

            let channel = try await server.send(
                .put, "/api/v1/private_blog/david_mahler",
                json: ["channel_name": "David Mahler Custom Channel", "alias_for": "beta", "licenses": key])
            #expect(channel.0 == .ok)
            #expect(channel.1.response["is_custom"] as? Bool == true)
            #expect(channel.1.response["licenses"] as? [String] == [licenseID])

            let search = try await server.send(.get, "/api/v1/licenses?search=mahler")
            #expect((search.1.response["licenses"] as? [[String: Any]])?.map { $0["id"] as? String } == [licenseID])

            let base = "/api/check_for_update/?product_name=private_blog&release_channel=stable&current_product_version=0.9"
            let licensed = try await server.get(base + "&license=\(key)&site_url=https://one.example")
            #expect(licensed.0 == .ok)
            #expect(licensed.1.response["new_version"] as? String == "2.0-beta1")
            #expect(licensed.1.response["channel"] as? String == "david_mahler")
            let link = try #require(licensed.1.response["authenticated_download_url"] as? String)
            #expect(link.contains("/licensed/private_blog/"))
            #expect(licensed.1.response["download_url"] as? String == link)

            let path = String(link.drop { $0 != "/" }.dropFirst(2).drop { $0 != "/" })
            let download = try await server.client.execute(uri: path, method: .get) { ($0.status, Data(buffer: $0.body), $0.headers) }
            #expect(download.0 == .ok)
            #expect(download.1 == betaZip)
            #expect(download.2[HTTPField.Name("X-Content-Signature")!] != nil)

            // plugin-update-checker with the license gets its own signed link in the metadata.
            for _ in 0..<2 {
                let metadata = try await server.client.execute(
                    uri: "/wordpress/?action=get_metadata&slug=private_blog&license=\(key)", method: .get,
                    headers: [.userAgent: "WordPress/6.7; https://one.example"]
                ) { ($0.status, try JSONSerialization.jsonObject(with: Data(buffer: $0.body)) as? [String: Any]) }
                #expect(metadata.0 == .ok)
                #expect(metadata.1?["version"] as? String == "2.0-beta1")
                #expect(metadata.1?["name"] as? String != nil)
                let url = try #require(metadata.1?["download_url"] as? String)
                #expect(url.contains("/licensed/private_blog/"))
                let linked = String(url.drop { $0 != "/" }.dropFirst(2).drop { $0 != "/" })
                #expect(try await server.client.execute(uri: linked, method: .get) { Data(buffer: $0.body) } == betaZip)
            }

            // Without a license: the version, and no URL at all; the build's own URLs are refused.
            let anonymous = try await server.get(base + "&site_url=https://free.example")
            #expect(anonymous.1.response["update_available"] as? Bool == true)
            #expect(anonymous.1.response["new_version"] as? String == "1.0")
            #expect(anonymous.1.response["download_url"] is NSNull)
            #expect(anonymous.1.response["authenticated_download_url"] is NSNull)
            #expect(anonymous.1.messageCodes.contains("license_required"))
            let betaHash = PluginZip.sha256(betaZip)
            let direct = try await server.get("/file/\(betaHash)/private_blog.zip")
            #expect(direct.0 == .forbidden)
            #expect(direct.1.errorCode == "license_required")

            // A tampered link, an expired one, and the link after revocation: 403 with the envelope.
            let tampered = path.replacingOccurrences(of: "expires=", with: "expires=9")
            let tamperedAnswer = try await server.get(tampered)
            #expect(tamperedAnswer.0 == .forbidden)
            #expect(tamperedAnswer.1.errorCode == "link_invalid")
            let license = try #require(try await server.store.license(id: licenseID))
            let build = try #require(try await server.store.build(try BuildHash(validating: betaHash)))
            let expired = try await LicensedDownloadLinks(store: server.store, lifetime: .seconds(600))
                .link(to: build, license: license, now: currentTimeMillis() / 1000 - 3600)
            let expiredAnswer = try await server.get("/licensed/private_blog/\(betaHash)/private_blog.zip?\(expired.query)")
            #expect(expiredAnswer.0 == .forbidden)
            #expect(expiredAnswer.1.errorCode == "link_expired")

            // The site limit: a second site activates, a third is refused.
            #expect(try await server.get(base + "&license=\(key)&site_url=https://two.example").0 == .ok)
            let third = try await server.get(base + "&license=\(key)&site_url=https://three.example")
            #expect(third.0 == .forbidden)
            #expect(third.1.errorCode == "license_site_limit")

            let revoked = try await server.send(.delete, "/api/v1/licenses/\(licenseID)")
            #expect(revoked.1.response["status"] as? String == "revoked")
            let afterRevoke = try await server.get(path)
            #expect(afterRevoke.0 == .forbidden)
            #expect(afterRevoke.1.errorCode == "license_revoked")
        }
    }

    @Test("Builds to follow are listed; a customer channel can follow one build")
    func buildFollowing() async throws {
        try await TestServer.run { server in
            let first = try PluginZip.make(version: "1.0")
            #expect(try await server.upload(first).0 == .created)
            #expect(try await server.upload(try PluginZip.make(version: "1.1")).0 == .created)
            let builds = try await server.send(.get, "/api/v1/private_blog/builds/")
            #expect((builds.1.response["builds"] as? [[String: Any]])?.compactMap { $0["version"] as? String } == ["1.1", "1.0"])
            let hash = PluginZip.sha256(first)
            let channel = try await server.send(.put, "/api/v1/private_blog/acme", json: ["build_following": hash])
            #expect(channel.1.response["active_build"] as? String == hash)
            let check = try await server.get("/api/check_for_update/?product_name=private_blog&release_channel=acme&current_product_version=0.1")
            #expect(check.1.response["new_version"] as? String == "1.0")
            // `builds` is the listing's name: no channel can take it.
            await #expect(throws: HeraldError.self) {
                try await server.store.saveChannel(try ChannelID(validating: "builds"), of: TestServer.product, settings: ChannelSettings())
            }
        }
    }

    @Test("A display message targeted by URL pattern and license reaches only the matching sites")
    func displayMessages() async throws {
        try await TestServer.run { server in
            #expect(try await server.upload(try PluginZip.make(version: "1.0")).0 == .created)
            let issued = try await server.store.createLicense(
                customerName: "Shop Owner", customerEmail: "owner@shop.example", products: [TestServer.product])
            let other = try await server.store.createLicense(
                customerName: "Someone Else", customerEmail: "else@example.com", products: [TestServer.product])
            let created = try await server.send(
                .post, "/api/v1/private_blog/messages",
                json: [
                    "type": "warning", "text": "Your renewal is due.", "code": "renewal_due", "url_pattern": "https://*.shop.example*",
                    "licenses": issued.key,
                ])
            #expect(created.0 == .created)
            let everyone = try await server.send(
                .post, "/api/v1/private_blog/messages", json: ["type": "info", "text": "Version 2 is coming.", "channels": "stable"])
            #expect(everyone.0 == .created)

            func codes(site: String, key: String?) async throws -> [String] {
                var uri = "/api/check_for_update/?product_name=private_blog&release_channel=stable&site_url=\(site)"
                if let key { uri += "&license=\(key)" }
                return try await server.get(uri).1.messageCodes
            }
            let matching = try await codes(site: "https://www.shop.example/", key: issued.key)
            #expect(matching.contains("renewal_due"))
            #expect(matching.contains("display_message"))
            #expect(try await !codes(site: "https://www.shop.example/", key: nil).contains("renewal_due"))
            #expect(try await !codes(site: "https://www.shop.example/", key: other.key).contains("renewal_due"))
            #expect(try await !codes(site: "https://blog.example/", key: issued.key).contains("renewal_due"))
            #expect(try await codes(site: "https://blog.example/", key: nil).contains("display_message"))

            let latest = try await server.get("/api/get_latest?product_name=private_blog&channel=stable&site_url=https://a.shop.example&license=\(issued.key)")
            #expect(latest.1.messageCodes.contains("renewal_due"))
            let metadata = try await server.client.execute(
                uri: "/wordpress/?action=get_metadata&slug=private_blog&license=\(issued.key)", method: .get,
                headers: [.userAgent: "WordPress/6.1.9; https://a.shop.example"]
            ) { try envelope($0) }
            #expect((metadata["messages"] as? [[String: Any]])?.contains { $0["code"] as? String == "renewal_due" } == true)
            let plainMetadata = try await server.get("/wordpress/?action=get_metadata&slug=private_blog")
            #expect((plainMetadata.1["messages"] as? [[String: Any]])?.contains { $0["code"] as? String == "renewal_due" } != true)
        }
    }

    @Test("A display message is edited in place: same id and creation time, the new text and audience; an unknown one is 404")
    func editMessage() async throws {
        try await TestServer.run(framework: .router) { server in
            let (created, made) = try await server.send(.post, "/api/v1/private_blog/messages", json: ["text": "Old text", "type": "info"])
            #expect(created == .created)
            let id = try #require(made.response["id"] as? String)
            let before = try #require(try await server.store.messages(of: TestServer.product).first)
            let (status, edited) = try await server.send(
                .put, "/api/v1/private_blog/messages/\(id)", json: ["text": "New text", "type": "warning", "url_pattern": "*.example.com"])
            #expect(status == .ok && edited.response["text"] as? String == "New text")
            let after = try await server.store.messages(of: TestServer.product)
            #expect(after.count == 1)
            #expect(after.first?.id == id && after.first?.text == "New text" && after.first?.level == .warning)
            #expect(after.first?.urlPattern == "*.example.com" && after.first?.createdAt == before.createdAt)
            let (missing, answer) = try await server.send(.put, "/api/v1/private_blog/messages/nope", json: ["text": "x"])
            #expect(missing == .notFound && answer.errorCode == "unknown_message")
        }
    }

    @Test("Customer channels: listed and answered only for the licenses bound to them (installation_id is the license key)")
    func customerChannelsPrivate() async throws {
        try await TestServer.run(framework: .router) { server in
            #expect(try await server.upload(try PluginZip.make(version: "1.0")).0 == .created)
            func license(_ name: String) async throws -> (key: String, id: String) {
                let made = try await server.send(
                    .post, "/api/v1/licenses", json: ["customer_name": name, "customer_email": "\(name)@example.com", "products": "private_blog"])
                let id = (made.1.response["license"] as? [String: Any])?["id"] as? String
                return (try #require(made.1.response["key"] as? String), try #require(id))
            }
            let (david, davidID) = try await license("david")
            let (erin, _) = try await license("erin")
            let bound = try await server.send(.put, "/api/v1/private_blog/david_m", json: ["channel_name": "David M", "alias_for": "stable", "licenses": david])
            #expect(bound.0 == .ok)

            func listed(_ query: String) async throws -> [String] {
                let (status, body) = try await server.get("/api/list_channels?product_name=private_blog" + query)
                #expect(status == .ok)
                return ((body.response["channels"] as? [[String: Any]]) ?? []).compactMap { $0["channel_id"] as? String }.sorted()
            }
            #expect(try await listed("") == ["beta", "development", "stable"])
            #expect(try await listed("&installation_id=\(david)") == ["beta", "david_m", "development", "stable"])
            #expect(try await listed("&installation_id=\(erin)") == ["beta", "development", "stable"])
            // The installation id is the license's key, the secret a site holds, never its id.
            #expect(try await listed("&installation_id=\(davidID)") == ["beta", "development", "stable"])
            let vendor = try await server.send(.get, "/api/v1/private_blog")
            #expect((vendor.1.response["channels"] as? [[String: Any]])?.count == 4)

            let base = "/api/check_for_update/?product_name=private_blog&release_channel=david_m&current_product_version=0.9&site_url=https://a.example"
            let stranger = try await server.get(base + "&license=\(erin)")
            #expect(stranger.0 == .forbidden && stranger.1.errorCode == "channel_not_licensed")
            let anonymous = try await server.get(base)
            #expect(anonymous.0 == .forbidden && anonymous.1.errorCode == "channel_not_licensed")
            let owner = try await server.get(base + "&license=\(david)")
            #expect(owner.0 == .ok && owner.1.response["new_version"] as? String == "1.0")
            #expect(try await server.get("/api/v1/private_blog/david_m/latest/").0 == .forbidden)
            for path in ["/api/v1/private_blog/david_m/", "/api/v1/private_blog/david_m/history/", "/api/list_builds?product_name=private_blog&channel=david_m"] {
                let anonymous = try await server.get(path)
                #expect(anonymous.0 == .forbidden && anonymous.1.errorCode == "channel_not_licensed", "\(path)")
                let separator = path.contains("?") ? "&" : "?"
                #expect(try await server.get(path + separator + "license=\(erin)").0 == .forbidden, "\(path)")
                #expect(try await server.get(path + separator + "license=\(davidID)").0 == .forbidden, "\(path) by the license's id")
                #expect(try await server.get(path + separator + "license=\(david)").0 == .ok, "\(path)")
                #expect(try await server.send(.get, path).0 == .ok, "\(path) with a token")
            }
        }
    }

    @Test("A site limit of 2: a third site is refused until one is deactivated; staging, local and site-less checks take no place")
    func siteLimit() async throws {
        try await TestServer.run(framework: .router) { server in
            #expect(try await server.send(.put, "/api/v1/private_blog", json: ["premium": true]).0 == .ok)
            #expect(try await server.upload(try PluginZip.make(version: "1.0")).0 == .created)
            let made = try await server.send(
                .post, "/api/v1/licenses", json: ["customer_name": "Shop", "customer_email": "shop@example.com", "products": "private_blog", "sites": 2])
            let key = try #require(made.1.response["key"] as? String)
            func check(_ site: String?) async throws -> (HTTPResponse.Status, String?) {
                let query = "/api/check_for_update/?product_name=private_blog&release_channel=stable&current_product_version=0.9&license=\(key)"
                let (status, body) = try await server.get(query + (site.map { "&site_url=\($0)" } ?? ""))
                return (status, body.errorCode)
            }
            for site in ["https://staging.shop.example", "http://localhost:8080", "https://shop.local", "https://shop.test/wp", nil] {
                #expect(try await check(site).0 == .ok, "\(site ?? "no site")")
            }
            #expect(try await check("https://one.example").0 == .ok)
            #expect(try await check("https://two.example").0 == .ok)
            let third = try await check("https://three.example")
            #expect(third.0 == .forbidden && third.1 == "license_site_limit")

            let freed = try await server.send(.post, "/api/v1/licenses/\(key)/sites/one.example/deactivate")
            #expect(freed.0 == .ok)
            #expect(try await server.send(.post, "/api/v1/licenses/\(key)/sites/one.example/deactivate").0 == .badRequest)
            #expect(try await check("https://three.example").0 == .ok)
            #expect(try await check("https://one.example").1 == "license_site_limit")
            let stranger = try await server.client.execute(
                uri: "/api/v1/licenses/\(key)/sites/two.example/deactivate", method: .post, headers: server.headers(token: server.scopedToken)
            ) { $0.status }
            #expect(stranger == .notFound, "a token for another product cannot touch the license")

            let listed = try await server.send(.get, "/api/v1/licenses/\(key)/sites")
            #expect(listed.0 == .ok)
            let sites = (listed.1.response["sites"] as? [[String: Any]])?.compactMap { $0["site"] as? String }
            #expect(sites == ["two.example", "three.example"])
            #expect(try await server.client.execute(uri: "/api/v1/licenses/\(key)/sites", method: .get) { $0.status } == .unauthorized)

            // The site itself, with no token, frees its place by the license's key; not by its id, nor with a wrong key.
            let id = try #require(made.1.response["license"] as? [String: Any])["id"] as? String ?? ""
            for wrong in [id, "HRLD-WRONG-KEY"] {
                let refused = try await server.client.execute(uri: "/api/v1/licenses/\(wrong)/sites/two.example/deactivate", method: .post) { $0.status }
                #expect(refused == .notFound, "\(wrong)")
            }
            let bySite = try await server.client.execute(uri: "/api/v1/licenses/\(key)/sites/two.example/deactivate", method: .post) { $0.status }
            #expect(bySite == .ok)
            #expect(try await check("https://one.example").0 == .ok)
        }
    }
}
