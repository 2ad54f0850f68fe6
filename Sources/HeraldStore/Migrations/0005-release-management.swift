extension Migration {
    /// Seed 000's release management: each product's extension manifests, its auto-deploy
    /// setting, and the core channel a custom channel's promotions follow.
    static let releaseManagement = Migration(
        version: 5, name: "release_management",
        statements: [
            """
            CREATE TABLE extensions (
                product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
                id TEXT NOT NULL,
                name TEXT NOT NULL,
                premium BOOLEAN NOT NULL,
                beta_tag TEXT,
                stable_tag TEXT,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (product_id, id)
            )
            """,
            "ALTER TABLE products ADD COLUMN auto_deploy BOOLEAN NOT NULL DEFAULT FALSE",
            "ALTER TABLE channels ADD COLUMN extends TEXT",
        ])
}
