extension Migration {
    /// Webhook subscriptions, each event's deliveries to them, and every attempt of a delivery.
    /// A delivery is written in the transaction of the change it tells of, so none is lost
    /// and none is told of a change that was rolled back.
    static let webhooks = Migration(
        version: 21, name: "webhooks",
        statements: [
            """
            CREATE TABLE webhooks (
                id TEXT PRIMARY KEY,
                product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
                url TEXT NOT NULL,
                secret TEXT NOT NULL,
                events TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX webhooks_by_product ON webhooks (product_id)",
            """
            CREATE TABLE webhook_deliveries (
                id TEXT PRIMARY KEY,
                webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
                event TEXT NOT NULL,
                event_id TEXT NOT NULL,
                body TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                attempts BIGINT NOT NULL DEFAULT 0,
                tries BIGINT NOT NULL DEFAULT 0,
                lease TEXT,
                next_attempt_at BIGINT,
                retry_until BIGINT NOT NULL,
                delivered_at BIGINT,
                gave_up_at BIGINT
            )
            """,
            "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)",
            "CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, created_at)",
            """
            CREATE TABLE webhook_attempts (
                delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
                attempt BIGINT NOT NULL,
                attempted_at BIGINT NOT NULL,
                status BIGINT,
                error TEXT,
                duration_ms BIGINT NOT NULL,
                PRIMARY KEY (delivery_id, attempt)
            )
            """,
        ])
}
