import Foundation
import HeraldCore
import HeraldStore
import Hummingbird

/// A product's webhook subscriptions and their delivery log (token for the product needed).
///
/// `POST /api/v1/{product}/webhooks` subscribes a URL: `{"url", "events": [...] or "a,b",
/// "secret"}` (every event when none are named; a secret is made when none is given, and
/// shown only in this answer). Each delivery can be listed with its attempts, and sent again.
struct WebhookRoutes<Context: RequestContext> {
    let store: any Store
    let allowPrivateNetworks: Bool

    private var authorization: Authorization { Authorization(store: store) }

    func register(on router: Router<Context>) {
        router.post("/api/v1/{product}/webhooks") { request, context in
            var request = request
            let product = try context.parameters.product()
            _ = try await authorization.token(for: request, writing: product)
            let fields = try await ListFields.read(&request, lists: ["events"])
            guard let url = fields.text("url") else { throw HeraldError.invalidInput("url is missing: where Herald POSTs each event") }
            if !allowPrivateNetworks, let host = URLComponents(string: url)?.host, WebhookAddresses.isPrivateLiteral(host) {
                throw HeraldError.invalidInput(
                    "url \(quoted(url)) is on this machine or a private network, where webhooks are not sent unless the server allows it (--webhook-allow-private-networks)")
            }
            let (webhook, secret) = try await store.createWebhook(
                product: product, url: try Webhook.url(validating: url), events: try Webhook.events(parsing: fields.list("events")),
                secret: fields.text("secret"))
            return try envelopeResponse(WebhookResource(webhook: webhook, secret: secret), status: .created)
        }
        router.get("/api/v1/{product}/webhooks") { request, context in
            let product = try context.parameters.product()
            _ = try await authorization.token(for: request, writing: product)
            guard try await store.product(product) != nil else { throw HeraldError.unknownProduct(product) }
            return try envelopeResponse(["webhooks": try await store.webhooks(of: product).map { WebhookResource(webhook: $0, secret: nil) }])
        }
        router.delete("/api/v1/{product}/webhooks/{webhook}") { request, context in
            let product = try context.parameters.product()
            _ = try await authorization.token(for: request, writing: product)
            let id = context.parameters.get("webhook") ?? ""
            try await store.deleteWebhook(id, of: product)
            return try envelopeResponse(["deleted": id])
        }
        router.get("/api/v1/{product}/webhooks/{webhook}/deliveries") { request, context in
            let product = try context.parameters.product()
            _ = try await authorization.token(for: request, writing: product)
            let deliveries = try await store.webhookDeliveries(of: context.parameters.get("webhook") ?? "", of: product)
            return try envelopeResponse(["deliveries": deliveries.map(WebhookDeliveryResource.init)])
        }
        router.post("/api/v1/{product}/webhooks/{webhook}/deliveries/{delivery}/redeliver") { request, context in
            let product = try context.parameters.product()
            _ = try await authorization.token(for: request, writing: product)
            let (webhook, delivery) = (context.parameters.get("webhook") ?? "", context.parameters.get("delivery") ?? "")
            try await store.redeliverWebhook(delivery, of: webhook, of: product)
            return try envelopeResponse(["redelivering": delivery], status: .accepted)
        }
    }
}

/// A subscription; its secret only in the answer that made it.
struct WebhookResource: Encodable, Sendable {
    let webhook: Webhook
    let secret: String?

    enum CodingKeys: String, CodingKey {
        case id, product, url, events, createdAt = "created_at", secret
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(webhook.id, forKey: .id)
        try container.encode(webhook.product, forKey: .product)
        try container.encode(webhook.url, forKey: .url)
        try container.encode(webhook.events.map(\.rawValue).sorted(), forKey: .events)
        try container.encode(Moment.iso(webhook.createdAt), forKey: .createdAt)
        try container.encodeIfPresent(secret, forKey: .secret)
    }
}

/// A delivery as its log shows it: state, body and every attempt.
struct WebhookDeliveryResource: Encodable, Sendable {
    let delivery: WebhookDelivery

    enum CodingKeys: String, CodingKey {
        case id, event, eventID = "event_id", state, body, createdAt = "created_at", nextAttemptAt = "next_attempt_at", attempts
    }

    private struct AttemptResource: Encodable {
        let attempt: Int
        let at: String
        let status: Int?
        let error: String?
        let durationMs: Int64

        enum CodingKeys: String, CodingKey {
            case attempt, at, status, error, durationMs = "duration_ms"
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(delivery.id, forKey: .id)
        try container.encode(delivery.event, forKey: .event)
        try container.encode(delivery.eventID, forKey: .eventID)
        let state = delivery.deliveredAt != nil ? "delivered" : delivery.gaveUpAt != nil ? "failed" : "pending"
        try container.encode(state, forKey: .state)
        try container.encode(delivery.body, forKey: .body)
        try container.encode(Moment.iso(delivery.createdAt), forKey: .createdAt)
        try container.encode(delivery.deliveredAt == nil ? delivery.nextAttemptAt.map(Moment.iso) : nil, forKey: .nextAttemptAt)
        try container.encode(
            delivery.attempts.map {
                AttemptResource(attempt: $0.number, at: Moment.iso($0.at), status: $0.status, error: $0.error, durationMs: $0.durationMilliseconds)
            }, forKey: .attempts)
    }
}
