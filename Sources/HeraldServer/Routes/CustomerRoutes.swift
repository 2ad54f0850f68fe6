import Foundation
import HeraldCore
import HeraldStore
import Hummingbird

/// What a vendor manages about customers (token needed): licenses, display messages, staged
/// rollouts, and the install statistics.
struct CustomerRoutes<Context: RequestContext> {
    let store: any Store
    let statistics: InstallStatsRecorder?

    private var authorization: Authorization { Authorization(store: store) }

    func register(on router: Router<Context>) {
        registerLicenses(on: router)
        registerMessages(on: router)
        registerCanaries(on: router)
        registerRollouts(on: router)
        router.get("/api/v1/{product}/stats") { request, context in
            let product = try context.parameters.product()
            _ = try await authorization.token(for: request, writing: product)
            guard try await store.product(product) != nil else { throw HeraldError.unknownProduct(product) }
            let fields = RequestFields(query: request)
            let days: Int64 = try fields["days"].map { text -> Int64 in
                guard let days = Int64(text), (1...366).contains(days) else {
                    throw HeraldError.invalidInput("days \(quoted(text)) is invalid: a number from 1 to 366")
                }
                return days
            } ?? 30
            // What this instance has counted but not yet written is written first, so the answer is exact.
            try await statistics?.flush()
            let today = InstallStatsRecorder.today()
            let result = try await store.installStatistics(of: product, from: today - days + 1, to: today)
            let adoption = try await store.adoption(of: product, from: today - days + 1, to: today)
            return try envelopeResponse(StatisticsResource(statistics: result, adoption: adoption))
        }
    }

    // MARK: Licenses

    private func registerLicenses(on router: Router<Context>) {
        router.post("/api/v1/licenses") { request, context in
            var request = request
            let token = try await authorization.token(for: request)
            let fields = try await RequestFields.read(&request, context: context)
            let products = try list(fields, "products", "product").map { try ProductID(validating: $0, field: "products") }
            for product in products where !token.mayWrite(to: product) {
                throw HeraldError.forbidden("token '\(token.name)' may not issue licenses for '\(product)'")
            }
            let siteLimit = try fields["sites"].map { text in
                guard let limit = Int(text), limit >= 1 else { throw HeraldError.invalidInput("sites \(quoted(text)) is invalid: 1 or more") }
                return limit
            }
            let issued = try await store.createLicense(
                customerName: fields["customer_name"] ?? fields["customer"] ?? "", customerEmail: fields["customer_email"] ?? fields["email"] ?? "",
                products: Set(products), channel: try fields["channel"].map { try ChannelID(validating: $0, field: "channel") },
                expiresAt: try fields["expires"].map { try Moment.parse($0, field: "expires", endOfDay: true) }, siteLimit: siteLimit)
            return try envelopeResponse(
                IssuedLicenseResource(license: LicenseResource(license: issued.license), key: issued.key), status: .created)
        }

        router.get("/api/v1/licenses") { request, _ in
            let token = try await authorization.token(for: request)
            let search = RequestFields(query: request)["search"] ?? RequestFields(query: request)["customer_search"]
            let licenses = try await store.licenses(matching: search).filter { $0.products.contains(where: token.mayWrite(to:)) }
            return try envelopeResponse(["licenses": licenses.map { LicenseResource(license: $0.visible(to: token)) }])
        }

        router.get("/api/v1/licenses/{license}") { request, context in
            let token = try await authorization.token(for: request)
            return try envelopeResponse(LicenseResource(license: try await visibleLicense(request, context: context).visible(to: token)))
        }

        router.delete("/api/v1/licenses/{license}") { request, context in try await revoke(request, context: context) }
        router.post("/api/v1/licenses/{license}/revoke") { request, context in try await revoke(request, context: context) }
        router.get("/api/v1/licenses/{license}/sites") { request, context in
            let license = try await visibleLicense(request, context: context)
            let sites = try await store.activeSites(licenseID: license.id)
            return try envelopeResponse(["sites": sites.map { LicenseSiteResource(site: $0.address, activatedAt: Moment.iso($0.activatedAt)) }])
        }
        // Frees a place of the license's site limit: the site moved, or was taken down. The
        // vendor (a token) names the license by key or id; a site, with no token, by its key,
        // which it proves it holds (the WordPress drop-in's "Deactivate license" link).
        router.post("/api/v1/licenses/{license}/sites/{site}/deactivate") { request, context in
            let license = try await deactivatingLicense(request, context: context)
            let text = context.parameters.get("site") ?? ""
            guard let site = SiteAddress.normalize(text.removingPercentEncoding ?? text) else {
                throw HeraldError.invalidInput("site \(quoted(text)) is invalid: a site address such as shop.example.com")
            }
            let freed = try await store.deactivateSite(site, licenseID: license.id)
            guard freed else { throw HeraldError.invalidInput("the site \(quoted(site)) is not active on this license") }
            return try envelopeResponse(["deactivated": site])
        }
    }

    /// The license named in the path: by a token that may manage one of its products, or,
    /// for a request with neither token nor session, by its key alone.
    private func deactivatingLicense(_ request: Request, context: Context) async throws -> License {
        guard request.headers[.authorization] == nil, request.headers[.cookie] == nil else {
            return try await visibleLicense(request, context: context)
        }
        let key = context.parameters.get("license") ?? ""
        guard let license = try await store.license(key: key.removingPercentEncoding ?? key) else { throw HeraldError.unknownLicense("") }
        return license
    }

    /// The license named in the path, when the request's token may manage one of its products.
    private func visibleLicense(_ request: Request, context: Context) async throws -> License {
        let token = try await authorization.token(for: request)
        let keyOrID = context.parameters.get("license") ?? ""
        guard keyOrID.utf8.count <= 256, let license = try await store.license(keyOrID: keyOrID),
            license.products.contains(where: token.mayWrite(to:))
        else { throw HeraldError.unknownLicense(keyOrID) }
        return license
    }

    /// Revokes the license for the products the token manages; for its other products the
    /// license stays as it is (their vendor revokes it there).
    private func revoke(_ request: Request, context: Context) async throws -> Response {
        let token = try await authorization.token(for: request)
        let license = try await visibleLicense(request, context: context)
        try await store.revokeLicense(license.id, for: license.products.filter(token.mayWrite(to:)))
        guard let revoked = try await store.license(id: license.id) else { throw HeraldError.unknownLicense(license.id) }
        return try envelopeResponse(LicenseResource(license: revoked.visible(to: token)))
    }

    // MARK: Display messages

    /// A display message as the fields describe it: `type`, `text`, `code`, `channels`,
    /// `url_pattern`, `licenses` (this product's only), `from`, `until`. When `existing` is
    /// given (an edit), a field not sent keeps its value: an edit of the text never widens
    /// who sees the message.
    private func message(
        from fields: RequestFields, id: String, product: ProductID, createdAt: Int64, keeping existing: DisplayMessage? = nil
    ) async throws -> DisplayMessage {
        func sent(_ names: String...) -> Bool { existing == nil || names.contains(where: fields.contains) }
        let typeText = fields["type"] ?? existing?.level.rawValue ?? "info"
        guard let level = Notice.Level(rawValue: typeText) else {
            throw HeraldError.invalidInput("type \(quoted(typeText)) is invalid: info, warning or error")
        }
        // Only licenses of this product: any other answers as unknown, telling nothing of it.
        let licenses =
            sent("licenses", "license")
            ? try await store.licenseIDs(of: list(fields, "licenses", "license"), covering: product) : existing?.licenses ?? []
        return DisplayMessage(
            id: id, product: product, level: level, text: fields["text"] ?? fields["message"] ?? existing?.text ?? "",
            code: sent("code") ? fields["code"] : existing?.code,
            channels: sent("channels", "channel")
                ? try list(fields, "channels", "channel").map { try ChannelID(validating: $0, field: "channels") } : existing?.channels ?? [],
            urlPattern: sent("url_pattern") ? fields["url_pattern"] : existing?.urlPattern, licenses: licenses,
            startsAt: sent("from") ? try fields["from"].map { try Moment.parse($0, field: "from") } : existing?.startsAt,
            endsAt: sent("until") ? try fields["until"].map { try Moment.parse($0, field: "until", endOfDay: true) } : existing?.endsAt,
            createdAt: createdAt)
    }

    private func registerMessages(on router: Router<Context>) {
        router.post("/api/v1/{product}/messages") { request, context in
            var request = request
            let product = try context.parameters.product()
            _ = try await authorization.token(for: request, writing: product)
            let fields = try await RequestFields.read(&request, context: context)
            let message = try await message(from: fields, id: UUID().uuidString.lowercased(), product: product, createdAt: currentTimeMillis())
            try await store.createMessage(message)
            return try envelopeResponse(MessageResource(message: message), status: .created)
        }

        router.put("/api/v1/{product}/messages/{message}") { request, context in
            var request = request
            let product = try context.parameters.product()
            _ = try await authorization.token(for: request, writing: product)
            let id = context.parameters.get("message") ?? ""
            guard let existing = try await store.messages(of: product).first(where: { $0.id == id }) else { throw HeraldError.unknownMessage(id) }
            let fields = try await RequestFields.read(&request, context: context)
            let message = try await message(from: fields, id: id, product: product, createdAt: existing.createdAt, keeping: existing)
            try await store.replaceMessage(message)
            return try envelopeResponse(MessageResource(message: message))
        }

        router.get("/api/v1/{product}/messages") { request, context in
            let product = try context.parameters.product()
            _ = try await authorization.token(for: request, writing: product)
            guard try await store.product(product) != nil else { throw HeraldError.unknownProduct(product) }
            return try envelopeResponse(["messages": try await store.messages(of: product).map(MessageResource.init)])
        }

        router.delete("/api/v1/{product}/messages/{message}") { request, context in
            let product = try context.parameters.product()
            _ = try await authorization.token(for: request, writing: product)
            let id = context.parameters.get("message") ?? ""
            try await store.deleteMessage(id, of: product)
            return try envelopeResponse(["deleted": id])
        }
    }

    // MARK: Canary sites

    private func registerCanaries(on router: Router<Context>) {
        router.get("/api/v1/{product}/canaries") { request, context in
            let product = try context.parameters.product()
            _ = try await authorization.token(for: request, writing: product)
            guard try await store.product(product) != nil else { throw HeraldError.unknownProduct(product) }
            return try envelopeResponse(CanariesResource(canaries: try await store.canaries(of: product)))
        }

        // `{"sites": ["shop.example.com", "*.agency.example"], "licenses": [key or id]}`, or a
        // form whose `sites` and `licenses` are lists split on new lines, commas or spaces.
        router.put("/api/v1/{product}/canaries") { request, context in
            var request = request
            let product = try context.parameters.product()
            _ = try await authorization.token(for: request, writing: product)
            let fields = try await ListFields.read(&request, lists: ["sites", "licenses"], limit: 256 * 1024)
            let (sites, licenses) = (fields.list("sites"), fields.list("licenses"))
            let canaries = Canaries(
                sitePatterns: try Canaries.sitePatterns(validating: sites),
                licenses: Set(try await store.licenseIDs(of: licenses, covering: product)))
            try await store.setCanaries(canaries, of: product)
            return try envelopeResponse(CanariesResource(canaries: try await store.canaries(of: product)))
        }
    }

    // MARK: Staged rollouts

    /// The guard a rollout's fields ask for: `halt_after_reports` and `halt_margin` (percentage
    /// points), either one enough, the other defaulted; nil when neither is given.
    private static func rolloutGuard(_ fields: RequestFields) throws -> RolloutGuard? {
        let reports = fields["halt_after_reports"].flatMap { $0.isEmpty ? nil : $0 }
        let margin = fields["halt_margin"].flatMap { $0.isEmpty ? nil : $0 }
        guard reports != nil || margin != nil else { return nil }
        guard let minimum = Int(reports ?? String(RolloutGuard.defaultMinimumReports)) else {
            throw HeraldError.invalidInput("halt_after_reports must be a whole number from 1 to 1000000")
        }
        let points = try margin.map { text -> Int in
            guard text.count <= 6, let value = Double(text), value.isFinite, value >= 0, value <= 100 else {
                throw HeraldError.invalidInput("halt_margin must be from 0 to 100 percentage points")
            }
            return Int((value * 100).rounded())
        }
        return try RolloutGuard(minimumReports: minimum, margin: points ?? RolloutGuard.defaultMargin)
    }

    private func registerRollouts(on router: Router<Context>) {
        router.get("/api/v1/{product}/{channel}/rollout") { request, context in
            let (product, channel) = try (context.parameters.product(), context.parameters.channel())
            _ = try await authorization.token(for: request, writing: product)
            guard let rollout = try await store.rollout(of: channel, of: product) else { throw HeraldError.noRollout(channel) }
            return try envelopeResponse(RolloutResource(rollout: rollout))
        }

        router.post("/api/v1/{product}/{channel}/rollout") { request, context in
            var request = request
            let (product, channel) = try (context.parameters.product(), context.parameters.channel())
            let token = try await authorization.token(for: request, writing: product)
            let fields = try await RequestFields.read(&request, context: context)
            let basisPoints = try Rollout.basisPoints(parsing: fields["percentage"] ?? fields["percent"] ?? "")
            let rollout: Rollout
            if let reference = fields["build"] ?? fields["build_hash"] {
                let build = try await store.build(matching: try BuildReference(validating: reference, field: "build"), of: product)
                rollout = try await store.startRollout(
                    of: channel, of: product, build: build.hash, basisPoints: basisPoints, halting: try Self.rolloutGuard(fields),
                    actor: token.name)
            } else {
                rollout = try await store.raiseRollout(of: channel, of: product, to: basisPoints)
            }
            return try envelopeResponse(RolloutResource(rollout: rollout))
        }

        for (action, paused) in [("pause", true), ("resume", false)] {
            router.post("/api/v1/{product}/{channel}/rollout/\(action)") { request, context in
                let (product, channel) = try (context.parameters.product(), context.parameters.channel())
                _ = try await authorization.token(for: request, writing: product)
                let rollout = try await store.pauseRollout(of: channel, of: product, paused: paused)
                return try envelopeResponse(RolloutResource(rollout: rollout))
            }
        }

        router.post("/api/v1/{product}/{channel}/rollout/complete") { request, context in
            let (product, channel) = try (context.parameters.product(), context.parameters.channel())
            let token = try await authorization.token(for: request, writing: product)
            try await store.completeRollout(of: channel, of: product, actor: token.name)
            return try envelopeResponse(["completed": channel])
        }
    }

    /// A list field: comma-separated in `plural`, or one value in `singular`.
    private func list(_ fields: RequestFields, _ plural: String, _ singular: String) -> [String] {
        let text = fields[plural] ?? fields[singular] ?? ""
        return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

extension License {
    /// What a token sees of a license: only the products it may manage (a shared license says
    /// nothing of the others).
    fileprivate func visible(to token: APIToken) -> License {
        scoped(to: products.filter(token.mayWrite(to:)))
    }
}
