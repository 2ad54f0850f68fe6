extension Migration {
    /// A TUF repository per app product: each role's current key (the root's private half is
    /// kept offline, never here) and every version of every role's signed metadata.
    static let tuf = Migration(
        version: 16, name: "tuf",
        statements: [
            """
            CREATE TABLE tuf_keys (
                product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
                role TEXT NOT NULL,
                key_id TEXT NOT NULL,
                public_key TEXT NOT NULL,
                private_key TEXT,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (product_id, role)
            )
            """,
            """
            CREATE TABLE tuf_metadata (
                product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
                role TEXT NOT NULL,
                version BIGINT NOT NULL,
                body TEXT NOT NULL,
                content TEXT NOT NULL,
                key_id TEXT NOT NULL,
                expires_at BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (product_id, role, version)
            )
            """,
        ])
}
