extension Migration {
    /// API tokens (only the SHA-256 of each secret), their product scopes, and every move of
    /// a channel's latest or active build.
    static let accessAndHistory = Migration(
        version: 2, name: "access_and_history",
        statements: [
            """
            CREATE TABLE api_tokens (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                secret_sha256 TEXT NOT NULL UNIQUE,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE api_token_products (
                token_id TEXT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
                product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
                PRIMARY KEY (token_id, product_id)
            )
            """,
            """
            CREATE TABLE channel_moves (
                product_id TEXT NOT NULL,
                channel_id TEXT NOT NULL,
                sequence BIGINT NOT NULL,
                pointer TEXT NOT NULL,
                from_build TEXT,
                to_build TEXT,
                reason TEXT NOT NULL,
                actor TEXT NOT NULL,
                moved_at BIGINT NOT NULL,
                PRIMARY KEY (product_id, channel_id, sequence),
                FOREIGN KEY (product_id, channel_id) REFERENCES channels (product_id, id) ON DELETE CASCADE
            )
            """,
        ])
}
