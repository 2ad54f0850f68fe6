extension Migration {
    /// Products, their channels and their builds.
    static let catalog = Migration(
        version: 1, name: "catalog",
        statements: [
            """
            CREATE TABLE products (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                kind TEXT NOT NULL,
                hidden BOOLEAN NOT NULL DEFAULT FALSE,
                homepage TEXT,
                description TEXT,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE channels (
                product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
                id TEXT NOT NULL,
                name TEXT NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                alias_for TEXT,
                is_core BOOLEAN NOT NULL DEFAULT FALSE,
                is_custom BOOLEAN NOT NULL DEFAULT FALSE,
                is_favourite BOOLEAN NOT NULL DEFAULT FALSE,
                latest_build TEXT,
                active_build TEXT,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (product_id, id)
            )
            """,
            """
            CREATE TABLE builds (
                hash TEXT PRIMARY KEY,
                md5 TEXT NOT NULL,
                product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
                version TEXT NOT NULL,
                channel_id TEXT NOT NULL,
                uploaded_at BIGINT NOT NULL,
                builder_name TEXT,
                builder_version TEXT,
                uploaded_by TEXT,
                size BIGINT NOT NULL,
                file_name TEXT NOT NULL,
                is_latest BOOLEAN NOT NULL,
                requires TEXT,
                tested TEXT,
                requires_php TEXT,
                changelog TEXT
            )
            """,
            "CREATE INDEX builds_by_product_version ON builds (product_id, version)",
            "CREATE INDEX builds_by_channel ON builds (product_id, channel_id, uploaded_at)",
        ])
}
