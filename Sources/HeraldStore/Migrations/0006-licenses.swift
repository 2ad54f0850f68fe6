extension Migration {
    /// Customers' licenses: the SHA-256 of each key and its last four characters, the products
    /// each covers (and the customer channel it is bound to), and the sites that activated it.
    static let licenses = Migration(
        version: 6, name: "licenses",
        statements: [
            """
            CREATE TABLE licenses (
                id TEXT PRIMARY KEY,
                key_sha256 TEXT NOT NULL UNIQUE,
                key_last4 TEXT NOT NULL,
                customer_name TEXT NOT NULL,
                customer_email TEXT NOT NULL,
                channel_id TEXT,
                expires_at BIGINT,
                site_limit BIGINT,
                revoked BOOLEAN NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE license_products (
                license_id TEXT NOT NULL REFERENCES licenses (id) ON DELETE CASCADE,
                product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
                PRIMARY KEY (license_id, product_id)
            )
            """,
            """
            CREATE TABLE license_sites (
                license_id TEXT NOT NULL REFERENCES licenses (id) ON DELETE CASCADE,
                site_sha256 TEXT NOT NULL,
                activated_at BIGINT NOT NULL,
                PRIMARY KEY (license_id, site_sha256)
            )
            """,
            "CREATE INDEX licenses_customer ON licenses (customer_name, customer_email)",
        ])
}
