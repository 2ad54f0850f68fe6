extension Migration {
    /// Sites' reports of how each update went, one per site and version (a later report
    /// replaces an earlier), and the rollout guards that weigh them.
    static let outcomeReports = Migration(
        version: 18, name: "outcome reports",
        statements: [
            """
            CREATE TABLE outcome_reports (
                product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
                site_sha256 TEXT NOT NULL,
                to_version TEXT NOT NULL,
                build_hash TEXT NOT NULL,
                from_version TEXT,
                outcome TEXT NOT NULL,
                error_code TEXT,
                error_message TEXT,
                wordpress_version TEXT,
                php_version TEXT,
                reported_at BIGINT NOT NULL,
                PRIMARY KEY (product_id, site_sha256, to_version)
            )
            """,
            "CREATE INDEX outcome_reports_by_build ON outcome_reports (build_hash, reported_at)",
            "ALTER TABLE rollouts ADD COLUMN guard_minimum_reports BIGINT",
            "ALTER TABLE rollouts ADD COLUMN guard_margin BIGINT",
            "ALTER TABLE rollouts ADD COLUMN halt_reason TEXT",
            "ALTER TABLE rollouts ADD COLUMN guard_since BIGINT",
            """
            CREATE TABLE rollout_events (
                product_id TEXT NOT NULL,
                channel_id TEXT NOT NULL,
                build TEXT NOT NULL,
                event TEXT NOT NULL,
                detail TEXT,
                happened_at BIGINT NOT NULL,
                FOREIGN KEY (product_id, channel_id) REFERENCES channels (product_id, id) ON DELETE CASCADE
            )
            """,
            "CREATE INDEX rollout_events_by_channel ON rollout_events (product_id, channel_id, happened_at)",
        ])
}
