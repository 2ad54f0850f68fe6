import HTTPTypes
import HeraldCore
import HeraldFormats
import HeraldStore
import Hummingbird
import NIOHTTP1

/// The one way every endpoint that answers a site starts: read the site's question, take the
/// product's snapshot from memory, and let ``CatalogSnapshot/decide(_:)`` say what the site
/// gets. The endpoints differ only in the field names they read and the shape they write.
///
/// No database query is made for a site that sends no license; a license is looked up by the
/// hash of its key and activated for the site, and remembered for a moment (``LicenseChecks``).
struct SiteAnswers: Sendable {
    let snapshots: CatalogSnapshots
    let licenses: LicenseChecks
    let publicURL: String?
    let links: LicensedDownloadLinks
    let signatures: AnswerSignatures
    let reportTokens: ReportTokens
    let metrics: HeraldMetrics?

    /// How an endpoint names the question's fields.
    struct FieldNames: Sendable {
        /// Fields naming the channel, first present wins.
        var channel: [String]
        /// Fields naming the installed version; empty: the endpoint does not ask about one.
        var installedVersion: [String]
        /// Whether a malformed installed, WordPress or PHP version is refused (400
        /// `invalid_version`) or, for clients that send whatever their host reports, ignored.
        var strict = false

        /// check_for_update (seed 000).
        static let updateCheck = FieldNames(
            channel: ["release_channel", "channel"], installedVersion: ["current_product_version"], strict: true)
        /// get_latest and `/latest/`.
        static let latest = FieldNames(channel: ["channel"], installedVersion: [], strict: true)
        /// Seed 002's show and latest.
        static let wordpressLatest = FieldNames(channel: ["channel"], installedVersion: [])
        /// Seed 002's check: `version` is the installed one.
        static let wordpressCheck = FieldNames(channel: ["channel"], installedVersion: ["version"])
        /// plugin-update-checker's get_metadata and download.
        static let pluginMetadata = FieldNames(channel: ["channel"], installedVersion: ["installed_version"])
    }

    /// One site's answer: the snapshot it was decided on, the question and the decision.
    struct Answer: Sendable {
        let snapshot: CatalogSnapshot
        let question: SiteQuestion
        let decision: SiteDecision
        let urls: PublicURL

        var product: Product { snapshot.product }
    }

    /// Decides what the site asking `request` gets from `product`. `channel` is the channel a
    /// path names (`/api/v1/{product}/{channel}/latest/`), which wins over the fields. A product
    /// `serves` refuses is unknown here, before any license is read or activated.
    func answer(
        _ request: Request, fields: RequestFields, names: FieldNames, product: ProductID, channel: ChannelID? = nil,
        serves: (Product) -> Bool = { _ in true }, counted: Bool = true
    ) async throws -> Answer {
        let urls = PublicURL(configured: publicURL, request: request)
        guard let snapshot = try await snapshots.snapshot(of: product), serves(snapshot.product) else {
            throw HeraldError.unknownProduct(product)
        }
        var question = try Self.question(fields, userAgent: request.headers[.userAgent], names: names, channel: channel)
        if let key = fields["license"] ?? fields["license_key"] {
            do {
                question.license = try await licenses.check(key: key, for: product, site: question.site ?? "")
            } catch let error as HeraldError where error.kind == .forbidden && !snapshot.product.premium {
                // A free product answers whatever key comes with the question.
                question.refusedLicense = Notice(level: .warning, code: error.code, message: error.message)
            }
        }
        let decision = try snapshot.decide(question)
        // A HEAD, or a download that follows a question, is not a question of its own.
        if counted, request.method != .head { metrics?.updateCheck(decision, of: snapshot) }
        return Answer(snapshot: snapshot, question: question, decision: decision, urls: urls)
    }

    /// The same answer as ``answer(_:fields:names:product:channel:serves:)``, made at once when
    /// it needs no database: the product's snapshot is in memory and the site sends either no
    /// license or one remembered as valid for it (``LicenseChecks/checkNow(key:for:site:)``).
    /// Nil otherwise, and for any question the router answers with an error.
    func answerInMemory(
        _ head: HTTPRequestHead, fields: RequestFields, names: FieldNames, product: ProductID, serves: (Product) -> Bool = { _ in true }
    ) -> Answer? {
        let headers = SiteHeaders(head.headers)
        guard let snapshot = snapshots.snapshotInMemory(of: product), serves(snapshot.product),
            var question = try? Self.question(fields, userAgent: headers.userAgent, names: names, channel: nil)
        else { return nil }
        if let key = fields["license"] ?? fields["license_key"] {
            guard let license = licenses.checkNow(key: key, for: product, site: question.site ?? "") else { return nil }
            question.license = license
        }
        guard let decision = try? snapshot.decide(question) else { return nil }
        let urls = PublicURL(
            configured: publicURL, forwardedProto: headers.forwardedProto, forwardedHost: headers.forwardedHost, host: headers.host)
        return Answer(snapshot: snapshot, question: question, decision: decision, urls: urls)
    }

    /// The download URLs the answer gives: none when there is no build or the product is
    /// premium and the site has no license.
    func links(for answer: Answer) async throws -> BuildLinks? {
        guard answer.decision.mayDownload, let build = answer.decision.build else { return nil }
        return try await links(to: build, for: answer)
    }

    /// The URLs of `build` (the decision's, or another version the channel served) for the asker.
    func links(to build: Build, for answer: Answer) async throws -> BuildLinks {
        guard let license = answer.question.license else { return BuildLinks.unlicensed(for: build, product: answer.product, urls: answer.urls) }
        return try await BuildLinks.make(for: build, product: answer.product, license: license, urls: answer.urls, links: links)
    }

    /// The header of an answer that offers a build to a site that named its address: the token
    /// its outcome report must carry (``ReportTokens``).
    static let reportTokenField = HTTPField.Name("X-Herald-Report-Token")!

    /// The answer's report token; nil when it offers nothing or the site named no address.
    func reportToken(for answer: Answer) async throws -> String? {
        guard answer.decision.updateAvailable, let site = answer.question.site, let build = answer.decision.build else { return nil }
        return try await reportTokens.token(
            product: answer.product.id, site: site, build: build.hash, licenseID: answer.question.license?.id, now: Int64(UTCDate.nowSeconds()))
    }

    /// ``reportToken(for:)`` made at once: `.some(nil)` when the answer carries none, nil when
    /// one cannot be made yet (the key is still to be read).
    func reportTokenNow(for answer: Answer) -> String?? {
        guard answer.decision.updateAvailable, let site = answer.question.site, let build = answer.decision.build else { return .some(nil) }
        guard
            let token = reportTokens.tokenNow(
                product: answer.product.id, site: site, build: build.hash, licenseID: answer.question.license?.id, now: Int64(UTCDate.nowSeconds()))
        else { return nil }
        return .some(token)
    }

    /// ``links(for:)`` made at once, with no links as empty ones: nil when a licensed site's
    /// link cannot be signed yet (``BuildLinks/makeNow(for:product:license:urls:links:)``).
    func linksNow(for answer: Answer) -> BuildLinks? {
        guard answer.decision.mayDownload, let build = answer.decision.build else { return BuildLinks() }
        guard let license = answer.question.license else { return BuildLinks.unlicensed(for: build, product: answer.product, urls: answer.urls) }
        return BuildLinks.makeNow(for: build, product: answer.product, license: license, urls: answer.urls, links: links)
    }

    /// A 200 answer of JSON `body` for a site, signed (``AnswerSignatures``).
    func signedResponse(_ body: ByteBuffer, reportToken: String? = nil) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        headers[AnswerSignatures.field] = signatures.signature(of: body)
        if let reportToken { headers[Self.reportTokenField] = reportToken }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    /// Reads a question from an endpoint's fields: the channel, the installed version, WordPress's
    /// version (`wordpress_version`, or WordPress's `User-Agent`), PHP's (`php_version` or
    /// plugin-update-checker's `php`) and the site (`site_url`, `install_id`, or the
    /// User-Agent). The license is the caller's to check.
    static func question(_ fields: RequestFields, userAgent agent: String?, names: FieldNames, channel: ChannelID?) throws -> SiteQuestion {
        var named = channel
        if named == nil, let field = names.channel.first(where: { fields[$0] != nil }), let value = fields[field] {
            named = try ChannelID(validating: value, field: field)
        }
        func version(_ value: String?, field: String) throws -> Version? {
            guard let value else { return nil }
            guard names.strict else { return try? Version(validating: value, field: field) }
            return try Version(validating: value, field: field)
        }
        let installedField = names.installedVersion.first { fields[$0] != nil }
        let installed = try version(installedField.flatMap { fields[$0] }, field: installedField ?? "version")
        let wordpress = try version(fields["wordpress_version"] ?? wordpressVersion(fromUserAgent: agent), field: "wordpress_version")?.rawValue
        let php = try version(fields["php_version"] ?? fields["php"], field: "php_version")?.rawValue
        let siteURL = fields["site_url"] ?? fields["install_id"] ?? siteURL(fromUserAgent: agent)
        return SiteQuestion(
            channel: named, installedVersion: installed, wordpressVersion: wordpress, phpVersion: php, siteURL: siteURL,
            now: currentTimeMillis())
    }

    /// The version in WordPress's `User-Agent: WordPress/6.1.9; https://example.com`.
    /// Read on its bytes, as every WordPress site's question carries it.
    static func wordpressVersion(fromUserAgent agent: String?) -> String? {
        guard let agent, agent.utf8.starts(with: "WordPress/".utf8) else { return nil }
        let version = agent.utf8.dropFirst("WordPress/".utf8.count).prefix { $0 != UInt8(ascii: ";") }
        return version.isEmpty ? nil : String(Substring(version))
    }

    /// The site in WordPress's `User-Agent: WordPress/6.1.9; https://example.com`.
    static func siteURL(fromUserAgent agent: String?) -> String? {
        guard let agent, agent.utf8.starts(with: "WordPress/".utf8), let separator = agent.utf8.firstIndex(of: UInt8(ascii: ";")) else {
            return nil
        }
        let site = Substring(agent.utf8[agent.utf8.index(after: separator)...]).trimmingWhitespace()
        return site.isEmpty ? nil : site
    }
}

/// The headers a site's question reads, found in one pass over NIO's request head; a header
/// sent more than once is its values joined by ", ", as HTTPTypes joins them, so the router and
/// ``SiteAnswerHandler`` read a repeated header alike.
struct SiteHeaders {
    var userAgent: String?
    var forwardedProto: String?
    var forwardedHost: String?
    var host: String?

    init(_ headers: HTTPHeaders) {
        for (name, value) in headers {
            switch name.utf8.count {
            case 4 where Self.named(name, "host"): Self.add(value, to: &host)
            case 10 where Self.named(name, "user-agent"): Self.add(value, to: &userAgent)
            case 16 where Self.named(name, "x-forwarded-host"): Self.add(value, to: &forwardedHost)
            case 17 where Self.named(name, "x-forwarded-proto"): Self.add(value, to: &forwardedProto)
            default: break
            }
        }
    }

    private static func add(_ value: String, to field: inout String?) {
        field = field.map { $0 + ", " + value } ?? value
    }

    /// Whether `name` is `lowercase`, in any case of ASCII letters.
    private static func named(_ name: String, _ lowercase: StaticString) -> Bool {
        let expected = UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        return name.utf8.elementsEqual(expected) { byte, lower in
            byte == lower || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") && byte + 32 == lower)
        }
    }
}
