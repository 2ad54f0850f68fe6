import Foundation
import HTTPTypes
import HeraldCore
import HeraldStore
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Every endpoint that answers a site gives the same decision for the same site: the served
/// version, whether it is offered, whether a download is given, the channel answered from,
/// and the notices, across aliases, pins, rollouts, requirements, customer channels, premium
/// products, hidden products and display messages.
@Suite("One decision for every endpoint")
struct SiteDecisionTableTests {
    /// One site's question, as fields every endpoint understands.
    struct Situation: Sendable, CustomStringConvertible {
        var name: String
        var product = "private_blog"
        var channel: String?
        var installed: String?
        var wordpress: String?
        var php: String?
        /// A placeholder (`IN_ROLLOUT`, `OUT_OF_ROLLOUT`, `ACME`) or an address.
        var site: String?
        /// `KA` (bound to the customer channel acme), `KV` (the premium product's) or a key.
        var license: String?
        var expected: Expected

        var description: String { name }
    }

    struct Expected: Sendable {
        /// The served version; nil when the answer is an error.
        var version: String?
        var offered = false
        /// A premium product asked about without a license: no answer carries a download.
        var licenseGated = false
        var channel: String?
        /// Notice codes, in order, as check_for_update lists them.
        var notices: [String] = []
        /// The error code every endpoint answers with, when the question is refused.
        var error: String?
    }

    static let situations: [Situation] = [
        Situation(name: "no channel: stable, warned", installed: "1.0", wordpress: "6.7", php: "8.2",
            expected: Expected(version: "2.0", offered: true, channel: "stable", notices: ["no_channel"])),
        Situation(name: "stable, older site", channel: "stable", installed: "1.0", wordpress: "6.7", php: "8.2",
            expected: Expected(version: "2.0", offered: true, channel: "stable")),
        Situation(name: "stable, no versions sent", channel: "stable", installed: "1.0",
            expected: Expected(version: "2.0", offered: true, channel: "stable")),
        Situation(name: "stable, same version", channel: "stable", installed: "2.0",
            expected: Expected(version: "2.0", offered: false, channel: "stable")),
        Situation(name: "stable, newer site", channel: "stable", installed: "3.0",
            expected: Expected(version: "2.0", offered: false, channel: "stable")),
        Situation(name: "stable, 2.0.0 is newer than 2.0 in version_compare", channel: "stable", installed: "2.0.0",
            expected: Expected(version: "2.0", offered: false, channel: "stable")),
        Situation(name: "stable, 2.0-rc1 is older than 2.0", channel: "stable", installed: "2.0-rc1",
            expected: Expected(version: "2.0", offered: true, channel: "stable")),
        Situation(name: "stable, WordPress too old", channel: "stable", installed: "1.0", wordpress: "6.4.3", php: "8.2",
            expected: Expected(version: "2.0", offered: false, channel: "stable", notices: ["requires_wordpress"])),
        Situation(name: "stable, WordPress exactly as required", channel: "stable", installed: "1.0", wordpress: "6.5", php: "8.1",
            expected: Expected(version: "2.0", offered: true, channel: "stable")),
        Situation(name: "stable, PHP too old", channel: "stable", installed: "1.0", wordpress: "6.7", php: "7.4.33",
            expected: Expected(version: "2.0", offered: false, channel: "stable", notices: ["requires_php"])),
        Situation(name: "stable, WordPress and PHP too old", channel: "stable", installed: "1.0", wordpress: "5.9", php: "7.4",
            expected: Expected(version: "2.0", offered: false, channel: "stable", notices: ["requires_wordpress", "requires_php"])),
        Situation(name: "beta, older site, the beta message", channel: "beta", installed: "1.0",
            expected: Expected(version: "2.1-beta1", offered: true, channel: "beta", notices: ["beta_note"])),
        Situation(name: "beta, same version", channel: "beta", installed: "2.1-beta1",
            expected: Expected(version: "2.1-beta1", offered: false, channel: "beta", notices: ["beta_note"])),
        Situation(name: "beta, a 2.1 release is newer than the beta", channel: "beta", installed: "2.1",
            expected: Expected(version: "2.1-beta1", offered: false, channel: "beta", notices: ["beta_note"])),
        Situation(name: "an alias of beta serves beta's build", channel: "edge", installed: "1.0",
            expected: Expected(version: "2.1-beta1", offered: true, channel: "edge")),
        Situation(name: "a pinned channel serves its pin, not its newer upload", channel: "lts", installed: "1.0",
            expected: Expected(version: "1.5", offered: true, channel: "lts")),
        Situation(name: "a pinned channel, site on the pin", channel: "lts", installed: "1.5",
            expected: Expected(version: "1.5", offered: false, channel: "lts")),
        Situation(name: "a channel without a build", channel: "development", installed: "1.0",
            expected: Expected(version: nil, channel: "development", notices: ["no_build"], error: "no_build")),
        Situation(name: "an unknown channel", channel: "nightly", installed: "1.0",
            expected: Expected(error: "unknown_channel")),
        Situation(name: "a site in the stable rollout gets its build", channel: "stable", installed: "1.0", site: "IN_ROLLOUT",
            expected: Expected(version: "2.2", offered: true, channel: "stable")),
        Situation(name: "a site out of the rollout keeps the channel's build", channel: "stable", installed: "1.0", site: "OUT_OF_ROLLOUT",
            expected: Expected(version: "2.0", offered: true, channel: "stable")),
        Situation(name: "a site in the rollout that runs it", channel: "stable", installed: "2.2", site: "IN_ROLLOUT",
            expected: Expected(version: "2.2", offered: false, channel: "stable")),
        Situation(name: "a site in the rollout whose WordPress is too old", channel: "stable", installed: "1.0", wordpress: "5.9",
            site: "IN_ROLLOUT",
            expected: Expected(version: "2.2", offered: false, channel: "stable", notices: ["requires_wordpress"])),
        Situation(name: "a site the URL pattern targets", channel: "stable", installed: "1.0", site: "ACME",
            expected: Expected(version: "2.0", offered: true, channel: "stable", notices: ["acme_note"])),
        Situation(name: "a targeted site on beta gets both messages", channel: "beta", installed: "1.0", site: "ACME",
            expected: Expected(version: "2.1-beta1", offered: true, channel: "beta", notices: ["beta_note", "acme_note"])),
        Situation(name: "a license bound to a customer channel answers from it", channel: "stable", installed: "1.0",
            site: "https://customer.example", license: "KA",
            expected: Expected(version: "2.1-beta1", offered: true, channel: "acme", notices: ["customer_note"])),
        Situation(name: "a bound license without a channel: no warning", installed: "1.0", site: "https://customer.example",
            license: "KA",
            expected: Expected(version: "2.1-beta1", offered: true, channel: "acme", notices: ["customer_note"])),
        Situation(name: "an unknown license on a free product: answered, and told", channel: "stable", installed: "1.0",
            site: "OUT_OF_ROLLOUT", license: "HRLD-00000000000000000000000000000000",
            expected: Expected(version: "2.0", offered: true, channel: "stable", notices: ["license_invalid"])),
        Situation(name: "premium without a license: the version, no download", product: "vault", channel: "stable", installed: "1.0",
            expected: Expected(version: "3.0", offered: true, licenseGated: true, channel: "stable", notices: ["license_required"])),
        Situation(name: "premium with its license: a download", product: "vault", channel: "stable", installed: "1.0",
            site: "https://customer.example", license: "KV",
            expected: Expected(version: "3.0", offered: true, channel: "stable")),
        Situation(name: "premium, up to date, no license: nothing to ask for", product: "vault", channel: "stable", installed: "3.0",
            expected: Expected(version: "3.0", offered: false, licenseGated: true, channel: "stable")),
        Situation(name: "premium with another product's license is refused", product: "vault", channel: "stable", installed: "1.0",
            site: "https://customer.example", license: "KA",
            expected: Expected(error: "license_invalid")),
        Situation(name: "a hidden product still answers", product: "hush", channel: "stable", installed: "1.0",
            expected: Expected(version: "1.1", offered: true, channel: "stable")),
        Situation(name: "an unknown product", product: "nothing_here", channel: "stable", installed: "1.0",
            expected: Expected(error: "unknown_product")),
    ]

    /// What one endpoint said, in the terms of ``Expected``; nil where the endpoint cannot say.
    struct Observed: Equatable, CustomStringConvertible {
        var error: String?
        var version: String?
        var offered: Bool?
        var downloadable: Bool?
        var channel: String?
        var notices: [String]?

        var description: String {
            "error \(error ?? "-"), version \(version ?? "-"), offered \(offered.map(String.init) ?? "-"), "
                + "downloadable \(downloadable.map(String.init) ?? "-"), channel \(channel ?? "-"), notices \(notices ?? [])"
        }
    }

    /// The state every situation is asked against, with the placeholders' values.
    struct Fixture: Sendable {
        var licenses: [String: String]
        var sites: [String: String]

        func fields(_ situation: Situation) -> [(String, String)] {
            var fields: [(String, String)] = []
            if let site = situation.site { fields.append(("site_url", sites[site] ?? site)) }
            if let license = situation.license { fields.append(("license", licenses[license] ?? license)) }
            return fields
        }
    }

    @Test("34 situations, nine endpoints, one decision (in process: every answer from the router)")
    func everyEndpointAgreesInProcess() async throws {
        try await everyEndpointAgrees(framework: .router)
    }

    @Test("34 situations, nine endpoints, one decision (over HTTP: site questions answered before the router too)")
    func everyEndpointAgreesOverHTTP() async throws {
        try await everyEndpointAgrees(framework: .live)
    }

    private func everyEndpointAgrees(framework: TestingSetup) async throws {
        #expect(Self.situations.count >= 30)
        try await TestServer.run(framework: framework) { server in
            let fixture = try await Self.prepare(server)
            for situation in Self.situations {
                for endpoint in Endpoint.allCases {
                    let observed = try await endpoint.ask(situation, fixture: fixture, server: server)
                    let expected = endpoint.expectation(for: situation.expected)
                    #expect(observed == expected, "\(endpoint) for \(situation)")
                }
            }
        }
    }

    /// private_blog: stable 2.0 (needs WordPress 6.5, PHP 8.1) with 2.2 rolling out to half the
    /// sites, beta 2.1-beta1, `edge` aliasing beta, `lts` pinned to 1.5 under a newer 1.6,
    /// `acme` a customer channel aliasing beta bound to license KA, and three display messages
    /// (beta only, sites matching `*.acme.test*`, license KA). vault: premium, stable 3.0,
    /// license KV. hush: hidden, stable 1.1.
    static func prepare(_ server: TestServer) async throws -> Fixture {
        func upload(_ product: String, _ channel: String, _ version: String, requires: String = "6.0", php: String = "7.4") async throws -> String {
            let zip = try PluginZip.make(slug: product, version: version, requires: requires, requiresPHP: php)
            let status = try await server.client.execute(
                uri: "/api/v1/\(product)/\(channel)/builds", method: .post, headers: server.headers(), body: ByteBuffer(bytes: zip)
            ) { $0.status }
            #expect(status == .created, "upload \(product) \(version)")
            return PluginZip.sha256(zip)
        }
        func send(_ method: HTTPRequest.Method, _ uri: String, _ json: [String: Any]) async throws -> [String: Any] {
            let (status, body) = try await server.send(method, uri, json: json)
            #expect(status.code < 300, "\(method) \(uri): \(body)")
            return body.response
        }
        _ = try await upload("private_blog", "stable", "1.0")
        _ = try await upload("private_blog", "stable", "2.0", requires: "6.5", php: "8.1")
        let rolling = try await upload("private_blog", "candidates", "2.2")
        _ = try await upload("private_blog", "beta", "2.1-beta1")
        let pin = try await upload("private_blog", "lts", "1.5")
        _ = try await send(.post, "/api/v1/private_blog/lts/pin", ["build": pin])
        _ = try await upload("private_blog", "lts", "1.6")
        _ = try await send(.put, "/api/v1/private_blog/edge", ["channel_name": "Edge", "alias_for": "beta"])
        _ = try await send(.post, "/api/v1/private_blog/stable/rollout", ["build": rolling, "percentage": "50"])

        for product in ["vault", "hush"] {
            _ = try await send(.put, "/api/v1/\(product)", ["product_name": product.capitalized, "kind": "plugin"])
        }
        _ = try await upload("vault", "stable", "3.0")
        _ = try await send(.put, "/api/v1/vault", ["premium": true])
        _ = try await upload("hush", "stable", "1.1")
        _ = try await server.store.updateProduct(try ProductID(validating: "hush"), hidden: true)

        let customer = try await send(
            .post, "/api/v1/licenses", ["customer_name": "Acme", "customer_email": "it@acme.test", "products": "private_blog"])
        let ka = try #require(customer["key"] as? String)
        let premium = try await send(
            .post, "/api/v1/licenses", ["customer_name": "Vault Buyer", "customer_email": "buyer@example.com", "products": "vault", "sites": 5])
        let kv = try #require(premium["key"] as? String)
        _ = try await send(.put, "/api/v1/private_blog/acme", ["channel_name": "Acme Custom Channel", "alias_for": "beta", "licenses": ka])
        _ = try await send(.post, "/api/v1/private_blog/messages", ["text": "Try the beta.", "code": "beta_note", "channels": "beta"])
        _ = try await send(.post, "/api/v1/private_blog/messages", ["text": "Hello Acme shops.", "code": "acme_note", "url_pattern": "*.acme.test*"])
        _ = try await send(.post, "/api/v1/private_blog/messages", ["text": "Your plan renews soon.", "code": "customer_note", "licenses": ka])

        // Sites on either side of the 50% rollout, and a targeted one outside it.
        let build = try BuildHash(validating: rolling)
        let inRollout = (1...100).map { "https://in\($0).example" }
            .first { CatalogSnapshot.rolloutBucket(of: SiteAddress.normalize($0)!, build: build) < 5000 }
        let outOfRollout = (1...100).map { "https://out\($0).example" }
            .first { CatalogSnapshot.rolloutBucket(of: SiteAddress.normalize($0)!, build: build) >= 5000 }
        let acme = (1...100).map { "https://shop\($0).acme.test" }
            .first { CatalogSnapshot.rolloutBucket(of: SiteAddress.normalize($0)!, build: build) >= 5000 }
        return Fixture(
            licenses: ["KA": ka, "KV": kv],
            sites: ["IN_ROLLOUT": try #require(inRollout), "OUT_OF_ROLLOUT": try #require(outOfRollout), "ACME": try #require(acme)])
    }

    /// The endpoints that answer a site, each read in its own wire format.
    enum Endpoint: String, CaseIterable, CustomStringConvertible {
        case checkGET, checkPOST, getLatest, latestPath, wordpressShowLatest, wordpressLatest, wordpressCheck, getMetadata, download

        var description: String { rawValue }

        /// What this endpoint can show of the expected decision.
        func expectation(for expected: Expected) -> Observed {
            if let error = expected.error, !(error == "no_build" && (self == .checkGET || self == .checkPOST)) {
                return Observed(error: error)
            }
            // The notices that do not depend on the installed version or the site's software.
            let displayed = expected.notices.filter { !["no_channel", "requires_wordpress", "requires_php", "license_required"].contains($0) }
            switch self {
            case .checkGET, .checkPOST:
                return Observed(
                    version: expected.version, offered: expected.offered, downloadable: expected.offered ? !expected.licenseGated : nil,
                    channel: expected.channel, notices: expected.notices)
            case .getLatest:
                let warned = expected.notices.contains("no_channel") ? ["no_channel"] : []
                return Observed(version: expected.version, downloadable: !expected.licenseGated, channel: expected.channel, notices: warned + displayed)
            case .latestPath:
                return Observed(version: expected.version, downloadable: !expected.licenseGated, channel: expected.channel, notices: displayed)
            case .wordpressShowLatest, .getMetadata:
                return Observed(version: expected.version, downloadable: !expected.licenseGated)
            case .wordpressLatest:
                return Observed(version: expected.version, downloadable: !expected.licenseGated, notices: displayed)
            case .wordpressCheck:
                return Observed(version: expected.version, offered: expected.offered, notices: expected.notices.filter { $0 != "no_channel" })
            case .download:
                return Observed(downloadable: !expected.licenseGated)
            }
        }

        func ask(_ situation: Situation, fixture: Fixture, server: TestServer) async throws -> Observed {
            var fields = fixture.fields(situation)
            if let wordpress = situation.wordpress { fields.append(("wordpress_version", wordpress)) }
            if let php = situation.php { fields.append(("php_version", php)) }
            let channel = situation.channel.map { [("channel", $0)] } ?? []
            let product = situation.product
            switch self {
            case .checkGET, .checkPOST:
                var check = [("product_name", product)] + fields
                if let channel = situation.channel { check.append(("release_channel", channel)) }
                if let installed = situation.installed { check.append(("current_product_version", installed)) }
                let (status, body) =
                    self == .checkGET
                    ? try await server.get("/api/check_for_update/?" + query(check))
                    : try await server.client.execute(
                        uri: "/api/check_for_update/", method: .post, headers: [.contentType: "application/json"],
                        body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: Dictionary(check, uniquingKeysWith: { $1 })))
                    ) { ($0.status, try envelope($0)) }
                if let error = body.errorCode { return Observed(error: status.code >= 400 ? error : "status \(status.code)") }
                let answer = body.response
                let offered = answer["update_available"] as? Bool
                return Observed(
                    version: answer["new_version"] as? String, offered: offered,
                    downloadable: offered == true ? (answer["download_url"] as? String) != nil : nil,
                    channel: answer["channel"] as? String, notices: body.messageCodes)
            case .getLatest, .latestPath:
                let uri =
                    self == .getLatest
                    ? "/api/get_latest?" + query([("product_name", product)] + channel + fields)
                    : "/api/v1/\(product)/\(situation.channel ?? "stable")/latest/?" + query(fields)
                let (status, body) = try await server.get(uri)
                if let error = body.errorCode { return Observed(error: status.code >= 400 ? error : "status \(status.code)") }
                var notices = body.messageCodes.filter { !["requires_wordpress", "requires_php", "license_required"].contains($0) }
                if self == .latestPath { notices.removeAll { $0 == "no_channel" } }
                return Observed(
                    version: body.response["product_version"] as? String, downloadable: (body.response["download_url"] as? String) != nil,
                    channel: body.response["channel"] as? String, notices: notices)
            case .wordpressShowLatest, .wordpressLatest:
                let action = self == .wordpressLatest ? "action=latest" : "action=show&version=latest"
                let (status, body) = try await server.get("/wordpress/?\(action)&" + query([("slug", "plugins/\(product)")] + channel + fields))
                if let error = body.errorCode { return Observed(error: status.code >= 400 ? error : "status \(status.code)") }
                let notices = (body["messages"] as? [[String: Any]])?.compactMap { $0["code"] as? String }
                    .filter { !["requires_wordpress", "requires_php", "license_required"].contains($0) }
                return Observed(
                    version: body["version"] as? String, downloadable: (body["package"] as? String).map { !$0.isEmpty },
                    notices: self == .wordpressLatest ? notices ?? [] : nil)
            case .wordpressCheck:
                let (status, body) = try await server.get(
                    "/wordpress/?action=check&" + query([("slug", "plugins/\(product)"), ("version", situation.installed ?? "0")] + channel + fields))
                if let error = body.errorCode { return Observed(error: status.code >= 400 ? error : "status \(status.code)") }
                return Observed(
                    version: body["version"] as? String, offered: body["new_version"] != nil,
                    notices: (body["messages"] as? [[String: Any]])?.compactMap { $0["code"] as? String } ?? [])
            case .getMetadata:
                var metadata = [("action", "get_metadata"), ("slug", product)] + channel + fields
                if let installed = situation.installed { metadata.append(("installed_version", installed)) }
                let (status, body) = try await server.get("/wordpress/?" + query(metadata))
                if let error = body.errorCode { return Observed(error: status.code >= 400 ? error : "status \(status.code)") }
                return Observed(version: body["version"] as? String, downloadable: body["download_url"] is String)
            case .download:
                let uri = "/wordpress/?" + query([("action", "download"), ("slug", product)] + channel + fields)
                let (status, body) = try await server.client.execute(uri: uri, method: .get) { ($0.status, try? envelope($0)) }
                if status == .found { return Observed(downloadable: true) }
                if let error = body?.errorCode, error == "license_required" { return Observed(downloadable: false) }
                return Observed(error: body?.errorCode ?? "status \(status.code)")
            }
        }

        private func query(_ fields: [(String, String)]) -> String {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            return fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)" }.joined(separator: "&")
        }
    }
}
