import AsyncHTTPClient
import Foundation
import HeraldCore
import HeraldStore
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Sends webhook deliveries as they fall due: each POSTed with its event, delivery id,
/// timestamp and HMAC signature (``WebhookSignature``); a 2xx answer delivers it, anything
/// else (or no answer within 10 s) schedules it again after a doubling delay, from
/// `retryBase` up to an hour, until a day has passed. Every instance runs one; a delivery is
/// claimed before it is sent, so one instance sends it.
final class WebhookSender: Service, Sendable {
    private let store: any Store
    private let logger: Logger
    private let retryBase: Duration
    private let client: HTTPClient
    /// Set once the database is migrated: nothing is read before.
    private let migrated = Atomic<Bool>(false)

    init(store: any Store, logger: Logger, retryBase: Duration) {
        self.store = store
        self.logger = logger
        self.retryBase = retryBase
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(5), read: .seconds(10)))
        // A receiver's redirect is its failure: the signed body goes where the vendor said, only.
        configuration.redirectConfiguration = .disallow
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    func run() async throws {
        let poll = min(retryBase, .seconds(1))
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await Task.sleep(for: poll)
            guard migrated.load(ordering: .acquiring) else { continue }
            do {
                let due = try await store.claimDueWebhookDeliveries(now: currentTimeMillis(), limit: 32)
                await withTaskGroup(of: Void.self) { group in
                    for delivery in due { group.addTask { await self.send(delivery) } }
                }
            } catch {
                logger.error("webhook deliveries could not be read: \(error)")
            }
        }
        try await client.shutdown()
    }

    /// Lets deliveries start: the server calls it once the database is migrated.
    func databaseIsReady() {
        migrated.store(true, ordering: .releasing)
    }

    /// The delay before attempt `attempt + 1`, after `attempt` failed ones: doubling from the base, at most an hour.
    static func delay(afterAttempt attempt: Int, base: Duration) -> Duration {
        let doubled = base * (1 << min(max(attempt - 1, 0), 20))
        return min(doubled, .seconds(3600))
    }

    private func send(_ delivery: DueWebhookDelivery) async {
        let started = ContinuousClock.now
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
        var status: Int?
        var failure: String?
        do {
            let response = try await client.execute(request, timeout: .seconds(10))
            status = Int(response.status.code)
            _ = try? await response.body.collect(upTo: 64 * 1024)
        } catch {
            failure = String(describing: error).prefix(500).description
        }
        let delivered = status.map { (200..<300).contains($0) } ?? false
        let now = currentTimeMillis()
        let delay = Self.delay(afterAttempt: delivery.attemptsMade + 1, base: retryBase)
        let next = now + Int64(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)
        let nextAttempt = delivered || next > delivery.retryUntil ? nil : next
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
            logger.warning(
                "webhook delivery failed", metadata: ["delivery": "\(delivery.id)", "status": "\(status.map(String.init) ?? failure ?? "")"])
        }
    }
}
