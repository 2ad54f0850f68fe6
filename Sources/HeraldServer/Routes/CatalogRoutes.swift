import HeraldCore
import HeraldStore
import Hummingbird

/// Reading the catalogue: the REST v1 tree and seed 000's list_* / get_latest methods.
struct CatalogRoutes<Context: RequestContext> {
    let store: any Store
    let publicURL: String?
    let answers: SiteAnswers

    /// How many builds a page holds unless `limit` says otherwise, and at most.
    static var defaultPageSize: Int { 50 }
    static var maximumPageSize: Int { 500 }

    func register(on router: Router<Context>) {
        router.get("/api/v1") { _, _ in try await listProducts() }
        router.get("/api/list_products") { _, _ in try await listProducts() }

        router.get("/api/v1/{product}") { request, context in try await listChannels(of: context.parameters.product(), request: request) }
        router.get("/api/list_channels") { request, _ in
            try await listChannels(
                of: ProductID(validating: RequestFields(query: request)["product_name"] ?? "", field: "product_name"), request: request)
        }

        router.get("/api/v1/{product}/{channel}") { request, context in
            try await listBuilds(request, product: context.parameters.product(), channel: context.parameters.channel())
        }
        router.get("/api/list_builds") { request, _ in
            let fields = RequestFields(query: request)
            return try await listBuilds(
                request, product: ProductID(validating: fields["product_name"] ?? "", field: "product_name"),
                channel: ChannelID(validating: fields["channel"] ?? "", field: "channel"))
        }

        router.get("/api/v1/{product}/builds") { request, context in
            try await listProductBuilds(request, product: context.parameters.product())
        }

        router.get("/api/v1/{product}/{channel}/latest") { request, context in
            try await latest(request, product: context.parameters.product(), channel: context.parameters.channel())
        }
        router.get("/api/get_latest") { request, _ in
            let product = try ProductID(validating: RequestFields(query: request)["product_name"] ?? "", field: "product_name")
            return try await latest(request, product: product, channel: nil)
        }

        router.get("/api/v1/{product}/{channel}/history") { request, context in
            let product = try context.parameters.product()
            let channel = try context.parameters.channel()
            try await requireVisible(channel, of: product, request: request)
            let moves = try await store.history(of: channel, of: product)
            // What a rollout is and how it fares (its build, its guard, the failures) is the vendor's.
            let events = try await isVendor(request, of: product) ? store.rolloutEvents(of: channel, of: product) : []
            return try envelopeResponse(HistoryResource(moves: moves.map(MoveResource.init), rolloutEvents: events.map(RolloutEventResource.init)))
        }

        router.get("/api/v1/{product}/{channel}/{build}") { request, context in
            let product = try context.parameters.product()
            let channel = try context.parameters.channel()
            let reference = try BuildReference(validating: context.parameters.get("build") ?? "", field: "build")
            try await requireVisible(channel, of: product, request: request)
            let build = try await store.build(matching: reference, of: product)
            return try envelopeResponse(BuildResource(build: build, urls: PublicURL(configured: publicURL, request: request)))
        }
    }

    private func listProducts() async throws -> Response {
        try envelopeResponse(["products": try await store.products().map(ProductResource.init)])
    }

    /// The product's channels as the asker may see them (seed 000's `list_channels`): every
    /// one for a token or console session that may change the product; for anyone else every
    /// channel but the customer channels, plus the one bound to the license whose key is the
    /// `installation_id` (a site's settings page lists the channels it may choose).
    private func listChannels(of product: ProductID, request: Request) async throws -> Response {
        guard try await store.product(product) != nil else { throw HeraldError.unknownProduct(product) }
        let all = try await store.channels(of: product)
        var shown = all
        if try await !isVendor(request, of: product) {
            let customer = try await store.customerChannels(of: product)
            let bound = try await boundChannel(licenseKey: RequestFields(query: request)["installation_id"], of: product)
            shown = all.filter { !customer.contains($0.id) || $0.id == bound }
        }
        let resolution = ChannelResolution(channels: all)
        let resources = shown.map { channel in
            ChannelResource(channel: channel, servedBuild: try? resolution.resolveServedBuild(for: channel.id, of: product))
        }
        return try envelopeResponse(["channels": resources])
    }

    private struct BuildPage: Encodable, Sendable {
        let builds: [BuildResource]
        let nextCursor: String?

        enum CodingKeys: String, CodingKey {
            case builds
            case nextCursor = "next_cursor"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(builds, forKey: .builds)
            try container.encode(nextCursor, forKey: .nextCursor)
        }
    }

    /// Every build of the product, newest first: what a customer channel can follow (seed 000's `builds/`).
    private func listProductBuilds(_ request: Request, product: ProductID) async throws -> Response {
        guard try await store.product(product) != nil else { throw HeraldError.unknownProduct(product) }
        let fields = RequestFields(query: request)
        let limit = try pageSize(fields)
        let cursor = try fields["cursor"].map { try BuildCursor(token: $0) }
        let builds = try await store.builds(of: product, limit: limit + 1, after: cursor)
        return try buildPage(builds, limit: limit, request: request)
    }

    private func pageSize(_ fields: RequestFields) throws -> Int {
        guard let text = fields["limit"] else { return Self.defaultPageSize }
        guard let value = Int(text), (1...Self.maximumPageSize).contains(value) else {
            throw HeraldError.invalidInput("limit \(quoted(text)) is invalid: a number from 1 to \(Self.maximumPageSize)")
        }
        return value
    }

    /// A page of `limit` builds from `builds`, which holds one more when a next page exists.
    private func buildPage(_ builds: [Build], limit: Int, request: Request) throws -> Response {
        let page = Array(builds.prefix(limit))
        let urls = PublicURL(configured: publicURL, request: request)
        return try envelopeResponse(
            BuildPage(
                builds: page.map { BuildResource(build: $0, urls: urls, listed: true) },
                nextCursor: builds.count > limit ? page.last.map { BuildCursor(after: $0).token } : nil))
    }

    /// The builds of a channel; for an alias, those of the channel it follows.
    private func listBuilds(_ request: Request, product: ProductID, channel: ChannelID) async throws -> Response {
        try await requireVisible(channel, of: product, request: request)
        let serving = try ChannelResolution(channels: try await store.channels(of: product))
            .resolveServingChannel(for: channel, of: product).id
        let fields = RequestFields(query: request)
        let limit = try pageSize(fields)
        let cursor = try fields["cursor"].map { try BuildCursor(token: $0) }
        // One more than asked for tells whether a next page exists.
        let builds = try await store.builds(uploadedTo: serving, of: product, limit: limit + 1, after: cursor)
        return try buildPage(builds, limit: limit, request: request)
    }

    /// get_latest: the build ``CatalogSnapshot/decide(_:)`` serves the asker (`license`,
    /// `site_url` as in check_for_update) on `channel` (from the path, else the `channel`
    /// field, else stable with the no_channel warning), with the notices that reach it.
    private func latest(_ request: Request, product: ProductID, channel: ChannelID?) async throws -> Response {
        let answer = try await answers.answer(request, fields: RequestFields(query: request), names: .latest, product: product, channel: channel)
        guard let build = answer.decision.build else { throw HeraldError.noBuild(answer.decision.channel, of: product) }
        let links = try await answers.links(for: answer) ?? BuildLinks()
        return answers.signedResponse(
            try encodeEnvelope(
                LatestResource(
                    product: answer.product, channel: answer.decision.channel, build: build, links: links,
                    expires: AnswerSignatures.expiry(now: Int(answer.question.now / 1000))),
                messages: answer.decision.notices))
    }

    /// The channel exists; and a customer channel's builds and history are read only by its
    /// licenses (`license` or `installation_id`, the key) and the vendor (a token or console
    /// session for the product): 403 `channel_not_licensed` for anyone else.
    private func requireVisible(_ channel: ChannelID, of product: ProductID, request: Request) async throws {
        guard try await store.product(product) != nil else { throw HeraldError.unknownProduct(product) }
        guard try await store.channel(channel, of: product) != nil else { throw HeraldError.unknownChannel(channel, of: product) }
        guard try await store.customerChannels(of: product).contains(channel), try await !isVendor(request, of: product) else { return }
        let fields = RequestFields(query: request)
        guard try await boundChannel(licenseKey: fields["license"] ?? fields["license_key"] ?? fields["installation_id"], of: product) == channel
        else {
            throw HeraldError.channelNotLicensed(channel, of: product)
        }
    }

    /// Whether the request carries a token or console session that may change the product.
    private func isVendor(_ request: Request, of product: ProductID) async throws -> Bool {
        guard request.headers[.authorization] != nil || request.headers[.cookie] != nil else { return false }
        return (try? await Authorization(store: store).token(for: request, writing: product)) != nil
    }

    /// The customer channel of the product bound to the license with this key, when the
    /// license is not revoked for the product.
    private func boundChannel(licenseKey key: String?, of product: ProductID) async throws -> ChannelID? {
        guard let key, let license = try await store.license(key: key), !license.revoked,
            !license.revokedProducts.contains(product)
        else { return nil }
        return license.channels[product]
    }
}
