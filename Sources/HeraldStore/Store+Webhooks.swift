import Foundation
import HeraldCore
import SQLKit

/// One event's delivery to one subscription, with every attempt made.
public struct WebhookDelivery: Sendable {
    public struct Attempt: Sendable {
        public var number: Int
        /// Milliseconds since 1970.
        public var at: Int64
        /// The receiver's HTTP status; nil when none came (`error` says why).
        public var status: Int?
        public var error: String?
        public var durationMilliseconds: Int64
    }

    public var id: String
    public var webhook: String
    public var event: String
    public var eventID: String
    public var body: String
    public var createdAt: Int64
    public var nextAttemptAt: Int64?
    public var deliveredAt: Int64?
    public var gaveUpAt: Int64?
    public var attempts: [Attempt]
}

/// A delivery claimed for sending: where, with what secret, and what.
public struct DueWebhookDelivery: Sendable {
    public var id: String
    public var url: String
    public var secret: String
    public var event: String
    public var body: String
    /// Failed tries since it was scheduled (made, or redelivered): what the backoff doubles on.
    public var tries: Int
    public var retryUntil: Int64
    /// The claim it was sent under: a redelivery (or another sender) since makes it stale.
    public var lease: String
}

/// A value in an event's `data`.
public enum WebhookValue: Sendable, Encodable {
    case string(String?)
    case integer(Int64)
    case strings([String])

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .integer(let number): try container.encode(number)
        case .strings(let texts): try container.encode(texts)
        }
    }
}

extension Store {
    /// How long a claimed delivery is left to its sender before another may send it again.
    static var webhookLease: Int64 { 60_000 }

    /// Subscribes `url` to the product's `events`; returns the subscription and its secret,
    /// `secret` or one made here (shown once; it signs every delivery).
    public func createWebhook(product: ProductID, url: String, events: Set<Webhook.Event>, secret: String?) async throws -> (Webhook, secret: String) {
        let secret = secret ?? "whsec_" + randomHex(byteCount: 24)
        guard (16...256).contains(secret.utf8.count) else { throw HeraldError.invalidInput("secret must be 16 to 256 characters") }
        let webhook = Webhook(id: UUID().uuidString.lowercased(), product: product, url: url, events: events, createdAt: currentTimeMillis())
        try await withTransaction { database in
            guard try await database.select().column("id").from("products").where("id", .equal, product.rawValue).first() != nil else {
                throw HeraldError.unknownProduct(product)
            }
            let count = try await database.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "count").from("webhooks")
                .where("product_id", .equal, product.rawValue).first()?.decode(column: "count", as: Int.self) ?? 0
            guard count < 20 else { throw HeraldError.invalidInput("a product has at most 20 webhooks") }
            try await database.insert(into: "webhooks").columns("id", "product_id", "url", "secret", "events", "created_at")
                .values(
                    SQLBind(webhook.id), SQLBind(product.rawValue), SQLBind(url), SQLBind(secret),
                    SQLBind(events.map(\.rawValue).sorted().joined(separator: ",")), SQLBind(webhook.createdAt)
                ).run()
        }
        return (webhook, secret)
    }

    /// The product's subscriptions, oldest first.
    public func webhooks(of product: ProductID) async throws -> [Webhook] {
        try await withDatabase { database in
            try await database.select().column("*").from("webhooks").where("product_id", .equal, product.rawValue).orderBy("created_at").all()
                .map { row in
                    Webhook(
                        id: try row.decode(column: "id", as: String.self), product: product, url: try row.decode(column: "url", as: String.self),
                        events: Set(try row.decode(column: "events", as: String.self).split(separator: ",").compactMap { Webhook.Event(rawValue: String($0)) }),
                        createdAt: try row.decode(column: "created_at", as: Int64.self))
                }
        }
    }

    /// Ends a subscription, with its deliveries.
    public func deleteWebhook(_ id: String, of product: ProductID) async throws {
        try await withTransaction { database in
            guard try await database.select().column("id").from("webhooks").where("id", .equal, id).where("product_id", .equal, product.rawValue)
                .first() != nil
            else { throw HeraldError.unknownWebhook(id) }
            try await database.delete(from: "webhooks").where("id", .equal, id).run()
        }
    }

    /// Writes a delivery of the event to each of the product's subscriptions to it, in the
    /// transaction of the change it tells of. The body is made once and kept: a retry or a
    /// redelivery sends the same bytes.
    func enqueueWebhookEvent(
        _ event: Webhook.Event, of product: ProductID, data: [String: WebhookValue], at time: Int64, in database: any SQLDatabase
    ) async throws {
        var subscribed: [String] = []
        // Read under a share lock: a subscription deleted meanwhile cannot fail the change.
        for row in try await database.select().column("id").column("events").from("webhooks").where("product_id", .equal, product.rawValue)
            .for(.share).all()
        {
            if try row.decode(column: "events", as: String.self).split(separator: ",").contains(Substring(event.rawValue)) {
                subscribed.append(try row.decode(column: "id", as: String.self))
            }
        }
        guard !subscribed.isEmpty else { return }
        let eventID = UUID().uuidString.lowercased()
        // Scheduled from now, whatever time the event names (an import's builds are years old).
        let now = currentTimeMillis()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = String(decoding: try encoder.encode(WebhookBody(id: eventID, event: event.rawValue, product: product.rawValue, occurredAt: time, data: data)), as: UTF8.self)
        for webhook in subscribed {
            try await database.insert(into: "webhook_deliveries")
                .columns("id", "webhook_id", "event", "event_id", "body", "created_at", "attempts", "next_attempt_at", "retry_until")
                .values(
                    SQLBind(UUID().uuidString.lowercased()), SQLBind(webhook), SQLBind(event.rawValue), SQLBind(eventID), SQLBind(body),
                    SQLBind(now), SQLBind(Int64(0)), SQLBind(now), SQLBind(now + 86_400_000)
                ).run()
        }
    }

    /// Claims up to `limit` deliveries due at `now` for this sender, in one statement: each is
    /// leased (``webhookLease``) under a new lease id, so of several instances one sends it,
    /// and an outcome recorded under a lease that was since replaced changes nothing.
    public func claimDueWebhookDeliveries(now: Int64, limit: Int) async throws -> [DueWebhookDelivery] {
        // Read first: most seconds nothing is due, and a claim is a write.
        let anyDue = try await withDatabase { database in
            try await database.select().column("id").from("webhook_deliveries").where("next_attempt_at", .lessThanOrEqual, SQLBind(now))
                .limit(1).first() != nil
        }
        guard anyDue else { return [] }
        let lease = UUID().uuidString.lowercased()
        return try await withTransaction { database in
            let due = database.select().column("id").from("webhook_deliveries").where("next_attempt_at", .lessThanOrEqual, SQLBind(now))
                .orderBy("next_attempt_at").limit(limit)
            let claimed = try await database.update("webhook_deliveries").set("next_attempt_at", to: SQLBind(now + Self.webhookLease))
                .set("lease", to: SQLBind(lease))
                .where("id", .in, SQLGroupExpression(due.select))
                // Checked again on the row itself: of two instances, the later finds it leased.
                .where("next_attempt_at", .lessThanOrEqual, SQLBind(now))
                .returning("id").all()
            guard !claimed.isEmpty else { return [] }
            return try await database.select().column(SQLColumn("*", table: "webhook_deliveries")).column(SQLColumn("url", table: "webhooks"))
                .column(SQLColumn("secret", table: "webhooks"))
                .from("webhook_deliveries").join("webhooks", on: SQLColumn("webhook_id", table: "webhook_deliveries"), .equal, SQLColumn("id", table: "webhooks"))
                .where(SQLColumn("lease", table: "webhook_deliveries"), .equal, SQLBind(lease)).all()
                .map { row in
                    DueWebhookDelivery(
                        id: try row.decode(column: "id", as: String.self), url: try row.decode(column: "url", as: String.self),
                        secret: try row.decode(column: "secret", as: String.self), event: try row.decode(column: "event", as: String.self),
                        body: try row.decode(column: "body", as: String.self), tries: try row.decode(column: "tries", as: Int.self),
                        retryUntil: try row.decode(column: "retry_until", as: Int64.self), lease: lease)
                }
        }
    }

    /// Records an attempt: delivered, to be tried again at `nextAttemptAt`, or given up (neither).
    /// Under a lease since replaced (a redelivery, or another sender after the lease ran out)
    /// the attempt is logged and the schedule left to the newer claim.
    public func recordWebhookAttempt(
        _ delivery: DueWebhookDelivery, at time: Int64, status: Int?, error: String?, durationMilliseconds: Int64, delivered: Bool,
        nextAttemptAt: Int64?
    ) async throws {
        try await withTransaction { database in
            let counted = try await database.update("webhook_deliveries").set("attempts", to: SQLRaw("attempts + 1"))
                .where("id", .equal, delivery.id).returning("attempts").first()
            guard let number = try counted?.decode(column: "attempts", as: Int64.self) else { return }
            try await database.insert(into: "webhook_attempts").columns("delivery_id", "attempt", "attempted_at", "status", "error", "duration_ms")
                .values(SQLBind(delivery.id), SQLBind(number), SQLBind(time), SQLBind(status.map(Int64.init)), SQLBind(error), SQLBind(durationMilliseconds))
                .run()
            try await database.update("webhook_deliveries").set("tries", to: SQLBind(Int64(delivery.tries + 1)))
                .set("next_attempt_at", to: SQLBind(nextAttemptAt)).set("delivered_at", to: SQLBind(delivered ? time : nil))
                .set("gave_up_at", to: SQLBind(!delivered && nextAttemptAt == nil ? time : nil)).set("lease", to: SQLBind(String?.none))
                .where("id", .equal, delivery.id).where("lease", .equal, SQLBind(delivery.lease)).run()
        }
    }

    /// Deletes deliveries finished (delivered or given up) before `cutoff`, with their attempts.
    public func pruneWebhookDeliveries(finishedBefore cutoff: Int64) async throws {
        try await withDatabase { database in
            try await database.delete(from: "webhook_attempts").where(
                "delivery_id", .in,
                SQLGroupExpression(
                    database.select().column("id").from("webhook_deliveries").where("next_attempt_at", .is, SQLLiteral.null)
                        .where { $0.where("delivered_at", .lessThan, SQLBind(cutoff)).orWhere("gave_up_at", .lessThan, SQLBind(cutoff)) }.select)
            ).run()
            try await database.delete(from: "webhook_deliveries").where("next_attempt_at", .is, SQLLiteral.null)
                .where { $0.where("delivered_at", .lessThan, SQLBind(cutoff)).orWhere("gave_up_at", .lessThan, SQLBind(cutoff)) }.run()
        }
    }

    /// The subscription's deliveries, newest first, with their attempts.
    public func webhookDeliveries(of webhook: String, of product: ProductID, limit: Int = 100) async throws -> [WebhookDelivery] {
        try await withDatabase { database in
            guard try await database.select().column("id").from("webhooks").where("id", .equal, webhook).where("product_id", .equal, product.rawValue)
                .first() != nil
            else { throw HeraldError.unknownWebhook(webhook) }
            var deliveries: [WebhookDelivery] = []
            for row in try await database.select().column("*").from("webhook_deliveries").where("webhook_id", .equal, webhook)
                .orderBy("created_at", .descending).limit(limit).all()
            {
                let id = try row.decode(column: "id", as: String.self)
                let attempts = try await database.select().column("*").from("webhook_attempts").where("delivery_id", .equal, id).orderBy("attempt").all()
                    .map { attempt in
                        WebhookDelivery.Attempt(
                            number: try attempt.decode(column: "attempt", as: Int.self), at: try attempt.decode(column: "attempted_at", as: Int64.self),
                            status: try attempt.decode(column: "status", as: Int?.self), error: try attempt.decode(column: "error", as: String?.self),
                            durationMilliseconds: try attempt.decode(column: "duration_ms", as: Int64.self))
                    }
                deliveries.append(
                    WebhookDelivery(
                        id: id, webhook: webhook, event: try row.decode(column: "event", as: String.self),
                        eventID: try row.decode(column: "event_id", as: String.self), body: try row.decode(column: "body", as: String.self),
                        createdAt: try row.decode(column: "created_at", as: Int64.self),
                        nextAttemptAt: try row.decode(column: "next_attempt_at", as: Int64?.self),
                        deliveredAt: try row.decode(column: "delivered_at", as: Int64?.self),
                        gaveUpAt: try row.decode(column: "gave_up_at", as: Int64?.self), attempts: attempts))
            }
            return deliveries
        }
    }

    /// Sends a delivery again, now, with the same body, retried for another day if it fails.
    public func redeliverWebhook(_ delivery: String, of webhook: String, of product: ProductID) async throws {
        try await withTransaction { database in
            guard try await database.select().column("id").from("webhooks").where("id", .equal, webhook).where("product_id", .equal, product.rawValue)
                .first() != nil,
                try await database.select().column("id").from("webhook_deliveries").where("id", .equal, delivery).where("webhook_id", .equal, webhook)
                    .first() != nil
            else { throw HeraldError.unknownWebhook(delivery) }
            let now = currentTimeMillis()
            try await database.update("webhook_deliveries").set("next_attempt_at", to: SQLBind(now)).set("retry_until", to: SQLBind(now + 86_400_000))
                .set("delivered_at", to: SQLBind(Int64?.none)).set("gave_up_at", to: SQLBind(Int64?.none)).set("tries", to: SQLBind(Int64(0)))
                .set("lease", to: SQLBind(String?.none))
                .where("id", .equal, delivery).run()
        }
    }
}

/// A delivery's body: `{"data", "event", "id", "occurred_at", "product"}`.
private struct WebhookBody: Encodable {
    let id: String
    let event: String
    let product: String
    let occurredAt: Int64
    let data: [String: WebhookValue]

    enum CodingKeys: String, CodingKey {
        case id, event, product, occurredAt = "occurred_at", data
    }
}
