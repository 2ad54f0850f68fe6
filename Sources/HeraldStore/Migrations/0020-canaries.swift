extension Migration {
    /// The sites of each product that get a staged rollout's build first: address patterns and licenses.
    static let canaries = Migration(
        version: 20, name: "canaries",
        statements: [
            """
            CREATE TABLE canaries (
                product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                value TEXT NOT NULL,
                PRIMARY KEY (product_id, kind, value)
            )
            """
        ])
}
