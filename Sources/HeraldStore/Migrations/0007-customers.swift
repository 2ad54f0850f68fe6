extension Migration {
    /// What serving customers needs: premium products, display messages, staged rollouts,
    /// per-day install statistics, and the server's shared secrets (the key of signed download
    /// links and the salt of site hashes), kept in the database so every instance agrees.
    static let customers = Migration(
        version: 7, name: "customers",
        statements: [
            "ALTER TABLE products ADD COLUMN premium BOOLEAN NOT NULL DEFAULT FALSE",
            """
            CREATE TABLE server_secrets (
                name TEXT PRIMARY KEY,
                value TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE display_messages (
                id TEXT PRIMARY KEY,
                product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
                type TEXT NOT NULL,
                text TEXT NOT NULL,
                code TEXT,
                channels TEXT NOT NULL,
                url_pattern TEXT,
                licenses TEXT NOT NULL,
                starts_at BIGINT,
                ends_at BIGINT,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX display_messages_product ON display_messages (product_id)",
            """
            CREATE TABLE rollouts (
                product_id TEXT NOT NULL,
                channel_id TEXT NOT NULL,
                build TEXT NOT NULL,
                basis_points BIGINT NOT NULL,
                paused BOOLEAN NOT NULL,
                started_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (product_id, channel_id),
                FOREIGN KEY (product_id, channel_id) REFERENCES channels (product_id, id) ON DELETE CASCADE
            )
            """,
            """
            CREATE TABLE install_stats (
                product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
                day BIGINT NOT NULL,
                site_sha256 TEXT NOT NULL,
                channel_id TEXT NOT NULL,
                version TEXT,
                wordpress_version TEXT,
                php_version TEXT,
                checks BIGINT NOT NULL,
                PRIMARY KEY (product_id, day, site_sha256)
            )
            """,
        ])
}
