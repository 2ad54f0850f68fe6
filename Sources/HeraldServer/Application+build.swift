import HeraldCore
import HeraldStore
import Hummingbird
import Logging
import ServiceLifecycle

/// What `herald serve` and the server tests configure.
public struct ServerSettings: Sendable {
    public var host: String
    /// 0 picks a free port; the address actually bound is logged and reported to `onListening`.
    public var port: Int
    public var dataDirectory: String
    /// The base of the URLs in answers, e.g. `https://updates.example.com`; nil: from each request.
    public var publicURL: String?
    /// The largest build file accepted, in bytes.
    public var maxUpload: Int64
    /// How long a signed download link for a licensed site works.
    public var linkLifetime: Duration
    /// Whether update checks are counted in the install statistics.
    public var recordsStatistics: Bool
    /// How long a connection may wait for the head of its next request before it is closed:
    /// an idle kept-alive connection, or a head sent a byte at a time, holds a descriptor no longer.
    public var idleTimeout: Duration
    /// How long a request's body may keep Herald waiting for its next bytes before the
    /// connection is closed, as a reverse proxy's client body timeout does: a body that stops
    /// arriving holds a connection no longer. (A client that keeps sending, however slowly, is
    /// the idle and size limits' to bound, or the proxy's in front.)
    public var bodyTimeout: Duration
    /// The addresses of the reverse proxies whose `X-Forwarded-Host` and `X-Forwarded-Proto`
    /// are believed; with none (and no ``publicURL``), those of peers on this machine are.
    public var trustedProxies: [String]
    /// How long a TUF repository's timestamp metadata is trusted; a new one is signed when
    /// half of it has passed.
    public var tufTimestampLifetime: Duration
    /// Where `/metrics` is also answered, without a token, for a Prometheus on a private
    /// network: host and port. Nil: only on the main port, to a token for every product.
    public var metricsAddress: (host: String, port: Int)?
    /// The delay before a failed webhook delivery is tried again; it doubles each time, to an hour.
    public var webhookRetryBase: Duration
    /// Whether webhooks may be sent to this machine and private networks (refused by default:
    /// a token holder could otherwise reach services behind the firewall).
    public var webhookAllowPrivateNetworks: Bool

    public init(
        host: String = "127.0.0.1", port: Int = 8080, dataDirectory: String, publicURL: String? = nil,
        maxUpload: Int64 = 512 << 20, linkLifetime: Duration = .seconds(600), recordsStatistics: Bool = true,
        idleTimeout: Duration = .seconds(60), bodyTimeout: Duration = .seconds(60), trustedProxies: [String] = [],
        tufTimestampLifetime: Duration = .seconds(86_400), metricsAddress: (host: String, port: Int)? = nil,
        webhookRetryBase: Duration = .seconds(10), webhookAllowPrivateNetworks: Bool = false
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.publicURL = publicURL
        self.maxUpload = maxUpload
        self.linkLifetime = linkLifetime
        self.recordsStatistics = recordsStatistics
        self.idleTimeout = idleTimeout
        self.bodyTimeout = bodyTimeout
        self.trustedProxies = trustedProxies
        self.tufTimestampLifetime = tufTimestampLifetime
        self.metricsAddress = metricsAddress
        self.webhookRetryBase = webhookRetryBase
        self.webhookAllowPrivateNetworks = webhookAllowPrivateNetworks
    }
}

/// Builds the Herald application on an opened store; the executable and the tests both call it.
///
/// The store runs as a service of the application, and its migrations run before the server
/// accepts connections. `onListening` is called with the port once the server listens. The
/// package signing key is `signer`, or else the data folder's, made there at first start.
public func buildApplication(
    settings: ServerSettings,
    store: any Store,
    blobs: BlobStore,
    logger: Logger,
    signer: PackageSigner? = nil,
    onListening: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let signatures = PackageSignatures(signer: try signer ?? PackageSigner.load(dataDirectory: settings.dataDirectory), store: store, blobs: blobs)
    let links = LicensedDownloadLinks(store: store, lifetime: settings.linkLifetime)
    let statistics = settings.recordsStatistics ? InstallStatsRecorder(store: store, logger: logger) : nil
    let metrics = HeraldMetrics()
    let snapshots = CatalogSnapshots(store: store, logger: logger, metrics: metrics)
    let answerSignatures = AnswerSignatures(signer: signatures.signer)
    let answers = SiteAnswers(
        snapshots: snapshots, licenses: LicenseChecks(store: store, snapshots: snapshots), publicURL: settings.publicURL, links: links,
        signatures: answerSignatures, reportTokens: ReportTokens(store: store), metrics: metrics)
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    router.add(middleware: CompressionMiddleware())
    router.add(middleware: ErrorEnvelopeMiddleware(signatures: answerSignatures, metrics: metrics))
    router.add(middleware: ConsoleAuditMiddleware(store: store))
    HealthRoutes(store: store).register(on: router)
    CatalogRoutes(store: store, publicURL: settings.publicURL, answers: answers).register(on: router)
    PublishingRoutes(store: store, blobs: blobs, settings: settings, metrics: metrics).register(on: router)
    DownloadRoutes(store: store, blobs: blobs, signatures: signatures, links: links).register(on: router)
    SigningKeyRoutes(signer: signatures.signer).register(on: router)
    WordPressRoutes(store: store, answers: answers).register(on: router)
    GoUpdateRoutes(store: store, snapshots: snapshots, blobs: blobs, signer: signatures.signer, publicURL: settings.publicURL)
        .register(on: router)
    ArtifactRoutes(store: store, blobs: blobs, signer: signatures.signer, settings: settings, metrics: metrics).register(on: router)
    AppFeedRoutes(store: store, snapshots: snapshots, signer: signatures.signer, publicURL: settings.publicURL).register(on: router)
    TUFRoutes(
        repositories: TUFRepositories(
            store: store, snapshots: snapshots, timestampLifetime: settings.tufTimestampLifetime.components.seconds * 1000),
        blobs: blobs
    ).register(on: router)
    UpdateCheckRoutes(answers: answers, statistics: statistics).register(on: router)
    ReportRoutes(store: store, tokens: answers.reportTokens).register(on: router)
    ChannelRoutes(store: store).register(on: router)
    TokenRoutes(store: store).register(on: router)
    CustomerRoutes(store: store, statistics: statistics).register(on: router)
    ReleaseRoutes(store: store, snapshots: snapshots, publicURL: settings.publicURL).register(on: router)
    WebhookRoutes(store: store, allowPrivateNetworks: settings.webhookAllowPrivateNetworks).register(on: router)
    ExplainRoutes(store: store, snapshots: snapshots).register(on: router)
    let pages = try ConsolePages()
    ConsoleRoutes(
        store: store, pages: pages, throttle: LoginThrottle(store: store), secureCookies: settings.publicURL?.lowercased().hasPrefix("https://") ?? false
    ).register(on: router)
    ReleaseNotesRoutes(store: store, pages: pages).register(on: router)
    @Sendable func exposition() async throws -> Response {
        var rollouts: [(rollout: Rollout, channel: String)] = []
        for rollout in try await store.runningRollouts() {
            let customer = try await snapshots.snapshot(of: rollout.product)?.customerChannels.contains(rollout.channel) ?? false
            rollouts.append((rollout, customer ? "customer" : rollout.channel.rawValue))
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-cache"],
            body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition(rollouts: rollouts))))
    }
    // Only a token for every product may read the metrics: they name products and channels.
    router.get("/metrics") { request, _ in
        let token = try await Authorization(store: store).token(for: request)
        guard token.products.isEmpty else { throw HeraldError.forbidden("token '\(token.name)' is scoped to products; /metrics needs a token for every product") }
        return try await exposition()
    }
    router.get("/openapi.json") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: OpenAPIDocument.served))
    }
    try ReservedSegments.check(router.routes)
    try OpenAPIDocument.check(matches: router.routes.map { "\($0.method.rawValue) \($0.path)" })

    var services: [any Service] = [store, snapshots]
    if let statistics { services.append(statistics) }
    let webhooks = WebhookSender(
        store: store, logger: logger, retryBase: settings.webhookRetryBase, allowPrivateNetworks: settings.webhookAllowPrivateNetworks)
    services.append(webhooks)
    if let address = settings.metricsAddress {
        let metricsRouter = Router(context: BasicRequestContext.self)
        metricsRouter.get("/metrics") { _, _ in try await exposition() }
        services.append(
            Application(
                router: metricsRouter, configuration: .init(address: .hostname(address.host, port: address.port), serverName: "Herald"),
                onServerRunning: { channel in
                    logger.notice("Herald's metrics on http://\(address.host):\(channel.localAddress?.port ?? address.port)/metrics")
                }, logger: logger))
    }
    let serverName = "Herald"
    var app = Application(
        router: router,
        // Handlers per connection, before the router: the site questions that need no database
        // are answered at once, and requests NIO cannot parse get the JSON envelope.
        server: HeraldHTTP1Channel.server(
            answers: answers, statistics: statistics, serverName: serverName,
            timeouts: ConnectionTimeouts(idle: settings.idleTimeout, body: settings.bodyTimeout),
            forwardedHeaders: ForwardedHeaders(
                trustedProxies: settings.trustedProxies, publicURLConfigured: !(settings.publicURL ?? "").isEmpty)),
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: serverName),
        // Services stop in reverse order: the statistics are written before the store closes.
        services: services,
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? settings.port
            logger.notice("Herald listening on http://\(settings.host):\(port)")
            await onListening(port)
        },
        logger: logger
    )
    app.beforeServerStarts {
        try await store.checkReachable(timeout: .seconds(15))
        try await store.migrate()
        webhooks.databaseIsReady()
        do {
            let removed = try await store.removeOrphanBlobs(blobs)
            if !removed.isEmpty { logger.notice("removed \(removed.count) stored files that no build uses (left by a crash)") }
        } catch {
            logger.error("could not look for stored files that no build uses: \(error)")
        }
    }
    return app
}
