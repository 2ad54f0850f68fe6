import Foundation
import HeraldCore
import HeraldFormats
import HeraldStore
import Hummingbird

/// The console at `/admin/`: pages rendered on the server from the store, read-only; every
/// change a page makes goes through the JSON API (one write path), authorised by the session
/// with its CSRF token (``Authorization``). Signing in and out are the console's own.
struct ConsoleRoutes<Context: RequestContext> {
    let store: any Store
    let pages: ConsolePages
    let throttle: LoginThrottle
    /// Cookies marked Secure: the public URL is https.
    let secureCookies: Bool

    func register(on router: Router<Context>) {
        router.get("/") { request, _ -> Response in
            guard (request.headers[.accept] ?? "").contains("text/html") else { throw HTTPError(.notFound) }
            return redirect("/admin/")
        }
        router.get("/admin/assets/{file}") { _, context in
            guard let asset = ConsolePages.asset(context.parameters.get("file") ?? "") else { throw HTTPError(.notFound) }
            return asset
        }
        router.get("/admin/login") { request, _ in
            if try await session(request) != nil { return redirect("/admin/") }
            return pages.page("login", ["title": "Sign in"])
        }
        router.post("/admin/login") { request, context in try await signIn(request, context: context) }
        router.post("/admin/logout") { request, context in try await signOut(request, context: context) }
        // Also /admin/: the router ignores a trailing slash.
        router.get("/admin") { request, _ in
            try await signedIn(request) { session in try await productsPage(session) }
        }
        router.get("/admin/audit") { request, _ in
            try await signedIn(request) { session in
                // An account limited to some products reads only what it did itself.
                let actor = session.account.products.isEmpty ? nil : session.account.email
                let entries = try await store.auditLog(limit: 500, actor: actor).map { entry -> [String: Any] in
                    ["at": ConsoleText.time(entry.at), "actor": entry.actor, "action": entry.action, "address": entry.address]
                }
                return pages.page("audit", common(session, title: "Audit log").merging(["entries": entries]) { $1 })
            }
        }
        router.get("/admin/customers") { request, _ in
            try await signedIn(request) { session in
                try await customersPage(session, search: RequestFields(query: request)["q"])
            }
        }
        router.get("/admin/tokens") { request, _ in
            try await signedIn(request) { session in try await tokensPage(session) }
        }
        router.get("/admin/products/{product}/extensions") { request, context in
            try await productPage(request, context: context, page: "extensions", title: "Extensions") { _, snapshot in
                let extensions = try await store.extensionRecords(of: snapshot.product.id).map { id, manifest -> [String: Any] in
                    [
                        "id": id, "product": snapshot.product.id.rawValue, "name": manifest.name, "premium": manifest.premium,
                        "beta": manifest.beta?.text ?? "", "stable": manifest.stable?.text ?? "",
                    ]
                }
                return ["extensions": extensions]
            }
        }
        router.get("/admin/products/{product}") { request, context in
            try await productPage(request, context: context) { session, snapshot in
                try await ProductPage(store: store, snapshot: snapshot, query: RequestFields(query: request)).values()
            }
        }
        router.get("/admin/products/{product}/plan") { request, context in
            try await productPage(request, context: context, page: "plan", title: "Build all") { _, snapshot in
                try await planValues(snapshot.product.id)
            }
        }
        router.get("/admin/products/{product}/messages") { request, context in
            try await productPage(request, context: context, page: "messages", title: "Display messages") { _, snapshot in
                try await messageValues(snapshot, query: RequestFields(query: request))
            }
        }
        router.get("/admin/products/{product}/stats") { request, context in
            try await productPage(request, context: context, page: "stats", title: "Statistics") { _, snapshot in
                try await statisticsValues(snapshot.product.id, days: RequestFields(query: request)["days"] == "90" ? 90 : 30)
            }
        }
        router.get("/admin/products/{product}/channels/{channel}") { request, context in
            let channel = try context.parameters.channel()
            return try await productPage(request, context: context, page: "channel", title: "Channel \(channel)") { _, snapshot in
                try await ChannelPage(store: store, snapshot: snapshot, channel: channel).values()
            }
        }
    }

    // MARK: Signing in and out

    private func signIn(_ request: Request, context: Context) async throws -> Response {
        var request = request
        guard ConsoleCookie.isSameOrigin(request) else { throw HeraldError.csrfRejected }
        let fields = try await RequestFields.read(&request, context: context)
        let email = (fields["email"] ?? "").trimmingWhitespace().lowercased()
        let address = ConsoleCookie.peer(of: request)
        func refuse(_ message: String, status: HTTPResponse.Status) -> Response {
            pages.page("login", ["title": "Sign in", "error": message, "email": email], status: status)
        }
        let attempt = try await throttle.begin(email: email, address: address)
        if case .wait(let wait) = attempt {
            return refuse(HeraldError.tooManyAttempts(retryAfterSeconds: wait).message, status: .tooManyRequests)
        }
        guard let account = try await store.account(email: email, password: fields["password"] ?? "") else {
            // What was typed as the email is recorded only when it is an address: a password
            // typed into the wrong box stays out of the log.
            let who = (try? ConsoleAccount.normalizeEmail(email)) ?? "(not an email address)"
            try await store.recordAudit(actor: who, action: "failed sign-in", address: address)
            return refuse(HeraldError.signInFailed.message, status: .unauthorized)
        }
        try await throttle.succeeded(attempt)
        let (secret, _) = try await store.startSession(for: account)
        try await store.recordAudit(actor: account.email, action: "sign-in", address: address)
        var response = redirect("/admin/")
        response.headers[.setCookie] = ConsoleCookie.setting(secret, secure: secureCookies)
        return response
    }

    private func signOut(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let fields = try await RequestFields.read(&request, context: context)
        if let secret = ConsoleCookie.secret(in: request.headers), let session = try await store.session(forSecret: secret) {
            guard ConsoleCookie.isSameOrigin(request), constantTimeEqual(fields["csrf"] ?? "", session.csrfToken) else {
                throw HeraldError.csrfRejected
            }
            try await store.endSession(secret: secret)
            try await store.recordAudit(actor: session.account.email, action: "sign-out", address: ConsoleCookie.peer(of: request))
        }
        var response = redirect("/admin/login")
        response.headers[.setCookie] = ConsoleCookie.clearing(secure: secureCookies)
        return response
    }

    // MARK: Pages

    private func session(_ request: Request) async throws -> ConsoleSession? {
        guard let secret = ConsoleCookie.secret(in: request.headers) else { return nil }
        return try await store.session(forSecret: secret)
    }

    /// `body`'s page for a signed-in request; the sign-in page otherwise.
    private func signedIn(_ request: Request, _ body: (ConsoleSession) async throws -> Response) async throws -> Response {
        guard let session = try await session(request) else { return redirect("/admin/login") }
        return try await body(session)
    }

    /// A page about one product the account may change.
    private func productPage(
        _ request: Request, context: Context, page: String = "product", title: String? = nil,
        _ values: (ConsoleSession, CatalogSnapshot) async throws -> [String: Any]
    ) async throws -> Response {
        try await signedIn(request) { session in
            let id = try context.parameters.product()
            guard session.account.credential.mayWrite(to: id) else {
                throw HeraldError.forbidden("the account \(session.account.email) may not change product '\(id)'")
            }
            guard let snapshot = try await store.catalogSnapshot(of: id) else { throw HeraldError.unknownProduct(id) }
            var crumbs: [[String: String]] = [["href": "/admin/", "label": "Products"]]
            if page != "product" { crumbs.append(["href": "/admin/products/\(id)", "label": snapshot.product.name]) }
            var all = common(session, title: title ?? snapshot.product.name, crumbs: crumbs)
            all["id"] = id.rawValue
            all.merge(try await values(session, snapshot)) { $1 }
            return pages.page(page, all)
        }
    }

    private func common(_ session: ConsoleSession, title: String, crumbs: [[String: String]] = []) -> [String: Any] {
        ["title": title, "csrf": session.csrfToken, "account": session.account.email, "crumbs": crumbs, "hasCrumbs": !crumbs.isEmpty]
    }

    private func productsPage(_ session: ConsoleSession) async throws -> Response {
        let today = Int64(Date().timeIntervalSince1970) / 86400
        var rows: [[String: Any]] = []
        for product in try await store.products(includeHidden: true) where session.account.credential.mayWrite(to: product.id) {
            let sites = try await store.installStatistics(of: product.id, from: today - 29, to: today).activeSites
            rows.append([
                "id": product.id.rawValue, "name": product.name, "kind": product.kind.rawValue, "premium": product.premium,
                "hidden": product.hidden, "channels": try await store.channels(of: product.id).count, "sites": sites,
            ])
        }
        return pages.page("products", common(session, title: "Products").merging(["products": rows]) { $1 })
    }

    /// The products the account may change, for the choices of a form.
    private func productChoices(_ session: ConsoleSession) async throws -> [[String: String]] {
        try await store.products(includeHidden: true).filter { session.account.credential.mayWrite(to: $0.id) }
            .map { ["id": $0.id.rawValue, "name": $0.name] }
    }

    private func customersPage(_ session: ConsoleSession, search: String?) async throws -> Response {
        let credential = session.account.credential
        let sites = try await store.activeSiteCounts()
        let licenses = try await store.licenses(matching: search).filter { $0.products.contains(where: credential.mayWrite(to:)) }
            .map { license -> [String: Any] in
                let products = license.products.filter(credential.mayWrite(to:)).sorted()
                let revoked = license.revoked || products.allSatisfy(license.revokedProducts.contains)
                return [
                    "id": license.id, "customer": license.customerName, "email": license.customerEmail, "last4": license.keyLast4,
                    "products": products.map(\.rawValue).joined(separator: ", "),
                    "channels": products.compactMap { product in license.channels[product].map { "\(product): \($0)" } }.joined(separator: ", "),
                    "sites": "\(sites[license.id] ?? 0)\(license.siteLimit.map { " of \($0)" } ?? "")",
                    "expires": license.expiresAt.map { String(ConsoleText.time($0).prefix(10)) } ?? "never",
                    "status": revoked ? "revoked" : "active", "active": !revoked,
                ]
            }
        var values = common(session, title: "Customers")
        values["licenses"] = licenses
        values["products"] = try await productChoices(session)
        if let search, !search.isEmpty { values["query"] = search }
        return pages.page("customers", values)
    }

    private func tokensPage(_ session: ConsoleSession) async throws -> Response {
        let credential = session.account.credential
        let tokens = try await store.tokens().filter { TokenRoutes<Context>.covers(credential, $0.products) }.map { token -> [String: Any] in
            [
                "id": token.id, "name": token.name, "created": ConsoleText.time(token.createdAt),
                "products": token.products.isEmpty ? "every product" : token.products.map(\.rawValue).sorted().joined(separator: ", "),
            ]
        }
        var values = common(session, title: "API tokens")
        values["tokens"] = tokens
        values["products"] = try await productChoices(session)
        values["scoped"] = !session.account.products.isEmpty
        return pages.page("tokens", values)
    }

    private func planValues(_ product: ProductID) async throws -> [String: Any] {
        let (plan, version) = try await store.releasePlan(of: product)
        let entries = plan.entries.map { entry -> [String: Any] in
            [
                "channel": entry.channel.rawValue, "current": entry.current.map(ConsoleText.label) ?? "nothing",
                "proposed": entry.proposed.map(ConsoleText.label) ?? "stays", "movable": entry.proposed != nil,
                "warnings": entry.warnings.map { ["code": $0.code, "message": $0.message] },
            ]
        }
        return ["entries": entries, "version": version]
    }

    private func messageValues(_ snapshot: CatalogSnapshot, query: RequestFields) async throws -> [String: Any] {
        let site = query["test_site"]
        let key = query["test_license"]
        let channel = (try? ChannelID(validating: query["test_channel"] ?? "stable")) ?? .stable
        var licenseID: String?
        if let key { licenseID = try await store.license(keyOrID: key)?.id }
        let now = currentTimeMillis()
        let tested = site != nil || key != nil
        let messages = try await store.messages(of: snapshot.product.id).map { message -> [String: Any] in
            var scope: [String] = []
            if !message.channels.isEmpty { scope.append("channels " + message.channels.map(\.rawValue).joined(separator: ", ")) }
            if let pattern = message.urlPattern { scope.append("sites " + pattern) }
            if !message.licenses.isEmpty { scope.append("\(message.licenses.count) license(s)") }
            let shown = message.applies(channel: channel, site: site.flatMap(SiteAddress.normalize), licenseID: licenseID, at: now)
            return [
                "id": message.id, "product": snapshot.product.id.rawValue, "level": message.level.rawValue, "text": message.text,
                "scope": scope.isEmpty ? "every site" : scope.joined(separator: "; "),
                "verdict": tested ? (shown ? "shown" : "not shown") : "",
                "pattern": message.urlPattern ?? "", "channelList": message.channels.map(\.rawValue).joined(separator: ","),
                "info": message.level == .info, "warning": message.level == .warning, "error": message.level == .error,
            ]
        }
        let choices = snapshot.channels.keys.sorted().map { ["id": $0.rawValue, "selected": $0 == channel] }
        return ["messages": messages, "testSite": site ?? "", "testLicense": key ?? "", "channelChoices": choices]
    }

    private func statisticsValues(_ product: ProductID, days: Int64) async throws -> [String: Any] {
        let today = Int64(Date().timeIntervalSince1970) / 86400
        let statistics = try await store.installStatistics(of: product, from: today - days + 1, to: today)
        var charts: [[String: String]] = [
            ["title": "Active sites per version", "svg": BarChart.svg(statistics.versions)],
            ["title": "Active sites per channel", "svg": BarChart.svg(statistics.channels)],
            ["title": "WordPress versions", "svg": BarChart.svg(statistics.wordpressVersions)],
            ["title": "PHP versions", "svg": BarChart.svg(statistics.phpVersions)],
        ]
        let adoption = try await store.adoption(of: product, from: today - days + 1, to: today)
        if let newest = adoption.releases.first {
            charts.append([
                "title": "Adoption of \(newest.version): share of the day's active sites",
                "svg": BarChart.svg(series: newest.days.suffix(31).map { (Moment.day($0.day), Int(($0.share * 100).rounded())) }, unit: "%"),
            ])
            var failedByPHP: [String: Int] = [:]
            for failure in adoption.failures where failure.version == newest.version { failedByPHP[failure.phpVersion ?? "unknown", default: 0] += failure.failed }
            charts.append(["title": "Failed updates to \(newest.version) per PHP version", "svg": BarChart.svg(failedByPHP)])
        }
        charts.append(["title": "Versions left behind (sites on the last day)", "svg": BarChart.svg(series: adoption.leftBehind.prefix(12).map { ($0.version, $0.sites) })])
        let releases: [[String: Any]] = adoption.releases.prefix(10).map { release in
            [
                "version": release.version, "released": Moment.day(release.releasedDay),
                "now": release.days.last.map { "\(($0.share * 1000).rounded() / 10)%" } ?? "–",
                "to50": release.daysTo50.map { "\($0) days" } ?? "not yet", "to90": release.daysTo90.map { "\($0) days" } ?? "not yet",
            ]
        }
        return [
            "charts": charts, "releases": releases, "hasReleases": !releases.isEmpty, "sites": statistics.activeSites, "checks": statistics.checks, "days30": days == 30,
            "days90": days == 90,
        ]
    }

}

/// How the console's pages write builds and times.
enum ConsoleText {
    /// Builds shown per page of a product's build list.
    static let buildsPerPage = 50

    /// `1.2.0 (a1b2c3d4)`.
    static func label(_ build: Build) -> String {
        "\(build.version) (\(build.hash.rawValue.prefix(8)))"
    }

    /// `2026-11-29 11:30:00`, UTC.
    static func time(_ millis: Int64) -> String {
        UTCDate.wordpress(Int(millis / 1000))
    }
}

/// A 303 to `location`: after a form's POST, the browser GETs the next page.
func redirect(_ location: String) -> Response {
    Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
}
