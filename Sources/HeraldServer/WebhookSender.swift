import AsyncHTTPClient
import Foundation
import HeraldCore
import HeraldStore
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Sends webhook deliveries as they fall due: each POSTed with its event, delivery id,
/// timestamp and HMAC signature (``WebhookSignature``); a 2xx answer within 15 s delivers it,
/// anything else schedules it again after a doubling delay, from `retryBase` up to an hour,
/// until a day has passed. Every instance runs one; a delivery is claimed before it is sent,
/// so one instance sends it. Finished deliveries are kept 30 days, for the log.
final class WebhookSender: Service, Sendable {
    private let store: any Store
    private let logger: Logger
    private let retryBase: Duration
    private let allowPrivateNetworks: Bool
    /// Set once the database is migrated: nothing is read before.
    private let migrated = Atomic<Bool>(false)

    /// The longest one delivery may take, its answer's body included.
    static let deadline: Duration = .seconds(15)

    init(store: any Store, logger: Logger, retryBase: Duration, allowPrivateNetworks: Bool) {
        self.store = store
        self.logger = logger
        self.retryBase = retryBase
        self.allowPrivateNetworks = allowPrivateNetworks
    }

    /// Lets deliveries start: the server calls it once the database is migrated.
    func databaseIsReady() {
        migrated.store(true, ordering: .releasing)
    }

    func run() async throws {
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(5), read: .seconds(10)))
        // A receiver's redirect is its failure: the signed body goes where the vendor said, only.
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 32
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let poll = min(retryBase, .seconds(1))
        var lastPrune = ContinuousClock.now - .seconds(3600)
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await Task.sleep(for: poll)
            guard migrated.load(ordering: .acquiring), !Task.isShuttingDownGracefully, !Task.isCancelled else { continue }
            do {
                let due = try await store.claimDueWebhookDeliveries(now: currentTimeMillis(), limit: 32)
                await withTaskGroup(of: Void.self) { group in
                    for delivery in due { group.addTask { await self.send(delivery, with: client) } }
                }
                if ContinuousClock.now - lastPrune >= .seconds(3600) {
                    try await store.pruneWebhookDeliveries(finishedBefore: currentTimeMillis() - 30 * 86_400_000)
                    lastPrune = .now
                }
            } catch {
                logger.error("webhook deliveries could not be read: \(error)")
            }
        }
        try await client.shutdown()
    }

    /// The delay before the next try after `tries` failed ones: doubling from the base, at most an hour.
    static func delay(afterTries tries: Int, base: Duration) -> Duration {
        let doubled = base * (1 << min(max(tries - 1, 0), 20))
        return min(doubled, .seconds(3600))
    }

    private func send(_ delivery: DueWebhookDelivery, with client: HTTPClient) async {
        let started = ContinuousClock.now
        var status: Int?
        var failure: String?
        var mayRetry = true
        if !allowPrivateNetworks, let host = URLComponents(string: delivery.url)?.host,
            (try? await WebhookAddresses.resolvesToPrivate(host)) ?? true
        {
            failure = "refused: \(host) is this machine or on a private network (see --webhook-allow-private-networks)"
            mayRetry = false
        } else {
            (status, failure) = await post(delivery, with: client)
        }
        let delivered = status.map { (200..<300).contains($0) } ?? false
        let now = currentTimeMillis()
        let delay = Self.delay(afterTries: delivery.tries + 1, base: retryBase)
        let next = now + Int64(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)
        let nextAttempt = delivered || !mayRetry || next > delivery.retryUntil ? nil : next
        let elapsed = ContinuousClock.now - started
        do {
            try await store.recordWebhookAttempt(
                delivery, at: now, status: status, error: failure ?? (delivered ? nil : status.map { "answered \($0)" }),
                durationMilliseconds: Int64(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000),
                delivered: delivered, nextAttemptAt: nextAttempt)
        } catch {
            logger.error("a webhook attempt could not be recorded: \(error)", metadata: ["delivery": "\(delivery.id)"])
        }
        if !delivered {
            logger.warning("webhook delivery failed", metadata: ["delivery": "\(delivery.id)", "status": "\(status.map(String.init) ?? failure ?? "")"])
        }
    }

    /// POSTs the delivery, its answer read within ``deadline`` whatever the receiver does;
    /// returns the status, or why there is none.
    private func post(_ delivery: DueWebhookDelivery, with client: HTTPClient) async -> (Int?, String?) {
        let timestamp = Int64(Date().timeIntervalSince1970)
        var request = HTTPClientRequest(url: delivery.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Herald-Webhook")
        request.headers.add(name: "X-Herald-Event", value: delivery.event)
        request.headers.add(name: "X-Herald-Delivery", value: delivery.id)
        request.headers.add(name: "X-Herald-Webhook-Timestamp", value: String(timestamp))
        request.headers.add(
            name: "X-Herald-Webhook-Signature", value: WebhookSignature.sign(secret: delivery.secret, timestamp: timestamp, body: Array(delivery.body.utf8)))
        request.body = .bytes(ByteBuffer(string: delivery.body))
        let prepared = request
        return await withTaskGroup(of: (Int?, String?).self) { group in
            group.addTask {
                do {
                    let response = try await client.execute(prepared, timeout: .seconds(10))
                    _ = try await response.body.collect(upTo: 64 * 1024)
                    return (Int(response.status.code), nil)
                } catch is CancellationError {
                    return (nil, "no answer within \(Self.deadline)")
                } catch let error as HTTPClientError {
                    return (nil, "\(error)")
                } catch {
                    return (nil, "the connection failed")
                }
            }
            group.addTask {
                try? await Task.sleep(for: Self.deadline)
                return (nil, "no answer within \(Self.deadline)")
            }
            let first = await group.next() ?? (nil, "no answer")
            group.cancelAll()
            return first
        }
    }
}
