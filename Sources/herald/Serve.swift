import ArgumentParser
import HeraldServer
import HeraldStore
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// `herald serve`: the update server.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the update server.")

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free one).")
    var port = 8080

    @Option(name: .customLong("public-url"), help: "The address clients reach Herald at, e.g. https://updates.example.com (default: from each request's Host).")
    var publicURL: String?

    @Option(name: .customLong("max-upload"), help: "The largest build file accepted, in bytes; K, M and G suffixes allowed.")
    var maxUpload = "512M"

    @Option(name: .customLong("link-ttl"), help: "How long a licensed site's signed download link works: seconds, or with s, m or h, e.g. 10m.")
    var linkTTL = "10m"

    @Option(
        name: .customLong("idle-timeout"),
        help: "How long a connection may wait for the head of its next request (kept alive, or sent slowly) before it is closed: seconds, or with s, m or h.")
    var idleTimeout = "60s"

    @Option(
        name: .customLong("body-timeout"),
        help: "How long a request's body may pause before the connection is closed: seconds, or with s, m or h.")
    var bodyTimeout = "60s"

    @Option(
        name: .customLong("trusted-proxy"),
        help: "The IP address of a reverse proxy whose X-Forwarded-Host and X-Forwarded-Proto are believed; repeat for several. Without it (and without --public-url), those of peers on this machine are.")
    var trustedProxies: [String] = []

    @Option(
        name: .customLong("tuf-timestamp-ttl"),
        help: "How long TUF clients trust a timestamp file; a new one is signed after half of it: seconds, or with s, m or h.")
    var tufTimestampTTL = "24h"

    @Option(
        name: .customLong("webhook-retry-base"),
        help: "The delay before a failed webhook delivery is tried again, doubling each time up to an hour, for a day: seconds, or with s, m or h.")
    var webhookRetryBase = "10s"

    @Flag(
        name: .customLong("webhook-allow-private-networks"),
        help: "Let webhooks go to this machine and private networks (refused by default: a token holder could reach services behind the firewall).")
    var webhookAllowPrivateNetworks = false

    @Option(name: .customLong("log-format"), help: "text, or json: one JSON object a line (time, level, message, request_id, route, status, duration_ms, product).")
    var logFormat = "text"

    @Option(
        name: .customLong("log-level"),
        help: "The least important messages logged: trace, debug, info (adds every request's access log line; costs a quarter of the throughput of site questions), notice, warning, error.")
    var logLevel = "notice"

    @Option(
        name: .customLong("metrics-port"),
        help: "Also answer /metrics on this port, without a token, for a Prometheus on a private network (bound to --metrics-host).")
    var metricsPort: Int?

    @Option(name: .customLong("metrics-host"), help: "The address --metrics-port listens on.")
    var metricsHost = "127.0.0.1"

    @Option(
        name: .customLong("shutdown-timeout"),
        help: "On SIGTERM or SIGINT, how long requests in flight (uploads included) may take to finish after Herald stops accepting connections, before they are cut: seconds, or with s, m or h.")
    var shutdownTimeout = "30s"

    @Flag(name: .customLong("no-stats"), help: "Do not record install statistics from update checks.")
    var noStatistics = false

    @Flag(
        name: .customLong("download-redirect"),
        help: "With --blobs s3://..., answer downloads (licensed ones after the license check) with a 302 to a presigned URL of the bucket that works for 5 minutes, instead of streaming them.")
    var downloadRedirect = false

    @OptionGroup var data: DataOptions

    func validate() throws {
        guard duration(linkTTL) != nil else {
            throw ValidationError("--link-ttl must be a duration from 1 second to 7 days, e.g. 600, 90s, 10m or 1h")
        }
        guard duration(idleTimeout) != nil else {
            throw ValidationError("--idle-timeout must be a duration from 1 second to 7 days, e.g. 60, 90s or 5m")
        }
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format must be text or json") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be trace, debug, info, notice, warning, error or critical")
        }
        guard let ttl = duration(tufTimestampTTL), ttl >= .seconds(5) else {
            throw ValidationError("--tuf-timestamp-ttl must be a duration from 5 seconds to 7 days, e.g. 24h")
        }
        guard duration(webhookRetryBase) != nil else {
            throw ValidationError("--webhook-retry-base must be a duration from 1 second to 7 days, e.g. 10s")
        }
        guard duration(bodyTimeout) != nil else {
            throw ValidationError("--body-timeout must be a duration from 1 second to 7 days, e.g. 60, 90s or 5m")
        }
        guard duration(shutdownTimeout) != nil else {
            throw ValidationError("--shutdown-timeout must be a duration from 1 second to 7 days, e.g. 30s or 5m")
        }
        if let metricsPort, !(1...65535).contains(metricsPort) || metricsPort == port {
            throw ValidationError("--metrics-port must be between 1 and 65535, and not --port")
        }
        guard (0...65535).contains(port) else {
            throw ValidationError("--port must be between 0 and 65535")
        }
        if downloadRedirect, (try? data.bucket()) == nil {
            throw ValidationError("--download-redirect needs --blobs s3://...: a folder's files have no URL of their own")
        }
        guard byteSize(maxUpload) != nil else {
            throw ValidationError("--max-upload must be a number of bytes up to 1T, e.g. 536870912 or 512M")
        }
        if let publicURL, !(publicURL.hasPrefix("http://") || publicURL.hasPrefix("https://")) {
            throw ValidationError("--public-url must start with http:// or https://")
        }
        for proxy in trustedProxies where (try? SocketAddress(ipAddress: proxy, port: 0)) == nil {
            throw ValidationError("--trusted-proxy \(proxy) is not an IP address")
        }
    }

    func run() async throws {
        if logFormat == "json" {
            LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
        }
        var logger = Logger(label: "herald")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let location = try data.prepare()
        let store = try await location.openStore(logger: logger)
        let blobs = try data.openBlobs(downloadRedirectLifetime: downloadRedirect ? 300 : nil, store: store)
        if let bucket = blobs.bucketLocation {
            do {
                try await blobs.checkBucket()
            } catch {
                logger.error("The bucket does not answer: uploads and downloads will fail until it does", metadata: ["bucket": "\(bucket.description)", "error": "\(error)"])
            }
        }
        // Every instance on the database signs with one key: read (or stored) before serving,
        // on a connection of its own, as the server's store starts only with the server.
        let signer = try await withRunningStore(try await location.openStore(logger: logger)) { store in
            try await PackageSigner.shared(dataDirectory: data.dataDirectory, store: store)
        }
        let app = try buildApplication(
            settings: ServerSettings(
                host: host, port: port, dataDirectory: data.dataDirectory, publicURL: publicURL,
                maxUpload: byteSize(maxUpload) ?? 512 << 20, linkLifetime: duration(linkTTL) ?? .seconds(600),
                recordsStatistics: !noStatistics, idleTimeout: duration(idleTimeout) ?? .seconds(60),
                bodyTimeout: duration(bodyTimeout) ?? .seconds(60), trustedProxies: trustedProxies,
                tufTimestampLifetime: duration(tufTimestampTTL) ?? .seconds(86_400),
                metricsAddress: metricsPort.map { (metricsHost, $0) }, webhookRetryBase: duration(webhookRetryBase) ?? .seconds(10),
                webhookAllowPrivateNetworks: webhookAllowPrivateNetworks),
            store: store, blobs: blobs, logger: logger, signer: signer)
        // On SIGTERM the server stops accepting, lets requests in flight finish (up to the
        // deadline), then the statistics are written and the database closed.
        var configuration = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = duration(shutdownTimeout) ?? .seconds(30)
        try await ServiceGroup(configuration: configuration).run()
    }
}

/// A duration such as `600`, `90s`, `10m` or `1h`, from 1 second to 7 days.
func duration(_ text: String) -> Duration? {
    let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600]
    var number = Substring(text.lowercased())
    var unit: Int64 = 1
    if let last = number.last, let scale = units[last] {
        unit = scale
        number = number.dropLast()
    }
    guard number.count <= 9, let value = Int64(number), value > 0, value * unit <= 7 * 86_400 else { return nil }
    return .seconds(value * unit)
}

/// A size such as `536870912`, `512M` or `1G`, at most 1 TiB.
func byteSize(_ text: String) -> Int64? {
    guard let size = parsedByteSize(text), size <= 1 << 40 else { return nil }
    return size
}

private func parsedByteSize(_ text: String) -> Int64? {
    let units: [Character: Int64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
    let upper = text.uppercased()
    if let last = upper.last, let unit = units[last] {
        guard let number = Int64(upper.dropLast()), number > 0 else { return nil }
        let (product, overflow) = number.multipliedReportingOverflow(by: unit)
        return overflow ? nil : product
    }
    guard let number = Int64(upper), number > 0 else { return nil }
    return number
}
